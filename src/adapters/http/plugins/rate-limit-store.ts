import type { Redis } from 'ioredis';
import { lruCache } from '../../../application/read-model/lru-cache.ts';

/** What @fastify/rate-limit expects from a store's `incr`. */
interface Hit {
  readonly current: number;
  readonly ttl: number;
}
type HitCallback = (error: Error | null, hit?: Hit) => void;

/**
 * The store interface of @fastify/rate-limit (`store` option: a class it instantiates with its settings).
 * The plugin always passes the window (its published types leave it out, hence optional here).
 */
export interface RateLimitStore {
  incr(key: string, callback: HitCallback, timeWindow?: number): void;
  child(routeOptions: unknown): RateLimitStore;
}
export type RateLimitStoreClass = new (settings: unknown) => RateLimitStore;

// A fixed window per key, as @fastify/rate-limit's own Redis store counts (INCR, PEXPIRE on the first hit).
const FIXED_WINDOW = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return {current, tonumber(ARGV[1])}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}
`;

type RedisWithWindow = Redis & {
  academyRateWindow?: (key: string, windowMs: number, callback: (error: Error | null, result?: [number, number]) => void) => void;
};

/** How many keys one process remembers while counting on its own; the least recently seen are forgotten first. */
export const MEMORY_FALLBACK_MAX_KEYS = 50_000;

/**
 * Fixed-window counters shared by every replica through Redis (REDIS_URL), and counted in this
 * process's memory whenever Redis is absent, not ready or failing: the limit then holds per process,
 * and the `x-ratelimit-*` headers report that process's count (the truth, not "nothing counted").
 * Every limiter (`scope:key` keys) shares the one store, so `child` returns the same store.
 */
export function resilientRateLimitStore(redis: Redis | undefined, namespace: string, maxKeys = MEMORY_FALLBACK_MAX_KEYS): RateLimitStoreClass {
  const memory = lruCache<{ count: number; resetAt: number }>(maxKeys);
  const client = redis as RedisWithWindow | undefined;
  if (client && !client.academyRateWindow) client.defineCommand('academyRateWindow', { numberOfKeys: 1, lua: FIXED_WINDOW });

  function countInMemory(key: string, windowMs: number): Hit {
    const now = Date.now();
    let entry = memory.get(key);
    if (!entry || entry.resetAt <= now) {
      entry = { count: 0, resetAt: now + windowMs };
      memory.set(key, entry);
    }
    entry.count += 1;
    return { current: entry.count, ttl: entry.resetAt - now };
  }

  const store: RateLimitStore = {
    incr(key, callback, timeWindow = 60_000) {
      if (!client?.academyRateWindow || client.status !== 'ready') {
        callback(null, countInMemory(key, timeWindow));
        return;
      }
      client.academyRateWindow(`${namespace}${key}`, timeWindow, (error, result) => {
        if (error || !result) callback(null, countInMemory(key, timeWindow));
        else callback(null, { current: Number(result[0]), ttl: Number(result[1]) });
      });
    },
    child: () => store,
  };
  return class {
    constructor() {
      return store;
    }
  } as unknown as RateLimitStoreClass;
}
