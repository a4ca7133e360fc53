/**
 * The shared price cache (docs/decisions/0024, 0028): one replica's price webhook drops every replica's
 * cache. Two "replicas" here are two caches, each with its own state watcher over one in-memory
 * catalogue state, the way two processes share `catalogue_state` (the PostgreSQL adapter:
 * tests/integration/catalogue-state.test.ts; two real processes: tests/e2e/replica-freshness.test.ts).
 */
import t from 'tap';
import { cachedPriceSource } from '../../src/application/read-model/cached-price-source.ts';
import { catalogueStateWatcher } from '../../src/application/read-model/catalogue-state-watcher.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import type { CatalogueState } from '../../src/application/ports/catalogue-state.ts';
import { sharedPriceCache } from '../../src/application/read-model/shared-price-cache.ts';
import { manualClock } from '../helpers/checkout-intents.ts';
import { fakePriceSource, usdPrice } from '../helpers/fake-price-source.ts';

const KEYS = ['ai_yearly'];
const CHECK_MS = 1_000;

function sharedState() {
  let generation = 0;
  const state = {
    reads: 0,
    async current() {
      state.reads += 1;
      return { catalogueVersion: '1', priceGeneration: String(generation) };
    },
    async bumpPriceGeneration() {
      generation += 1;
      return String(generation);
    },
  } satisfies CatalogueState & Record<string, unknown>;
  return state;
}

function replica(state: CatalogueState, prices: readonly number[]) {
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
  const watcher = catalogueStateWatcher(state, { clock, checkIntervalMs: CHECK_MS });
  const cache = cachedPriceSource(source, { ttlMs: 300_000, timeoutMs: 5_000, clock, logger: silentLogger });
  const shared = sharedPriceCache(cache, { state, watcher, logger: silentLogger });
  // As the catalogue read model does: the state first, then prices.
  const amount = async () => {
    await watcher.current();
    return (await shared.pricesForLookupKeys(KEYS)).get('ai_yearly')?.unitAmount;
  };
  const advance = (ms: number) => clock.set(new Date(clock.now().getTime() + ms));
  return { shared, source, amount, advance };
}

t.test("another replica's invalidate reaches this one at its next state read, not before", async (t) => {
  const state = sharedState();
  const here = replica(state, [9900, 12900]);
  const there = replica(state, [9900, 12900]);
  t.equal(await here.amount(), 9900, 'warm: the first price');
  t.equal(await there.amount(), 9900, 'the other replica is warm too');
  const versionBefore = here.shared.version();

  await there.shared.invalidate();
  t.equal(await there.amount(), 12900, 'the replica that got the webhook refetched at once');
  here.advance(CHECK_MS - 1);
  t.equal(await here.amount(), 9900, 'within the check interval this replica still answers from its cache');
  t.equal(here.source.calls, 1, 'and asked the source nothing');
  t.equal(here.shared.version(), versionBefore, 'its version has not moved');
  here.advance(1);
  t.equal(await here.amount(), 12900, 'one interval later it saw the generation move and refetched');
  t.equal(here.source.calls, 2, 'one refetch');
  t.not(here.shared.version(), versionBefore, 'and its version moved (the read model rebuilds)');
});

t.test('the version check alone follows the generation (a read model hit consults no price)', async (t) => {
  const state = sharedState();
  const here = replica(state, [9900, 12900]);
  const there = replica(state, [9900]);
  await here.amount();
  const before = here.shared.version();
  await there.shared.invalidate();
  here.advance(CHECK_MS);
  await here.amount();
  t.not(here.shared.version(), before, 'moved');
});

t.test('its own invalidate drops the cache once, not again when it reads the generation it bumped', async (t) => {
  const state = sharedState();
  const here = replica(state, [9900, 12900, 15900]);
  t.equal(await here.amount(), 9900);
  await here.shared.invalidate();
  t.equal(await here.amount(), 12900, 'refetched after its own invalidate');
  here.advance(CHECK_MS);
  t.equal(await here.amount(), 12900, 'the next read finds the generation it bumped itself: nothing dropped');
  t.equal(here.source.calls, 2, 'two fetches in all');
});

t.test('an older generation read after its own bump does not drop the cache again', async (t) => {
  const state = sharedState();
  const here = replica(state, [9900, 12900, 15900]);
  t.equal(await here.amount(), 9900, 'the watcher has read generation 0');
  await here.shared.invalidate();
  t.equal(await here.amount(), 12900, 'within the interval the watcher still holds generation 0: no second drop');
  t.equal(here.source.calls, 2);
});

t.test('a failed bump fails invalidate (the webhook answers an error and Stripe retries it)', async (t) => {
  const state = sharedState();
  const failing: CatalogueState = { current: () => state.current(), bumpPriceGeneration: () => Promise.reject(new Error('database down')) };
  const here = replica(failing, [9900, 12900]);
  t.equal(await here.amount(), 9900);
  await t.rejects(here.shared.invalidate(), /database down/, 'invalidate rejects');
  t.equal(await here.amount(), 12900, 'this replica dropped its own cache anyway');
});

t.test('a refill while the bump is on its way does not survive invalidate', async (t) => {
  let release = (): void => {};
  const state = sharedState();
  const slowBump: CatalogueState = {
    current: () => state.current(),
    bumpPriceGeneration: async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return state.bumpPriceGeneration();
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
