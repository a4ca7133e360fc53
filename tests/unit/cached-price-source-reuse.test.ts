import t from 'tap';
import { cachedPriceSource } from '../../src/application/cached-price-source.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import type { PriceSource } from '../../src/application/ports/price-source.ts';
import type { Price } from '../../src/domain/price.ts';
import { usdPrice } from '../helpers/fake-price-source.ts';

// The catalogue passes the same lookup-key array while nothing changed; an all-fresh answer
// for it is reused as is (docs/decisions/0010), and must never outlive what it was built from.

function setup() {
  let now = 0;
  const current = new Map<string, Price>([
    ['a', usdPrice('a')],
    ['b', usdPrice('b')],
  ]);
  let calls = 0;
  const inner: PriceSource = {
    async pricesForLookupKeys(keys) {
      calls += 1;
      return new Map(keys.flatMap((key) => (current.has(key) ? [[key, current.get(key) as Price] as const] : [])));
    },
  };
  const cache = cachedPriceSource(inner, { ttlMs: 1_000, timeoutMs: 100, clock: { now: () => new Date(now) }, logger: silentLogger });
  return { cache, current, calls: () => calls, advance: (ms: number) => void (now += ms) };
}

t.test('the same key array answered from fresh entries gets the same answer object back', async (t) => {
  const { cache, calls } = setup();
  const keys = ['a', 'b'];
  await cache.pricesForLookupKeys(keys);
  const second = await cache.pricesForLookupKeys(keys);
  t.equal(await cache.pricesForLookupKeys(keys), second, 'the very same Map');
  t.equal(calls(), 1, 'one fetch');
});

t.test('a reused answer is dropped once one of its entries expires', async (t) => {
  const { cache, current, advance } = setup();
  const keys = ['a', 'b'];
  await cache.pricesForLookupKeys(keys);
  const before = await cache.pricesForLookupKeys(keys);
  current.set('a', usdPrice('a', 4_200));
  advance(1_000);
  const after = await cache.pricesForLookupKeys(keys);
  t.not(after, before, 'a new answer after the TTL');
  t.equal(after.get('a')?.unitAmount, 4_200, 'with the refreshed price');
});

t.test('a reused answer is dropped when another request refreshes one of its keys', async (t) => {
  const { cache, current, advance } = setup();
  const keys = ['a', 'b'];
  await cache.pricesForLookupKeys(['a']);
  advance(500);
  await cache.pricesForLookupKeys(keys);
  const before = await cache.pricesForLookupKeys(keys);
  current.set('a', usdPrice('a', 4_200));
  advance(500);
  await cache.pricesForLookupKeys(['a']);
  const after = await cache.pricesForLookupKeys(keys);
  t.not(after, before, 'the answer was rebuilt');
  t.equal(after.get('a')?.unitAmount, 4_200, 'from the refreshed entry');
});

t.test('invalidate drops reused answers too', async (t) => {
  const { cache, current } = setup();
  const keys = ['a', 'b'];
  await cache.pricesForLookupKeys(keys);
  current.set('b', usdPrice('b', 7_700));
  cache.invalidate();
  t.equal((await cache.pricesForLookupKeys(keys)).get('b')?.unitAmount, 7_700, 'the webhook-driven refresh is served');
});
