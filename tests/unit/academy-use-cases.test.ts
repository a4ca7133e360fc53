import t from 'tap';
import { makeGetAcademyProduct } from '../../src/application/get-academy-product.ts';
import { makeListAcademyProducts } from '../../src/application/list-academy-products.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { NotFoundError } from '../../src/domain/errors.ts';
import { fakePriceSource, usdPrice } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';

function catalogue() {
  const academies = inMemoryAcademyRepository([
    { name: 'B', stripePriceLookupKey: 'b_key', slug: 'b', tags: ['x'] },
    { name: 'A', stripePriceLookupKey: 'shared_key', slug: 'a', tags: ['x', 'y'] },
    { name: 'C', stripePriceLookupKey: 'shared_key', slug: 'c', isActive: false },
  ]);
  const prices = fakePriceSource([usdPrice('b_key'), usdPrice('shared_key', 500)]);
  const deps = { academies, prices, thumbnailBaseUrl: '', logger: silentLogger };
  return { academies, prices, list: makeListAcademyProducts(deps), get: makeGetAcademyProduct(deps) };
}

t.test('the list asks for each needed lookup key once and attaches the matching price', async (t) => {
  const { list, prices } = catalogue();
  const products = await list({ includeInactive: true });
  t.same(products.map((p) => p.name), ['A', 'B', 'C'], 'default order');
  t.same(prices.requests, [['shared_key', 'b_key']], 'one request, keys de-duplicated');
  t.same(products.map((p) => p.prices[0]?.unitAmount), [500, 9900, 500]);
});

t.test('filters reach the repository', async (t) => {
  const { list } = catalogue();
  t.same((await list({ tags: ['x', 'y'] })).map((p) => p.name), ['A']);
  t.same((await list({})).map((p) => p.name), ['A', 'B'], 'active only by default');
});

t.test('no price lookup when nothing matches or no academy has a lookup key', async (t) => {
  const { list, prices } = catalogue();
  t.same(await list({ tags: ['none'] }), []);
  t.equal(prices.requests.length, 0);
});

t.test('a failing price source gives academies without prices', async (t) => {
  const { list, prices } = catalogue();
  prices.failWith = new Error('down');
  const products = await list({});
  t.same(products.map((p) => p.prices), [[], []]);
});

t.test('get finds by identifier and throws academy.not_found without asking for prices', async (t) => {
  const { get, prices } = catalogue();
  t.equal((await get('c')).name, 'C', 'inactive academies are retrievable');
  prices.requests.length = 0;
  await t.rejects(get('missing'), { code: 'academy.not_found' });
  await t.rejects(get('missing'), NotFoundError);
  t.equal(prices.requests.length, 0);
});
