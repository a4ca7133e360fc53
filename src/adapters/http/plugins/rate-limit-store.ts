import type { Redis } from 'ioredis';
import { lruCache } from '../../../application/read-model/lru-cache.ts';

/** One request counted: the window's count so far (this one included) and the milliseconds left in it. */
export interface Hit {
  readonly current: number;
  readonly ttl: number;
}

/**
 * Counts a request against `key`'s fixed window of `windowMs`. The callback runs at once (same tick)
 * when the count is this process's, later when Redis answers; it never receives an error.
 */
export interface RateLimitStore {
  hit(key: string, windowMs: number, callback: (hit: Hit) => void): void;
}

// A fixed window per key (INCR, PEXPIRE on the first hit), as @fastify/rate-limit's Redis store counted.
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
 * Every limiter (`scope:key` keys) shares the one store.
 */
export function resilientRateLimitStore(redis: Redis | undefined, namespace: string, maxKeys = MEMORY_FALLBACK_MAX_KEYS): RateLimitStore {
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

  return {
    hit(key, windowMs, callback) {
      if (!client?.academyRateWindow || client.status !== 'ready') {
        callback(countInMemory(key, windowMs));
        return;
      }
      client.academyRateWindow(`${namespace}${key}`, windowMs, (error, result) => {
        if (error || !result) callback(countInMemory(key, windowMs));
        else callback({ current: Number(result[0]), ttl: Number(result[1]) });
      });
    },
  };
}
