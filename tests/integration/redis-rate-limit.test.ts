import t from 'tap';
import { randomInt } from 'node:crypto';
import { createRedisClient } from '../../src/adapters/redis/redis-client.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LIST = '/api/v1/academy-products/';

// A client address of our own per run, so parallel runs never share counters.
const clientIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

async function appWith(redisUrl: string, max: number, logged: Array<{ msg?: string }> = []) {
  const logger = { ...silentLogger, warn: (obj: object, msg?: string) => void logged.push({ ...obj, msg }) };
  const redis = createRedisClient(redisUrl, logger);
  const app = await buildTestApp({
    academies: inMemoryAcademyRepository([{ name: 'AI Academy' }]),
    prices: fakePriceSource([]),
    rateLimit: { max, windowMs: 60_000, redis },
  });
  t.teardown(async () => {
    await app.close();
    redis.disconnect();
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { app, redis };
}

t.test('the limit holds across two instances sharing Redis', async (t) => {
  const first = await appWith(REDIS_URL, 3);
  const second = await appWith(REDIS_URL, 3);
  await first.redis.ping();
  const ip = clientIp();
  const statuses: number[] = [];
  for (const app of [first.app, second.app, first.app, second.app]) {
    statuses.push((await app.inject({ url: LIST, remoteAddress: ip })).statusCode);
  }
  t.same(statuses, [200, 200, 200, 429], 'the fourth request is throttled whichever instance gets it');
  const remaining = await second.app.inject({ url: LIST, remoteAddress: clientIp() });
  t.equal(remaining.headers['x-ratelimit-remaining'], '2', 'a fresh client starts with its own budget');
});

t.test('with Redis unreachable the service keeps answering and logs the outage', async (t) => {
  const logged: Array<{ msg?: string }> = [];
  const { app } = await appWith('redis://127.0.0.1:1', 1, logged);
  const ip = clientIp();
  for (let i = 0; i < 3; i += 1) {
    const res = await app.inject({ url: LIST, remoteAddress: ip });
    t.equal(res.statusCode, 200, `request ${i + 1} is served (fail open), not 429 or 500`);
  }
  t.ok(logged.some((entry) => /redis unavailable/.test(entry.msg ?? '')), 'the outage is logged');
});
