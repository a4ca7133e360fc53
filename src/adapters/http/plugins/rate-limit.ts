import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Redis } from 'ioredis';
import fp from 'fastify-plugin';
import { principalOf } from '../auth.ts';
import { rateLimitAddress } from '../client-address.ts';
import { resilientRateLimitStore, type Hit, type RateLimitStore } from './rate-limit-store.ts';

export interface RateLimitOptions {
  readonly max: number;
  readonly windowMs: number;
  /** Shared counters across replicas (REDIS_URL); in-process memory when absent or down. */
  readonly redis?: Redis | undefined;
  /** AUTHENTICATED_WRITE_RATE_LIMIT: every authenticated write, per user (`app.authenticatedWriteLimit`). */
  readonly authenticatedWrites?: Limit | undefined;
}

/** At most `max` requests per fixed window of `windowMs`. */
export interface Limit {
  readonly max: number;
  readonly windowMs: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook of the public catalogue: ACADEMY_PRODUCTS_RATE_LIMIT per client address (`academy_unauthenticated`). */
    catalogueRateLimit: onRequestHookHandler;
    /** The catalogue's budget outside Fastify's hooks (the ready lane, ready-lane.ts): same store, key and limit. */
    catalogueBudget: CatalogueBudget;
    /** onRequest hook for authenticated writes, after `authenticate`: AUTHENTICATED_WRITE_RATE_LIMIT per user. */
    authenticatedWriteLimit: onRequestHookHandler;
    /** The counters every limiter shares (Redis, or this process's memory). */
    rateLimitStore: RateLimitStore;
  }
}

/** Without AUTHENTICATED_WRITE_RATE_LIMIT given (tests), writes are limited far above any test's volume. */
const UNSET_WRITE_LIMIT: Limit = { max: 10_000, windowMs: 60_000 };

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
 * Fixed-window rate limits as onRequest hooks (docs/decisions/0031). The public catalogue:
 * `app.catalogueRateLimit`, keyed by the client address Fastify derives from `trustProxy` hops,
 * canonicalized so it cannot be minted (src/adapters/http/client-address.ts). Signed-in writes:
 * `app.authenticatedWriteLimit`, keyed by user (see `perUserRateLimit`). One store for all: Redis
 * when it answers, this process's memory when it does not (src/adapters/http/plugins/rate-limit-store.ts).
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, options: RateLimitOptions) => {
    const store = resilientRateLimitStore(options.redis, 'academy-billing:rate-limit:');
    app.decorate('rateLimitStore', store);
    const limit: Limit = { max: options.max, windowMs: options.windowMs };
    app.decorate('catalogueRateLimit', fixedWindowLimit(store, limit, (request) => catalogueKey(rateLimitAddress(request))));
    app.decorate('catalogueBudget', {
      limit,
      hit: (address: string, callback: (hit: Hit) => void) => store.hit(catalogueKey(address), limit.windowMs, callback),
    });
    app.decorate('authenticatedWriteLimit', perUserRateLimit(app, 'authenticated_write', options.authenticatedWrites ?? UNSET_WRITE_LIMIT));
  },
  { name: 'academy-rate-limit', fastify: '5.x' },
);

/** The public catalogue's budget: counted per client address (rateLimitAddress), list and detail together. */
export interface CatalogueBudget {
  readonly limit: Limit;
  /** Counts one request from `address` (a rateLimitAddress) and says where its window stands. */
  hit(address: string, callback: (hit: Hit) => void): void;
}

function catalogueKey(address: string): string {
  return `academy_unauthenticated:${address}`;
}

/**
 * A per-user budget (`scope:<user id>`) over the shared store, as an onRequest hook placed after
 * `authenticate`. Reusable: each scope is its own budget (e.g. checkout-session creation).
 */
export function perUserRateLimit(app: FastifyInstance, scope: string, limit: Limit): onRequestHookHandler {
  return fixedWindowLimit(app.rateLimitStore, limit, (request) => `${scope}:${principalOf(request).userId}`);
}

/**
 * Counts the request against its key's window: within the limit it goes on with `x-ratelimit-limit`,
 * `-remaining` and `-reset` (seconds) on its answer; beyond it, 429 with the same headers (remaining 0),
 * `Retry-After` and the catalogue's body. Callback style, no promise: with the counters in memory the
 * whole check runs in the same tick (it is on every catalogue request).
 */
export function fixedWindowLimit(store: RateLimitStore, limit: Limit, keyOf: (request: FastifyRequest) => string): onRequestHookHandler {
  return function limitRequests(request, reply, done) {
    store.hit(keyOf(request), limit.windowMs, (hit) => {
      if (hit.current <= limit.max) {
        setLimitHeaders(reply, limit, hit, limit.max - hit.current);
        done();
        return;
      }
      setLimitHeaders(reply, limit, hit, 0);
      const throttled = throttledError(hit.ttl);
      void reply.code(throttled.statusCode).headers(throttled.headers).send(throttled.body);
    });
  };
}

function setLimitHeaders(reply: FastifyReply, limit: Limit, hit: Hit, remaining: number): void {
  reply.header('x-ratelimit-limit', limit.max);
  reply.header('x-ratelimit-remaining', remaining);
  reply.header('x-ratelimit-reset', resetSeconds(hit));
}

/** `x-ratelimit-reset`: whole seconds until the window ends, rounded up. */
export function resetSeconds(hit: Hit): number {
  return Math.ceil(hit.ttl / 1000);
}
