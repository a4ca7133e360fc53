/**
 * The catalogue routes when the read model has the answer at hand (docs/decisions/0031): the synchronous
 * handler sends the same contract as the awaited one. And the NUL guard: on routes that take input, not
 * on paths that name nothing.
 */
import t from 'tap';
import { detailResponse, listResponse, type ReadyResponse } from '../../src/adapters/http/catalogue-responses.ts';
import type { AcademyProduct } from '../../src/application/academy-product.ts';
import { NotFoundError } from '../../src/domain/errors.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';

const product: AcademyProduct = {
  id: 'prod_hot',
  name: 'Hot',
  longName: 'Hot Academy',
  description: '',
  marketingUrl: '',
  thumbnailUrl: '',
  tags: ['x'],
  stripeProductId: 'prod_hot',
  catalogQueryId: null,
  prices: [],
  priceLookupKey: null,
};
const list = listResponse([product]);
const detail = detailResponse(product);
const asked: string[] = [];

const app = await buildTestApp({
  academies: inMemoryAcademyRepository([]),
  prices: fakePriceSource([]),
  rateLimit: { max: 100, windowMs: 60_000 },
  // Answers at hand, not promises: the routes' synchronous branch.
  catalogue: {
    list: (filter): ReadyResponse => {
      asked.push(`list:${(filter.tags ?? []).join(',')}`);
      return list;
    },
    detail: (identifier): ReadyResponse | Promise<ReadyResponse> => {
      asked.push(`detail:${identifier}`);
      return identifier === 'prod_hot' ? detail : Promise.reject(new NotFoundError('academy.not_found'));
    },
  },
});
t.teardown(() => app.close());

t.test('a list answered at once: 200 with the bytes, ETag, caching, rate-limit and request-id headers; 304 on its ETag; HEAD without a body', async (t) => {
  const ok = await app.inject('/api/v1/academy-products/?tag=x');
  t.equal(ok.statusCode, 200);
  t.equal(ok.body, list.bytes.toString());
  t.equal(ok.headers['content-type'], 'application/json; charset=utf-8');
  t.equal(ok.headers.etag, list.etag);
  t.equal(ok.headers['cache-control'], 'public, max-age=60');
  t.equal(ok.headers['x-ratelimit-limit'], '100');
  t.match(ok.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  t.equal(ok.headers['x-content-type-options'], 'nosniff', 'security headers too');
  const notModified = await app.inject({ url: '/api/v1/academy-products/?tag=x', headers: { 'if-none-match': list.etag } });
  t.equal(notModified.statusCode, 304);
  t.equal(notModified.body, '');
  t.equal(notModified.headers.etag, list.etag);
  const head = await app.inject({ method: 'HEAD', url: '/api/v1/academy-products/' });
  t.equal(head.statusCode, 200);
  t.equal(head.body, '');
  t.same(asked.splice(0), ['list:x', 'list:x', 'list:'], 'each request asked the read model once');
});

t.test('a detail answered at once is a 200; one the read model rejects is the documented 404', async (t) => {
  const ok = await app.inject('/api/v1/academy-products/prod_hot/');
  t.equal(ok.statusCode, 200);
  t.same(ok.json(), JSON.parse(detail.bytes.toString()));
  const missing = await app.inject('/api/v1/academy-products/nope/');
  t.equal(missing.statusCode, 404);
  t.same(missing.json(), { detail: 'Not found.' });
});

t.test('NUL is refused where input is taken, and a path that names nothing is a 404 whatever it carries', async (t) => {
  const query = await app.inject('/api/v1/academy-products/?tag=a%00b');
  t.equal(query.statusCode, 400);
  t.same(query.json(), { tag: ['Null characters are not allowed.'] });
  const param = await app.inject('/api/v1/academy-products/a%00b/');
  t.equal(param.statusCode, 404);
  t.same(param.json(), { detail: 'Not found.' });
  const unknownGet = await app.inject('/nope?a=%00');
  t.equal(unknownGet.statusCode, 404, 'an unknown path: 404, not a field error about a parameter nothing reads');
  t.same(unknownGet.json(), { detail: 'Not found.' });
  const unknownPost = await app.inject({ method: 'POST', url: '/nope', payload: { a: 'x\u0000' } });
  t.equal(unknownPost.statusCode, 404);
  // Bodies with NUL on the signed-in routes: tests/fuzz/hostile-input.test.ts (with valid tokens).
});
