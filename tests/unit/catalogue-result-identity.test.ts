import t from 'tap';
import { makeGetAcademyProduct } from '../../src/application/get-academy-product.ts';
import { makeListAcademyProducts } from '../../src/application/list-academy-products.ts';
import type { AcademyRepository } from '../../src/application/ports/academy-repository.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import type { PriceSource } from '../../src/application/ports/price-source.ts';
import { ACADEMY_FIELD_DEFAULTS, type Academy } from '../../src/domain/academy.ts';
import type { Price } from '../../src/domain/price.ts';
import { usdPrice } from '../helpers/fake-price-source.ts';

// The HTTP adapter reuses bytes per result object, so the use cases must return the same
// object exactly when nothing it was built from changed (docs/decisions/0010).

const academy = (name: string, lookupKey: string): Academy => ({
  ...ACADEMY_FIELD_DEFAULTS,
  name,
  slug: name.toLowerCase(),
  stripePriceLookupKey: lookupKey,
  uuid: `uuid-${name}`,
  created: new Date(0),
  modified: new Date(0),
});

function setup() {
  const state = { academies: Object.freeze([academy('A', 'a_key'), academy('B', 'b_key')]) as Academy[] };
  const prices = new Map<string, Price>([
    ['a_key', usdPrice('a_key')],
    ['b_key', usdPrice('b_key')],
  ]);
  const repository: AcademyRepository = {
    list: async () => state.academies,
    findByIdentifier: async (identifier) => state.academies.find((a) => a.slug === identifier) ?? null,
    count: async () => state.academies.length,
  };
  // Like the price cache: a new Map on every call, the same Price objects until a refresh.
  const priceSource: PriceSource = { pricesForLookupKeys: async (keys) => new Map(keys.flatMap((k) => (prices.has(k) ? [[k, prices.get(k) as Price]] : []))) };
  const deps = { academies: repository, prices: priceSource, thumbnailBaseUrl: '', logger: silentLogger };
  return { state, prices, list: makeListAcademyProducts(deps), get: makeGetAcademyProduct(deps) };
}

t.test('the list returns the same result object while the academies and prices are the same objects', async (t) => {
  const { list } = setup();
  t.equal(await list({}), await list({}), 'same array instance');
});

t.test('the list returns a new result when a price object is replaced, even with equal content', async (t) => {
  const { list, prices } = setup();
  const before = await list({});
  prices.set('b_key', usdPrice('b_key', 12_300));
  const after = await list({});
  t.not(after, before, 'a new array');
  t.equal(after[1]?.prices[0]?.unitAmount, 12_300, 'with the new price');
});

t.test('the list returns a new result when the repository hands back a new array', async (t) => {
  const { list, state } = setup();
  const before = await list({});
  state.academies = [academy('A', 'a_key')];
  const after = await list({});
  t.not(after, before, 'a new array');
  t.same(after.map((p) => p.name), ['A'], 'built from the new academies');
});

t.test('the detail returns the same product object until its price object changes', async (t) => {
  const { get, prices } = setup();
  const first = await get('a');
  t.equal(await get('a'), first, 'same object while nothing changed');
  prices.delete('a_key');
  const withoutPrice = await get('a');
  t.not(withoutPrice, first, 'a new object once the price is gone');
  t.same(withoutPrice.prices, [], 'without the price');
});

t.test('the list returns its last result at once when the price source answers with the same map object', async (t) => {
  const { state } = setup();
  const answer = new Map<string, Price>([['a_key', usdPrice('a_key')]]);
  let calls = 0;
  const priceSource: PriceSource = {
    pricesForLookupKeys: async () => {
      calls += 1;
      return answer;
    },
  };
  const repository: AcademyRepository = { list: async () => state.academies, findByIdentifier: async () => null, count: async () => 0 };
  const list = makeListAcademyProducts({ academies: repository, prices: priceSource, thumbnailBaseUrl: '', logger: silentLogger });
  const first = await list({});
  t.equal(await list({}), first, 'the same result object');
  t.equal(calls, 2, 'the price source was still asked each time (it decides freshness)');
  t.equal(first[0]?.prices[0]?.lookupKey, 'a_key', 'built with the price');
});

t.test('the detail asks the price source with the same keys array each time, so the price cache can answer from its last answer', async (t) => {
  const { state } = setup();
  const asked: (readonly string[])[] = [];
  const priceSource: PriceSource = {
    pricesForLookupKeys: async (keys) => {
      asked.push(keys);
      return new Map([['a_key', usdPrice('a_key')]]);
    },
  };
  const repository: AcademyRepository = { list: async () => state.academies, findByIdentifier: async () => state.academies[0] ?? null, count: async () => 0 };
  const get = makeGetAcademyProduct({ academies: repository, prices: priceSource, thumbnailBaseUrl: '', logger: silentLogger });
  await get('a');
  await get('a');
  t.equal(asked.length, 2);
  t.equal(asked[1], asked[0], 'the very same array');
  t.same(asked[0], ['a_key']);
});
