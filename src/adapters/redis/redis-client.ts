import { Redis } from 'ioredis';
import type { Logger } from '../../application/ports/logger.ts';

/**
 * The client for shared rate-limit counters. Tuned to fail fast rather than queue: with no
 * offline queue a command fails at once while Redis is down, the rate limiter then counts in
 * this process's memory, and the client keeps reconnecting in the background.
 */
export function createRedisClient(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
    commandTimeout: 500,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  // Log transitions, not every failed reconnect attempt.
  let healthy = true;
  redis.on('error', (error: Error) => {
    if (!healthy) return;
    healthy = false;
    logger.warn({ err: { message: error.message } }, 'redis unavailable: rate limits counted per process until it returns');
  });
  redis.on('ready', () => {
    if (healthy) return;
    healthy = true;
    logger.info({}, 'redis available again: shared rate limit restored');
  });
  return redis;
}
