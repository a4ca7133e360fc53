import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import fp from 'fastify-plugin';

export interface RateLimitOptions {
  readonly max: number;
  readonly windowMs: number;
  /** Shared counters across replicas (REDIS_URL); in-process memory when absent. */
  readonly redis?: Redis | undefined;
}

/** The throttled reply of the original API: DRF's wording, with `Retry-After` in whole seconds. */
export function throttledError(ttlMs: number) {
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
  return {
    statusCode: 429,
    body: { detail: `Request was throttled. Expected available in ${seconds} seconds.` },
    headers: { 'retry-after': String(seconds) },
  };
}

/**
 * @fastify/rate-limit, opt-in per route through `app.rateLimit()` (scope `academy_unauthenticated`), keyed by the client IP
 * that Fastify derives from `trustProxy` hops — so X-Forwarded-For is only believed behind a proxy.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, options: RateLimitOptions) => {
    await app.register(rateLimit, {
      global: false,
      max: options.max,
      timeWindow: options.windowMs,
      keyGenerator: (request: FastifyRequest) => `academy_unauthenticated:${request.ip}`,
      errorResponseBuilder: (_request, context) => throttledError(context.ttl),
      // Redis down: serve the request rather than fail it (the client logs the outage).
      skipOnError: true,
      nameSpace: 'academy-billing:rate-limit:',
      ...(options.redis ? { redis: options.redis } : {}),
    });
  },
  { name: 'academy-rate-limit', fastify: '5.x' },
);
