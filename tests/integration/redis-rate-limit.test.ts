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

t.test('with Redis unreachable the limit holds per process from memory, the headers tell the truth, and the outage is logged', async (t) => {
  const logged: Array<{ msg?: string }> = [];
  const { app } = await appWith('redis://127.0.0.1:1', 2, logged);
  const ip = clientIp();
  const answers = [];
  for (let i = 0; i < 3; i += 1) answers.push(await app.inject({ url: LIST, remoteAddress: ip }));
  t.same(answers.map((res) => res.statusCode), [200, 200, 429], 'two served, the third throttled: never a 500, never unlimited');
  t.same(answers.map((res) => res.headers['x-ratelimit-remaining']), ['1', '0', '0'], 'remaining counts down (it said 3 forever before)');
  t.ok(Number(answers[2]?.headers['retry-after']) > 0, 'the 429 says when to retry');
  t.ok(logged.some((entry) => /redis unavailable/.test(entry.msg ?? '')), 'the outage is logged');
});
