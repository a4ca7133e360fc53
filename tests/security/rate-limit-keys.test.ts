/**
 * Issue 15, finding 5 and the per-user write limit: rate-limit budgets cannot be minted with odd
 * X-Forwarded-For values or IPv6 neighbours, Redis being down does not lift the limits (and the headers
 * say so truthfully), and one signed-in user gets AUTHENTICATED_WRITE_RATE_LIMIT writes, shared through Redis.
 */
import { randomInt, randomUUID } from 'node:crypto';
import t from 'tap';
import { SignJWT } from 'jose';
import { jwtVerifier } from '../../src/adapters/auth/jwt-verifier.ts';
import { canonicalAddress } from '../../src/adapters/http/client-address.ts';
import { createRedisClient } from '../../src/adapters/redis/redis-client.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';

const LIST = '/api/v1/academy-products/';
const SECRET = 'a-test-secret-of-at-least-thirty-two-bytes';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function appWith(options: { max?: number; trustProxy?: number; redisUrl?: string; writes?: { max: number; windowMs: number } }) {
  const redis = options.redisUrl ? createRedisClient(options.redisUrl, silentLogger) : undefined;
  const app = await buildTestApp({
    academies: inMemoryAcademyRepository([{ name: 'AI Academy' }]),
    prices: fakePriceSource([]),
    trustProxy: options.trustProxy ?? 0,
    tokenVerifier: jwtVerifier({ secretKey: SECRET }),
    rateLimit: { max: options.max ?? 2, windowMs: 60_000, ...(redis ? { redis } : {}), ...(options.writes ? { authenticatedWrites: options.writes } : {}) },
    checkoutIntents: {
      // The write itself is not under test: a stand-in that answers 201 once the limit let it through.
      createOrUpdateIntent: async () => { throw Object.assign(new Error('reached the use case'), { statusCode: 418 }); },
    },
  });
  t.teardown(async () => {
    await app.close();
    redis?.disconnect();
  });
  if (redis) await new Promise<void>((resolve) => { if (redis.status === 'ready') resolve(); else redis.once('ready', () => resolve()).once('error', () => resolve()); });
  return app;
}

t.test('canonical keys: invalid addresses are not keys, IPv4-mapped IPv6 is IPv4, IPv6 counts by /64', async (t) => {
  t.equal(canonicalAddress('9.9.9.9'), '9.9.9.9');
  t.equal(canonicalAddress('::ffff:9.9.9.9'), '9.9.9.9');
  t.equal(canonicalAddress('::ffff:0909:0909'), '9.9.9.9');
  t.equal(canonicalAddress('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  t.equal(canonicalAddress('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  t.equal(canonicalAddress('fe80::1%eth0'), 'fe80:0:0:0::/64');
  t.equal(canonicalAddress('::1'), '0:0:0:0::/64');
  for (const minted of ['009.9.9.9', '[9.9.9.9]:1234', 'garbage', '', '9.9.9.9.9', ' 9.9.9.9']) t.equal(canonicalAddress(minted), null, `${JSON.stringify(minted)} is not a key`);
});

t.test("odd X-Forwarded-For values share the socket's budget instead of minting new ones", async (t) => {
  const app = await appWith({ max: 2, trustProxy: 1 });
  const socket = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
  const statuses = [];
  for (const forwarded of ['009.9.9.9', '[9.9.9.9]:1234', 'garbage', 'also garbage']) {
    statuses.push((await app.inject({ url: LIST, remoteAddress: socket, headers: { 'x-forwarded-for': forwarded } })).statusCode);
  }
  t.same(statuses, [200, 200, 429, 429], 'all four count against the proxy socket address: the third is throttled');
});

t.test('9.9.9.9 and ::ffff:9.9.9.9 are one client; an IPv6 /64 is one client', async (t) => {
  const app = await appWith({ max: 2, trustProxy: 1 });
  const v4 = `9.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
  const mapped = [v4, `::ffff:${v4}`, v4].map((ip) => app.inject({ url: LIST, remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': ip } }));
  t.same((await Promise.all(mapped)).map((res) => res.statusCode).sort(), [200, 200, 429]);
  const prefix = `2001:db8:${randomInt(65536).toString(16)}:${randomInt(65536).toString(16)}`;
  const neighbours = [`${prefix}::1`, `${prefix}::2`, `${prefix}:ffff:ffff:ffff:ffff`];
  const answers = [];
  for (const ip of neighbours) answers.push((await app.inject({ url: LIST, remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': ip } })).statusCode);
  t.same(answers, [200, 200, 429], `three addresses in ${prefix}::/64 share one budget`);
});

t.test('Redis down: the public limit holds per process and remaining counts down truthfully', async (t) => {
  const app = await appWith({ max: 3, redisUrl: 'redis://127.0.0.1:1' });
  const ip = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
  const answers = [];
  for (let i = 0; i < 4; i += 1) answers.push(await app.inject({ url: LIST, remoteAddress: ip }));
  t.same(answers.map((res) => res.headers['x-ratelimit-remaining']), ['2', '1', '0', '0']);
  t.same(answers.map((res) => res.statusCode), [200, 200, 200, 429]);
});

const token = (userId: string) =>
  new SignJWT({ user_id: userId }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
async function write(app: Awaited<ReturnType<typeof appWith>>, userId: string) {
  return app.inject({ method: 'POST', url: '/api/v1/checkout-intents/', headers: { authorization: `Bearer ${await token(userId)}` }, payload: { quantity: 1 } });
}

t.test('authenticated writes: N per user, then 429 with Retry-After and the catalogue body; other users unaffected', async (t) => {
  const app = await appWith({ writes: { max: 3, windowMs: 60_000 } });
  const user = `writer-${randomUUID()}`;
  const answers = [];
  for (let i = 0; i < 4; i += 1) answers.push(await write(app, user));
  t.same(answers.map((res) => res.statusCode), [418, 418, 418, 429], 'three reach the use case, the fourth is throttled before it');
  t.same(answers.map((res) => res.headers['x-ratelimit-remaining']), ['2', '1', '0', '0']);
  const throttled = answers[3]!;
  t.match(throttled.json(), { detail: /^Request was throttled\. Expected available in \d+ seconds\.$/ });
  t.ok(Number(throttled.headers['retry-after']) > 0 && Number(throttled.headers['retry-after']) <= 60, 'Retry-After within the window');
  t.equal((await write(app, `other-${randomUUID()}`)).statusCode, 418, 'another user has a budget of their own');
  const anonymous = await app.inject({ method: 'POST', url: '/api/v1/checkout-intents/', payload: { quantity: 1 } });
  t.equal(anonymous.statusCode, 401, 'no token: 401, not counted against anyone');
});

t.test('the per-user write budget is shared by replicas through Redis, and held per process when Redis is down', async (t) => {
  const first = await appWith({ redisUrl: REDIS_URL, writes: { max: 2, windowMs: 60_000 } });
  const second = await appWith({ redisUrl: REDIS_URL, writes: { max: 2, windowMs: 60_000 } });
  const user = `replicated-${randomUUID()}`;
  const statuses = [];
  for (const app of [first, second, first]) statuses.push((await write(app, user)).statusCode);
  t.same(statuses, [418, 418, 429], 'the third write is throttled whichever replica gets it');

  const down = await appWith({ redisUrl: 'redis://127.0.0.1:1', writes: { max: 2, windowMs: 60_000 } });
  const lonely = `lonely-${randomUUID()}`;
  const downStatuses = [];
  for (let i = 0; i < 3; i += 1) downStatuses.push((await write(down, lonely)).statusCode);
  t.same(downStatuses, [418, 418, 429], 'Redis down: still limited');
});
