import t from 'tap';
import { cachedPriceSource } from '../../src/application/read-model/cached-price-source.ts';
import type { Clock } from '../../src/application/ports/clock.ts';
import type { Logger } from '../../src/application/ports/logger.ts';
import type { PriceSource } from '../../src/application/ports/price-source.ts';
import type { Price } from '../../src/domain/price.ts';

const TTL_MS = 60_000;
const TIMEOUT_MS = 50;

function price(lookupKey: string, unitAmount = 9900): Price {
  const recurring = { interval: 'year', intervalCount: 1, usageType: 'licensed' };
  const unitAmountDecimal = (unitAmount / 100).toFixed(2);
  return { id: `price_${lookupKey}`, productId: 'prod_x', lookupKey, currency: 'usd', unitAmount, unitAmountDecimal, recurring };
}

/** An in-memory PriceSource whose answers the test controls; `hold()` makes calls wait for `release()`. */
function fakeSource(initial: Price[]) {
  let prices = new Map(initial.map((p) => [p.lookupKey, p]));
  let failing = false;
  let gate: Promise<void> | null = null;
  let open = (): void => {};
  const calls: string[][] = [];
  const source: PriceSource = {
    async pricesForLookupKeys(keys) {
      calls.push([...keys]);
      if (gate) await gate;
      if (failing) throw new Error('upstream down');
      return new Map(keys.flatMap((key) => (prices.has(key) ? [[key, prices.get(key) as Price] as const] : [])));
    },
  };
  return {
    source,
    calls,
    setPrices: (next: Price[]) => void (prices = new Map(next.map((p) => [p.lookupKey, p]))),
    setFailing: (next: boolean) => void (failing = next),
    hold: () => void (gate = new Promise<void>((resolve) => (open = resolve))),
    release: () => {
      gate = null;
      open();
    },
  };
}

function manualClock(): Clock & { advance(ms: number): void } {
  let now = Date.parse('2026-01-01T00:00:00Z');
  return { now: () => new Date(now), advance: (ms) => void (now += ms) };
}

function recordingLogger(): Logger & { warnings: Array<{ obj: object; msg: string | undefined }> } {
  const warnings: Array<{ obj: object; msg: string | undefined }> = [];
  return { warnings, info() {}, error() {}, debug() {}, warn: (obj, msg) => void warnings.push({ obj, msg }) };
}

function setup(initial: Price[] = [price('a'), price('b')]) {
  const upstream = fakeSource(initial);
  const clock = manualClock();
  const logger = recordingLogger();
  const cache = cachedPriceSource(upstream.source, { ttlMs: TTL_MS, timeoutMs: TIMEOUT_MS, clock, logger });
  return { upstream, clock, logger, cache };
}

const ids = (found: ReadonlyMap<string, Price>): Array<[string, string]> => [...found].map(([key, p]) => [key, p.id]);
const settleBackground = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

t.test('a second request within the TTL is answered from the cache', async (t) => {
  const { upstream, clock, cache } = setup();
  await cache.pricesForLookupKeys(['a', 'b']);
  clock.advance(TTL_MS - 1);
  const found = await cache.pricesForLookupKeys(['a', 'b']);
  t.same(ids(found), [['a', 'price_a'], ['b', 'price_b']], 'both prices come back');
  t.equal(upstream.calls.length, 1, 'only the first request reached the source');
});

t.test('a request past the TTL fetches again and sees the new price', async (t) => {
  const { upstream, clock, cache } = setup();
  await cache.pricesForLookupKeys(['a']);
  upstream.setPrices([price('a', 12900)]);
  clock.advance(TTL_MS);
  const found = await cache.pricesForLookupKeys(['a']);
  t.equal(found.get('a')?.unitAmount, 12900, 'the refreshed amount is served');
  t.equal(upstream.calls.length, 2, 'the expired entry caused exactly one more fetch');
});

t.test('a key without a usable price is cached as absent for the TTL', async (t) => {
  const { upstream, cache } = setup();
  const first = await cache.pricesForLookupKeys(['nope']);
  const second = await cache.pricesForLookupKeys(['nope']);
  t.equal(first.size + second.size, 0, 'no price is invented for the unknown key');
  t.equal(upstream.calls.length, 1, 'the miss is remembered, so the source is asked once');
});

t.test('only the missing or expired keys are fetched, in one call', async (t) => {
  const { upstream, cache } = setup([price('a'), price('b'), price('c')]);
  await cache.pricesForLookupKeys(['a']);
  const found = await cache.pricesForLookupKeys(['a', 'b', 'c', 'b', '', '  ']);
  t.same(ids(found), [['a', 'price_a'], ['b', 'price_b'], ['c', 'price_c']], 'all three keys answered once, in request order');
  t.same(upstream.calls, [['a'], ['b', 'c']], 'the second call asked only for b and c, deduplicated, blanks dropped');
});

t.test('no lookup keys means no call to the source', async (t) => {
  const { upstream, cache } = setup();
  t.equal((await cache.pricesForLookupKeys([])).size, 0, 'empty request → empty answer');
  t.equal((await cache.pricesForLookupKeys(['', ' '])).size, 0, 'blank keys → empty answer');
  t.equal(upstream.calls.length, 0, 'the source was never called');
});

t.test('50 concurrent cold requests share a single fetch', async (t) => {
  const { upstream, cache } = setup();
  upstream.hold();
  const requests = Array.from({ length: 50 }, () => cache.pricesForLookupKeys(['a', 'b']));
  upstream.release();
  const answers = await Promise.all(requests);
  t.equal(upstream.calls.length, 1, 'one call to the source for 50 requests');
  t.ok(answers.every((found) => found.size === 2), 'every request got both prices');
});

t.test('a request overlapping an in-flight fetch joins it for the shared keys', async (t) => {
  const { upstream, cache } = setup([price('a'), price('b'), price('c')]);
  upstream.hold();
  const first = cache.pricesForLookupKeys(['a', 'b']);
  const second = cache.pricesForLookupKeys(['b', 'c']);
  upstream.release();
  t.same(ids(await second), [['b', 'price_b'], ['c', 'price_c']], 'the joining request gets b from the shared fetch');
  t.equal((await first).size, 2, 'the first request gets its own keys');
  t.same(upstream.calls, [['a', 'b'], ['c']], 'b was fetched once; only c needed a new call');
});

t.test('when a refresh fails the last good prices are served and the failure is logged', async (t) => {
  const { upstream, clock, logger, cache } = setup();
  await cache.pricesForLookupKeys(['a', 'b']);
  clock.advance(TTL_MS);
  upstream.setFailing(true);
  const found = await cache.pricesForLookupKeys(['a', 'b']);
  t.same(ids(found), [['a', 'price_a'], ['b', 'price_b']], 'stale prices are served');
  t.equal(upstream.calls.length, 2, 'the refresh was attempted');
  t.match(logger.warnings, [{ obj: { staleKeys: ['a', 'b'] } }], 'one warning names the keys served stale');
});

t.test('when the source fails cold the answer is empty instead of an error', async (t) => {
  const { upstream, logger, cache } = setup();
  upstream.setFailing(true);
  const found = await cache.pricesForLookupKeys(['a']);
  t.equal(found.size, 0, 'no prices, and the promise resolved');
  t.equal(logger.warnings.length, 1, 'the failure is logged once');
});

t.test('a source that throws synchronously still yields an answer', async (t) => {
  const throwing: PriceSource = {
    pricesForLookupKeys() {
      throw new Error('boom');
    },
  };
  const cache = cachedPriceSource(throwing, { ttlMs: TTL_MS, timeoutMs: TIMEOUT_MS, clock: manualClock(), logger: recordingLogger() });
  t.equal((await cache.pricesForLookupKeys(['a'])).size, 0, 'resolved with no prices');
});

t.test('after a failure the source is left alone for the backoff, then asked again', async (t) => {
  const { upstream, clock, cache } = setup();
  upstream.setFailing(true);
  await cache.pricesForLookupKeys(['a']);
  await cache.pricesForLookupKeys(['a']);
  t.equal(upstream.calls.length, 1, 'a second request right after the failure does not hit the source');
  upstream.setFailing(false);
  clock.advance(10_000);
  const found = await cache.pricesForLookupKeys(['a']);
  t.equal(found.get('a')?.id, 'price_a', 'once the backoff is over the healed source answers');
  t.equal(upstream.calls.length, 2, 'exactly one retry');
});

t.test('a slow fetch is answered at the timeout and fills the cache when it finishes', async (t) => {
  const { upstream, clock, logger, cache } = setup();
  await cache.pricesForLookupKeys(['a']);
  clock.advance(TTL_MS);
  upstream.setPrices([price('a', 12900), price('b')]);
  upstream.hold();
  const started = performance.now();
  const slow = await cache.pricesForLookupKeys(['a', 'b']);
  const elapsed = performance.now() - started;
  t.ok(elapsed >= TIMEOUT_MS - 5 && elapsed < TIMEOUT_MS + 500, `answered at the ${TIMEOUT_MS} ms budget (took ${elapsed.toFixed(0)} ms)`);
  t.same(ids(slow), [['a', 'price_a']], 'the stale a is served; b has nothing cached yet');
  t.match(logger.warnings, [{ obj: { timeoutMs: TIMEOUT_MS } }], 'the slow source is logged');

  const joined = cache.pricesForLookupKeys(['a', 'b']);
  upstream.release();
  t.equal((await joined).get('a')?.unitAmount, 12900, 'a request waiting on the same fetch gets its result');
  await settleBackground();
  const after = await cache.pricesForLookupKeys(['a', 'b']);
  t.equal(after.get('b')?.id, 'price_b', 'the background fetch filled the cache');
  t.equal(upstream.calls.length, 2, 'the joining request did not start another fetch');
});

t.test('invalidate drops every entry so the next request fetches again', async (t) => {
  const { upstream, cache } = setup();
  await cache.pricesForLookupKeys(['a']);
  upstream.setPrices([price('a', 4900)]);
  cache.invalidate();
  const found = await cache.pricesForLookupKeys(['a']);
  t.equal(found.get('a')?.unitAmount, 4900, 'the new price is served right after invalidation');
  t.equal(upstream.calls.length, 2, 'invalidation forced one new fetch');
});

t.test('a fetch started before invalidate does not refill the cache', async (t) => {
  const { upstream, cache } = setup();
  upstream.hold();
  const before = cache.pricesForLookupKeys(['a']);
  cache.invalidate();
  upstream.release();
  await before;
  await cache.pricesForLookupKeys(['a']);
  t.equal(upstream.calls.length, 2, 'the request after invalidate fetched instead of trusting the older answer');
});

t.test('version: moves when a refetch brings another price or the cache is dropped, not on a first fetch or the same price', async (t) => {
  const { upstream, clock, cache } = setup();
  const start = cache.version();
  await cache.pricesForLookupKeys(['a']);
  t.equal(cache.version(), start, 'a first fetch: nothing answered before it can have used another price');
  clock.advance(TTL_MS);
  await cache.pricesForLookupKeys(['a']);
  t.equal(cache.version(), start, 'refetched after the TTL, the same price: no move');
  upstream.setPrices([price('a', 12_900), price('b')]);
  clock.advance(TTL_MS);
  await cache.pricesForLookupKeys(['a']);
  t.equal(cache.version(), start + 1, 'refetched, another price: it moves');
  upstream.setFailing(true);
  clock.advance(TTL_MS);
  await cache.pricesForLookupKeys(['a']);
  t.equal(cache.version(), start + 1, 'a failed refresh keeps the last good price: no move');
  cache.invalidate();
  t.equal(cache.version(), start + 2, 'a drop moves it');
});

t.test('version: a price appearing for a key that had none moves it', async (t) => {
  const { upstream, clock, cache } = setup([price('a')]);
  await cache.pricesForLookupKeys(['a', 'b']);
  const before = cache.version();
  upstream.setPrices([price('a'), price('b')]);
  clock.advance(TTL_MS);
  await cache.pricesForLookupKeys(['a', 'b']);
  t.equal(cache.version(), before + 1);
});

t.test('freshUntil: the earliest expiry among the given keys\' fresh entries', async (t) => {
  const { clock, cache } = setup();
  t.equal(cache.freshUntil(['a']), Number.POSITIVE_INFINITY, 'a key with no entry holds nothing that expires');
  const first = clock.now().getTime();
  await cache.pricesForLookupKeys(['a']);
  clock.advance(1_000);
  await cache.pricesForLookupKeys(['b']);
  t.equal(cache.freshUntil(['a', 'b']), first + TTL_MS, "a's expiry comes first");
  t.equal(cache.freshUntil(['b']), first + 1_000 + TTL_MS, 'keys not asked about do not count');
  clock.advance(TTL_MS - 1_000);
  t.equal(cache.freshUntil(['a', 'b']), first + 1_000 + TTL_MS, 'an expired entry no longer counts');
});

t.test('version: a fetch a caller stopped waiting for moves it when it ends; one every caller waited for does not', async (t) => {
  const { upstream, cache } = setup();
  const start = cache.version();
  upstream.hold();
  const answered = await cache.pricesForLookupKeys(['a']); // the budget (TIMEOUT_MS) runs out: answered without a
  t.equal(answered.size, 0, 'answered without the price');
  t.equal(cache.version(), start, 'not yet');
  upstream.release();
  await settleBackground();
  t.equal(cache.version(), start + 1, 'its end moves the version: what was answered without it is stale');
  await cache.pricesForLookupKeys(['b']);
  t.equal(cache.version(), start + 1, 'a fetch answered within the budget does not');
});

t.test('a wall clock stepped back does not stretch a price past the TTL', async (t) => {
  const { upstream, clock, cache } = setup();
  await cache.pricesForLookupKeys(['a']);
  clock.advance(-3_600_000);
  await cache.pricesForLookupKeys(['a']);
  t.equal(upstream.calls.length, 2, 'an entry that seems fresh for longer than the TTL is refetched');
  t.equal(cache.freshUntil(['a']), clock.now().getTime() + TTL_MS, 'and is fresh for one TTL from the new now');
});
