/** The catalogue read model (docs/decisions/0028): ready responses kept while nothing they came from moved. */
import t from 'tap';
import type { AcademyProduct } from '../../src/application/academy-product.ts';
import { makeGetAcademyProduct } from '../../src/application/get-academy-product.ts';
import { makeListAcademyProducts } from '../../src/application/list-academy-products.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import type { PriceSource } from '../../src/application/ports/price-source.ts';
import { academySnapshot } from '../../src/application/read-model/academy-snapshot.ts';
import { cachedPriceSource } from '../../src/application/read-model/cached-price-source.ts';
import { catalogueReadModel, filterKey } from '../../src/application/read-model/catalogue-read-model.ts';
import { catalogueStateWatcher } from '../../src/application/read-model/catalogue-state-watcher.ts';
import { sharedPriceCache } from '../../src/application/read-model/shared-price-cache.ts';
import type { Price } from '../../src/domain/price.ts';
import { deferred, fakeCatalogueState } from '../helpers/fake-catalogue-state.ts';
import { usdPrice } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';

const TTL_MS = 300_000;

/** A rendered response that says what it was built from, and how many were rendered. */
interface Rendered {
  readonly n: number;
  readonly body: string;
}

function setup(options: { maxResponses?: number; timeoutMs?: number } = {}) {
  const academies = inMemoryAcademyRepository([
    { name: 'A', slug: 'a', tags: ['x'], stripePriceLookupKey: 'a_key' },
    { name: 'B', slug: 'b', tags: ['x', 'y'], stripePriceLookupKey: 'b_key' },
  ]);
  const state = fakeCatalogueState();
  let now = 1_000_000;
  const clock = { now: () => new Date(now) };
  const stripe = {
    calls: 0,
    prices: new Map<string, Price>([
      ['a_key', usdPrice('a_key', 100)],
      ['b_key', usdPrice('b_key', 200)],
    ]),
    failWith: null as Error | null,
    /** When set, a fetch answers what Stripe said when it was asked, after this settles. */
    hold: null as Promise<void> | null,
  };
  const source: PriceSource = {
    async pricesForLookupKeys(keys) {
      stripe.calls += 1;
      if (stripe.failWith) throw stripe.failWith;
      const answer = new Map(keys.flatMap((key) => (stripe.prices.has(key) ? [[key, stripe.prices.get(key) as Price] as const] : [])));
      if (stripe.hold) await stripe.hold;
      return answer;
    },
  };
  const watcher = catalogueStateWatcher(state, { clock, checkIntervalMs: 1_000 });
  const prices = sharedPriceCache(cachedPriceSource(source, { ttlMs: TTL_MS, timeoutMs: options.timeoutMs ?? 5_000, clock, logger: silentLogger }), { state, watcher, logger: silentLogger });
  const deps = { academies: academySnapshot(academies, { watcher, logger: silentLogger }), prices, thumbnailBaseUrl: '', logger: silentLogger };
  let rendered = 0;
  const describe = (products: readonly AcademyProduct[]) => products.map((p) => `${p.name}:${p.prices.map((price) => price.unitAmount).join()}`).join(' ');
  const model = catalogueReadModel<Rendered>({
    watcher,
    listAcademyProducts: makeListAcademyProducts(deps),
    getAcademyProduct: makeGetAcademyProduct(deps),
    prices,
    renderList: (products) => ({ n: ++rendered, body: describe(products) }),
    renderDetail: (product) => ({ n: ++rendered, body: describe([product]) }),
    clock,
    ...(options.maxResponses === undefined ? {} : { maxResponses: options.maxResponses }),
  });
  return { model, academies, state, stripe, prices, renderings: () => rendered, advance: (ms: number) => void (now += ms) };
}

t.test('a repeated query gets the very response built before: no query, no price lookup, no rendering', async (t) => {
  const { model, academies, stripe, state, renderings } = setup();
  const first = await model.list({});
  t.equal(first.body, 'A:100 B:200');
  for (let i = 0; i < 100; i += 1) t.equal(await model.list({}), first);
  t.equal(renderings(), 1, 'rendered once');
  t.equal(academies.calls, 1, 'one load of the academies');
  t.equal(stripe.calls, 1, 'one price fetch');
  t.equal(state.reads, 1, 'one state read');
});

t.test('a kept response is answered at once (no promise) while the state read is recent; after the interval, once the state is read again', async (t) => {
  const { model, state, advance } = setup();
  t.ok(model.list({}) instanceof Promise, 'the first request builds: a promise');
  const first = await model.list({});
  const again = model.list({});
  t.notOk(again instanceof Promise, 'kept and checked less than a second ago: the response itself');
  t.equal(again, first);
  t.ok(model.detail('a') instanceof Promise, 'a query not built yet: a promise');
  advance(1_000);
  const later = model.list({});
  t.ok(later instanceof Promise, 'the interval passed: the state is read first');
  t.equal(await later, first, 'nothing moved: the same response');
  t.equal(state.reads, 2);
  t.notOk(model.list({}) instanceof Promise, 'and at once again after that read');
  state.priceGeneration = 1;
  advance(1_000);
  const rebuilt = await model.list({});
  t.not(rebuilt, first, 'another replica moved the price generation: rebuilt once the state is read');
  t.equal(rebuilt.body, first.body, 'the same prices, rendered again');
});

t.test('kept: only what is at hand and current, and asking for it reads nothing and builds nothing', async (t) => {
  const { model, state, academies, stripe, renderings, advance } = setup();
  const kept = model.kept;
  if (kept === undefined) return t.fail('the read model offers its kept answers');
  t.equal(kept.list({}), undefined, 'nothing built yet');
  t.equal(kept.detail('a'), undefined);
  t.same([state.reads, academies.calls, stripe.calls, renderings()], [0, 0, 0, 0], 'and asking started no read and no build');
  const first = await model.list({});
  t.equal(kept.list({}), first, 'built and the state read recently: the response itself');
  t.equal(kept.list({ tags: ['x'] }), undefined, 'another query is not kept');
  t.equal(kept.detail('no-such-academy'), undefined, 'an unknown identifier: undefined, not a rejection');
  advance(1_000);
  t.equal(kept.list({}), undefined, 'the state is due for a read: not current any more');
  t.equal(state.reads, 1, 'and kept did not read it');
  await model.list({});
  t.equal(kept.list({}), first, 'after the read the same response is at hand again');
});

t.test('filters selecting the same academies share a response; others get their own', async (t) => {
  const { model, renderings } = setup();
  await model.list({ tags: ['y', 'x'] });
  await model.list({ tags: ['x', 'y', 'x'], includeInactive: false });
  t.equal(renderings(), 1, 'tag order, repeats and an explicit includeInactive=false are one query');
  t.equal((await model.list({ tags: ['x'] })).body, 'A:100 B:200');
  t.equal((await model.detail('b')).body, 'B:200');
  t.equal((await model.detail('b')).n, 3, 'the detail is kept too');
  t.equal(renderings(), 3);
});

t.test('a catalogue change is served after the next state read, and only then', async (t) => {
  const { model, academies, state, advance } = setup();
  const before = await model.list({});
  academies.rows.splice(0, 1);
  state.catalogueVersion = '2';
  advance(999);
  t.equal(await model.list({}), before, 'within the interval: the kept response');
  advance(1);
  t.equal((await model.list({})).body, 'B:200', 'after it: rebuilt from the new catalogue');
});

t.test("another replica's price webhook is served after the next state read", async (t) => {
  const { model, state, stripe, advance } = setup();
  await model.list({});
  stripe.prices.set('a_key', usdPrice('a_key', 150));
  state.priceGeneration += 1;
  advance(999);
  t.equal((await model.list({})).body, 'A:100 B:200', 'within the interval: the kept response');
  advance(1);
  t.equal((await model.list({})).body, 'A:150 B:200', 'after it: the cache was dropped and the response rebuilt');
});

t.test("this replica's own price webhook is served at once", async (t) => {
  const { model, stripe, prices } = setup();
  await model.detail('a');
  stripe.prices.set('a_key', usdPrice('a_key', 175));
  await prices.invalidate();
  t.equal((await model.detail('a')).body, 'A:175');
});

t.test('a response is rebuilt once a price it used expires (the cache TTL), not before', async (t) => {
  const { model, stripe, advance } = setup();
  await model.list({});
  stripe.prices.set('b_key', usdPrice('b_key', 250));
  advance(TTL_MS - 1);
  t.equal((await model.list({})).body, 'A:100 B:200', 'still fresh');
  advance(1);
  t.equal((await model.list({})).body, 'A:100 B:250', 'expired: refetched and rebuilt');
  t.equal(stripe.calls, 2);
});

t.test('a response built while the price source failed is rebuilt once it answers again', async (t) => {
  const { model, stripe, advance } = setup();
  stripe.failWith = new Error('stripe down');
  t.equal((await model.list({})).body, 'A: B:', 'served without prices (spec §3)');
  stripe.failWith = null;
  advance(10_000); // the failure back-off
  t.equal((await model.list({})).body, 'A:100 B:200', 'with prices after the back-off');
});

t.test('concurrent misses of one query share one build', async (t) => {
  const { model, renderings, academies } = setup();
  const results = await Promise.all(Array.from({ length: 20 }, () => model.list({ tags: ['x'] })));
  t.equal(renderings(), 1, 'twenty cold requests, one rendering');
  t.equal(academies.calls, 1, 'and one load');
  t.ok(results.every((result) => result === results[0]), 'all got the same response');
});

t.test('a not-found detail rejects and is not kept; a failing load rejects and the next request retries', async (t) => {
  const { model, academies } = setup();
  await t.rejects(async () => model.detail('nope'), { code: 'academy.not_found' });
  await t.rejects(async () => model.detail('nope'), { code: 'academy.not_found' }, 'again');
  t.equal(academies.calls, 1, 'found absent in memory: one load in all');
  const other = setup();
  other.academies.failWith = new Error('connection refused');
  await t.rejects(async () => other.model.list({}), /connection refused/, 'the route answers 502');
  other.academies.failWith = null;
  t.equal((await other.model.list({})).body, 'A:100 B:200', 'the next request succeeds');
});

t.test('the number of kept responses is bounded, least recently used dropped first', async (t) => {
  const { model, renderings } = setup({ maxResponses: 3 });
  for (const key of ['k1', 'k2', 'k3']) await model.list({ productKey: key });
  await model.list({ productKey: 'k1' });
  await model.list({ productKey: 'k4' });
  const before = renderings();
  await model.list({ productKey: 'k1' });
  t.equal(renderings(), before, 'k1 was used recently, so it stayed');
  await model.list({ productKey: 'k2' });
  t.equal(renderings(), before + 1, 'k2 was the least recently used, so it was rebuilt');
});

t.test('a response built from prices a webhook dropped meanwhile is not served again', async (t) => {
  const { model, stripe, prices } = setup();
  const gate = deferred();
  stripe.hold = gate.promise;
  const building = model.list({}); // cold: its price fetch answers what Stripe said before the webhook
  await new Promise((resolve) => setImmediate(resolve));
  stripe.prices.set('a_key', usdPrice('a_key', 111));
  await prices.invalidate(); // the price webhook lands while the list is being built
  stripe.hold = null;
  gate.resolve();
  t.equal((await building).body, 'A:100 B:200', 'the request in flight answers what it fetched');
  t.equal((await model.list({})).body, 'A:111 B:200', 'the next one is rebuilt with the new price');
});

t.test('filterKey: strings are length-prefixed, so no value forges another filter', async (t) => {
  t.not(filterKey({ productKey: 'a', tags: ['b'] }), filterKey({ productKey: 'a1:b' }));
  t.not(filterKey({ productKey: '' }), filterKey({}), 'unset and empty differ');
  t.equal(filterKey({ tags: ['b', 'a', 'b'] }), filterKey({ tags: ['a', 'b'] }));
});

t.test('a request after a webhook does not join a build that started before it', async (t) => {
  const { model, stripe, prices, advance } = setup();
  await model.list({});
  advance(TTL_MS); // expired: the next request rebuilds, and its refetch is slow
  const gate = deferred();
  stripe.hold = gate.promise;
  const before = model.list({});
  await new Promise((resolve) => setImmediate(resolve));
  stripe.hold = null;
  stripe.prices.set('a_key', usdPrice('a_key', 150));
  await prices.invalidate(); // the webhook, while that build waits for Stripe
  t.equal((await model.list({})).body, 'A:150 B:200', 'a request after the webhook gets the new price, not the build in flight');
  gate.resolve();
  await before;
});

t.test('a fetch for a price a response does not use does not stop that response being kept', async (t) => {
  const { model, stripe, advance, renderings } = setup();
  await model.detail('a');
  await model.detail('b');
  advance(TTL_MS); // both prices expired
  const gate = deferred();
  stripe.hold = gate.promise;
  const slowB = model.detail('b'); // b_key's refetch is held
  await new Promise((resolve) => setImmediate(resolve));
  stripe.hold = null;
  t.equal((await model.detail('a')).body, 'A:100', "a is rebuilt (a_key refetched at once) while b's fetch runs");
  const afterA = renderings();
  for (let i = 0; i < 10; i += 1) await model.detail('a');
  t.equal(renderings(), afterA, 'and kept: ten more requests, no rendering');
  gate.resolve();
  t.equal((await slowB).body, 'B:200');
});

t.test('a response built while a price it needed was slower than the budget is rebuilt when that fetch ends', async (t) => {
  const { model, stripe } = setup({ timeoutMs: 20 });
  const gate = deferred();
  stripe.hold = gate.promise;
  t.equal((await model.list({})).body, 'A: B:', 'Stripe slower than the budget: answered without prices (spec §3)');
  t.equal((await model.list({})).body, 'A: B:', 'while the fetch runs, that answer stands');
  stripe.hold = null;
  gate.resolve();
  await new Promise((resolve) => setImmediate(resolve));
  t.equal((await model.list({})).body, 'A:100 B:200', 'once it ends, the next request has the prices');
});

t.test('a wall clock stepped back does not keep a response past what it was built from', async (t) => {
  const { model, stripe, advance } = setup();
  await model.list({});
  stripe.prices.set('a_key', usdPrice('a_key', 130));
  advance(-3_600_000);
  t.equal((await model.list({})).body, 'A:130 B:200', 'rebuilt, with prices refetched');
});
