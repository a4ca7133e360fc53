/**
 * The shared price cache (docs/decisions/0024): one replica's price webhook drops every replica's cache.
 * Two "replicas" here are two caches over one in-memory generation, the way two processes share
 * `catalogue_state.price_generation` (the PostgreSQL adapter: tests/integration/price-generation.test.ts;
 * two real processes: tests/e2e/replica-freshness.test.ts).
 */
import t from 'tap';
import { cachedPriceSource } from '../../src/application/cached-price-source.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import type { PriceGeneration } from '../../src/application/ports/price-generation.ts';
import { sharedPriceCache } from '../../src/application/shared-price-cache.ts';
import { manualClock } from '../helpers/checkout-intents.ts';
import { fakePriceSource, usdPrice } from '../helpers/fake-price-source.ts';

const KEYS = ['ai_yearly'];
const CHECK_MS = 1_000;

function sharedGeneration() {
  let value = 0;
  const generation = {
    reads: 0,
    failWith: null as Error | null,
    async current() {
      generation.reads += 1;
      if (generation.failWith) throw generation.failWith;
      return String(value);
    },
    async bump() {
      value += 1;
      return String(value);
    },
  } satisfies PriceGeneration & Record<string, unknown>;
  return generation;
}

function replica(generation: PriceGeneration, prices: readonly number[]) {
  const clock = manualClock();
  // The source answers each call with the next amount, so a refetch shows.
  let call = 0;
  const source = {
    calls: 0,
    async pricesForLookupKeys(keys: readonly string[]) {
      source.calls += 1;
      const amount = prices[Math.min(call++, prices.length - 1)] ?? 0;
      return fakePriceSource([usdPrice('ai_yearly', amount)]).pricesForLookupKeys(keys);
    },
  };
  const cache = cachedPriceSource(source, { ttlMs: 300_000, timeoutMs: 5_000, clock, logger: silentLogger });
  const shared = sharedPriceCache(cache, { generation, clock, logger: silentLogger, checkIntervalMs: CHECK_MS });
  const amount = async () => (await shared.pricesForLookupKeys(KEYS)).get('ai_yearly')?.unitAmount;
  const advance = (ms: number) => clock.set(new Date(clock.now().getTime() + ms));
  return { shared, source, amount, advance };
}

t.test("another replica's invalidate reaches this one at its next check, not before", async (t) => {
  const generation = sharedGeneration();
  const here = replica(generation, [9900, 12900]);
  const there = replica(generation, [9900, 12900]);
  t.equal(await here.amount(), 9900, 'warm: the first price');
  t.equal(await there.amount(), 9900, 'the other replica is warm too');

  await there.shared.invalidate();
  t.equal(await there.amount(), 12900, 'the replica that got the webhook refetched at once');
  here.advance(CHECK_MS - 1);
  t.equal(await here.amount(), 9900, 'within the check interval this replica still answers from its cache');
  t.equal(here.source.calls, 1, 'and asked the source nothing');
  here.advance(1);
  t.equal(await here.amount(), 12900, 'one interval later it saw the generation move and refetched');
  t.equal(here.source.calls, 2, 'one refetch');
});

t.test('its own invalidate drops the cache once, not again when it reads the generation it bumped', async (t) => {
  const generation = sharedGeneration();
  const here = replica(generation, [9900, 12900, 15900]);
  t.equal(await here.amount(), 9900);
  await here.shared.invalidate();
  t.equal(await here.amount(), 12900, 'refetched after its own invalidate');
  here.advance(CHECK_MS);
  t.equal(await here.amount(), 12900, 'the next check finds the generation it bumped itself: nothing dropped');
  t.equal(here.source.calls, 2, 'two fetches in all');
});

t.test('concurrent lookups share one generation read, and the fast path reads nothing', async (t) => {
  const generation = sharedGeneration();
  const here = replica(generation, [9900]);
  await Promise.all(Array.from({ length: 50 }, () => here.amount()));
  t.equal(generation.reads, 1, '50 concurrent first lookups: one read');
  await Promise.all(Array.from({ length: 50 }, () => here.amount()));
  t.equal(generation.reads, 1, 'within the interval: no read at all');
  here.advance(CHECK_MS);
  await Promise.all(Array.from({ length: 50 }, () => here.amount()));
  t.equal(generation.reads, 2, 'the next interval: one more read');
});

t.test('a failed generation read still answers with the cached prices and is retried after the interval', async (t) => {
  const generation = sharedGeneration();
  const here = replica(generation, [9900, 12900]);
  t.equal(await here.amount(), 9900);
  generation.failWith = new Error('database down');
  here.advance(CHECK_MS);
  t.equal(await here.amount(), 9900, 'the lookup does not fail with the read');
  t.equal(generation.reads, 2, 'the read was tried');
  await generation.bump();
  generation.failWith = null;
  t.equal(await here.amount(), 9900, 'not retried within the interval');
  here.advance(CHECK_MS);
  t.equal(await here.amount(), 12900, 'retried after it: the move is seen');
});

t.test('a failed bump fails invalidate (the webhook answers an error and Stripe retries it)', async (t) => {
  const generation = sharedGeneration();
  const failing: PriceGeneration = { current: () => generation.current(), bump: () => Promise.reject(new Error('database down')) };
  const here = replica(failing, [9900, 12900]);
  t.equal(await here.amount(), 9900);
  await t.rejects(here.shared.invalidate(), /database down/, 'invalidate rejects');
  t.equal(await here.amount(), 12900, 'this replica dropped its own cache anyway');
});

t.test('a refill while the bump is on its way does not survive invalidate', async (t) => {
  let release = (): void => {};
  const generation = sharedGeneration();
  const slowBump: PriceGeneration = {
    current: () => generation.current(),
    bump: async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return generation.bump();
    },
  };
  const here = replica(slowBump, [9900, 12900, 15900]);
  t.equal(await here.amount(), 9900);
  const invalidating = here.shared.invalidate();
  t.equal(await here.amount(), 12900, 'a lookup between the drop and the bump refills the cache');
  release();
  await invalidating;
  t.equal(await here.amount(), 15900, 'that refill (maybe the old price) is dropped once the bump is durable');
});

t.test('a stalled generation read is waited for at most readWaitMs once; later lookups do not wait; its answer still counts', async (t) => {
  let answer = (_value: string): void => {};
  const generation = sharedGeneration();
  let stalled = false;
  const stalling: PriceGeneration = {
    current: () => (stalled ? new Promise<string>((resolve) => (answer = resolve)) : generation.current()),
    bump: () => generation.bump(),
  };
  const clock = manualClock();
  const source = { calls: 0, async pricesForLookupKeys(keys: readonly string[]) {
    source.calls += 1;
    return fakePriceSource([usdPrice('ai_yearly', 9900 + source.calls)]).pricesForLookupKeys(keys);
  } };
  const cache = cachedPriceSource(source, { ttlMs: 300_000, timeoutMs: 5_000, clock, logger: silentLogger });
  const shared = sharedPriceCache(cache, { generation: stalling, clock, logger: silentLogger, checkIntervalMs: CHECK_MS, readWaitMs: 500 });
  const amount = async () => (await shared.pricesForLookupKeys(KEYS)).get('ai_yearly')?.unitAmount;
  t.equal(await amount(), 9901, 'warm');
  stalled = true;
  clock.set(new Date(clock.now().getTime() + CHECK_MS));
  const first = Date.now();
  t.equal(await amount(), 9901, 'the database stalls: answered from the cache');
  t.ok(Date.now() - first >= 450, 'after waiting for the read (readWaitMs)');
  clock.set(new Date(clock.now().getTime() + 600)); // the first lookup's wait, and more, has passed
  const second = Date.now();
  t.equal(await amount(), 9901, 'a later lookup while the same read still hangs');
  t.ok(Date.now() - second < 250, `does not wait again (${Date.now() - second} ms)`);
  answer('99'); // the read finally answers: the generation moved
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(await amount(), 9902, 'the late answer still drops the cache');
});
