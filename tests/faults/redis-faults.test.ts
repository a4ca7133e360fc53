/**
 * Redis down with REDIS_URL set, end to end through the real process (the app-level check with an
 * unreachable Redis is tests/integration/redis-rate-limit.test.ts): the rate limit is counted per process, the
 * catalogue keeps answering, the outage and the recovery are logged.
 */
import t from 'tap';
import { startService } from '../helpers/service-process.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';

const LIST = '/api/v1/academy-products/';
const redisTarget = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
const proxy = await startTcpProxy({ host: redisTarget.hostname, port: Number(redisTarget.port || 6379) });
t.teardown(() => proxy.close());
const service = await startService({ REDIS_URL: `redis://127.0.0.1:${proxy.port}`, ACADEMY_PRODUCTS_RATE_LIMIT: '1000/hour', LOG_LEVEL: 'info' });
t.teardown(() => service.stop('SIGKILL'));

async function listTimed(): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${service.baseUrl}${LIST}`);
  await res.arrayBuffer();
  return { status: res.status, ms: Date.now() - started };
}

async function until(predicate: () => boolean, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

t.test('with Redis going down the catalogue keeps answering 200 quickly, and the outage is logged once', async (t) => {
  t.equal((await listTimed()).status, 200, 'served while Redis is up (or from the start, failing open)');
  await proxy.setMode('refuse');
  const answers = [];
  for (let i = 0; i < 5; i += 1) answers.push(await listTimed());
  t.ok(answers.every((answer) => answer.status === 200), `every request is 200 (${answers.map((a) => a.status).join(', ')})`);
  t.ok(answers.every((answer) => answer.ms < 3_000), `each within 3 s (slowest ${Math.max(...answers.map((a) => a.ms))} ms; command timeout 500 ms)`);
  t.ok(await until(() => /redis unavailable/.test(service.output().stdout), 10_000), 'the log says "redis unavailable: rate limits counted per process"');
  t.equal(service.output().stdout.match(/redis unavailable/g)?.length, 1, 'once per outage, not per reconnect attempt');
});

t.test('when Redis comes back the shared limit is restored without a restart', async (t) => {
  await proxy.setMode('forward');
  t.ok(await until(() => /redis available again/.test(service.output().stdout), 15_000), 'the log says "redis available again"');
  const res = await fetch(`${service.baseUrl}${LIST}`);
  t.equal(res.status, 200, 'the list is 200');
  t.ok(Number(res.headers.get('x-ratelimit-remaining')) < 1000, 'and counted against the shared budget again');
});
