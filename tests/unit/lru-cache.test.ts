import t from 'tap';
import { lruCache } from '../../src/application/read-model/lru-cache.ts';

const keysAfterFilling = (cache: ReturnType<typeof lruCache<number>>, keys: readonly string[]) => keys.filter((key) => cache.get(key) !== undefined);

t.test('the least recently used key is evicted when the cache is full', async (t) => {
  const cache = lruCache<number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  cache.set('c', 3);
  t.equal(cache.size, 2);
  t.same(keysAfterFilling(cache, ['a', 'b', 'c']), ['b', 'c'], 'a, the oldest, is gone');
});

t.test('a hit makes a key the most recent, also when it is hit again in a row', async (t) => {
  const cache = lruCache<number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  t.equal(cache.get('a'), 1);
  t.equal(cache.get('a'), 1, 'a second hit on the newest key');
  cache.set('c', 3);
  t.equal(cache.get('b'), undefined, 'b was the least recently used');
  t.equal(cache.get('a'), 1, 'a survived');
});

t.test('a hit on the key set last keeps the others in order', async (t) => {
  const cache = lruCache<number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  t.equal(cache.get('b'), 2);
  cache.set('c', 3);
  t.equal(cache.get('a'), undefined, 'a is still the oldest and goes');
  t.equal(cache.get('b'), 2);
});

t.test('clear empties the cache and forgets the newest key', async (t) => {
  const cache = lruCache<number>(2);
  cache.set('a', 1);
  cache.clear();
  t.equal(cache.size, 0);
  t.equal(cache.get('a'), undefined);
  cache.set('b', 2);
  cache.set('a', 1);
  t.equal(cache.get('b'), 2, 'b becomes the newest by a hit');
  cache.set('c', 3);
  t.equal(cache.get('a'), undefined, 'a, not b, was the least recently used');
});
