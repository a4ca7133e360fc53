/** The rate-limit hook over the shared store (docs/decisions/0031): counted in the same tick when the counters are in memory. */
import Fastify from 'fastify';
import t from 'tap';
import { fixedWindowLimit } from '../../src/adapters/http/plugins/rate-limit.ts';
import { resilientRateLimitStore } from '../../src/adapters/http/plugins/rate-limit-store.ts';

t.test('without Redis a hit is counted and answered before `hit` returns', async (t) => {
  const store = resilientRateLimitStore(undefined, 'test:');
  const seen: number[] = [];
  store.hit('k', 60_000, (hit) => seen.push(hit.current));
  t.same(seen, [1], 'the callback already ran');
  store.hit('k', 60_000, (hit) => seen.push(hit.current));
  store.hit('other', 60_000, (hit) => seen.push(hit.current));
  t.same(seen, [1, 2, 1], 'per key');
});

t.test('the hook lets a request within the limit go on in the same tick, with the x-ratelimit headers; beyond it 429', async (t) => {
  const store = resilientRateLimitStore(undefined, 'test:');
  const limit = fixedWindowLimit(store, { max: 2, windowMs: 60_000 }, () => 'one-key');
  const app = Fastify();
  let wentOnSynchronously = 0;
  app.get('/', { onRequest: limit }, () => ({ ok: true }));
  // The same hook called directly: `done` runs before the hook returns.
  app.get('/direct', (request, reply) => {
    let went = false;
    void limit.call(app, request, reply, () => (went = true));
    if (went) wentOnSynchronously += 1;
    return reply.sent ? reply : { went };
  });
  t.teardown(() => app.close());

  const first = await app.inject('/');
  t.equal(first.statusCode, 200);
  t.same([first.headers['x-ratelimit-limit'], first.headers['x-ratelimit-remaining']], ['2', '1']);
  t.match(first.headers['x-ratelimit-reset'], /^\d+$/);
  const direct = await app.inject('/direct');
  t.equal(direct.statusCode, 200);
  t.equal(wentOnSynchronously, 1, 'the second request went on before the hook returned');
  const third = await app.inject('/');
  t.equal(third.statusCode, 429);
  t.equal(third.headers['x-ratelimit-remaining'], '0');
  t.equal(third.headers['retry-after'], third.headers['x-ratelimit-reset']);
  t.match(third.json(), { detail: /^Request was throttled\. Expected available in \d+ seconds\.$/ });
});
