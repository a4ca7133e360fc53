import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Redis } from 'ioredis';
import fp from 'fastify-plugin';
import { principalOf } from '../auth.ts';
import { rateLimitAddress } from '../client-address.ts';
import { resilientRateLimitStore } from './rate-limit-store.ts';

export interface RateLimitOptions {
  readonly max: number;
  readonly windowMs: number;
  /** Shared counters across replicas (REDIS_URL); in-process memory when absent or down. */
  readonly redis?: Redis | undefined;
  /** AUTHENTICATED_WRITE_RATE_LIMIT: every authenticated write, per user (`app.authenticatedWriteLimit`). */
  readonly authenticatedWrites?: { readonly max: number; readonly windowMs: number } | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for authenticated writes, after `authenticate`: AUTHENTICATED_WRITE_RATE_LIMIT per user. */
    authenticatedWriteLimit: onRequestAsyncHookHandler;
  }
}

/** Without AUTHENTICATED_WRITE_RATE_LIMIT given (tests), writes are limited far above any test's volume. */
const UNSET_WRITE_LIMIT = { max: 10_000, windowMs: 60_000 };

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
 * @fastify/rate-limit, opt-in per route. The public catalogue: `app.rateLimit()` (scope
 * `academy_unauthenticated`), keyed by the client address Fastify derives from `trustProxy` hops,
 * canonicalized so it cannot be minted (src/adapters/http/client-address.ts). Signed-in writes:
 * `app.authenticatedWriteLimit`, keyed by user (see `perUserRateLimit`). One store for both: Redis
 * when it answers, this process's memory when it does not (src/adapters/http/plugins/rate-limit-store.ts).
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, options: RateLimitOptions) => {
    await app.register(rateLimit, {
      global: false,
      max: options.max,
      timeWindow: options.windowMs,
      keyGenerator: (request: FastifyRequest) => `academy_unauthenticated:${rateLimitAddress(request)}`,
      errorResponseBuilder: (_request, context) => throttledError(context.ttl),
      store: resilientRateLimitStore(options.redis, 'academy-billing:rate-limit:'),
    });
    app.decorate('authenticatedWriteLimit', perUserRateLimit(app, 'authenticated_write', options.authenticatedWrites ?? UNSET_WRITE_LIMIT));
  },
  { name: 'academy-rate-limit', fastify: '5.x' },
);

/**
 * A per-user budget (`scope:<user id>`) over the shared store, as an onRequest hook placed after
 * `authenticate`: `x-ratelimit-*` headers on every answer, 429 with `Retry-After` and the catalogue's
 * body beyond it. Reusable: each scope is its own budget (e.g. checkout-session creation).
 */
export function perUserRateLimit(
  app: FastifyInstance,
  scope: string,
  limit: { readonly max: number; readonly windowMs: number },
): onRequestAsyncHookHandler {
  const count = app.createRateLimit({
    max: limit.max,
    timeWindow: limit.windowMs,
    keyGenerator: (request) => `${scope}:${principalOf(request).userId}`,
  });
  return async function limitPerUser(request: FastifyRequest, reply: FastifyReply) {
    const result = await count(request);
    if (result.isAllowed) return;
    void reply.headers({
      'x-ratelimit-limit': result.max,
      'x-ratelimit-remaining': result.remaining,
      'x-ratelimit-reset': result.ttlInSeconds,
    });
    if (!result.isExceeded) return;
    const throttled = throttledError(result.ttl);
    await reply.code(throttled.statusCode).headers(throttled.headers).send(throttled.body);
  };
}
