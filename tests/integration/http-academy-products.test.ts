import t from 'tap';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';
import { fakePriceSource, usdPrice } from '../helpers/fake-price-source.ts';

const LIST = '/api/v1/academy-products/';
const CATALOG_UUID = '2a1f0c3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

function seedCatalogue() {
  return inMemoryAcademyRepository([
    {
      name: 'AI Academy',
      longName: 'AI Academy, long',
      stripeProductId: 'prod_ai',
      productKey: 'ai-key',
      slug: 'ai',
      tags: ['ai', 'ml'],
      stripePriceLookupKey: 'ai_yearly',
      catalogQueryId: 3180,
      catalogAcademyUuid: CATALOG_UUID,
      thumbnailUrl: 'academies/ai.png',
      displayOrder: 1,
    },
    { name: 'Data Academy', productKey: 'data-key', slug: 'data', tags: ['data', 'ml'], stripePriceLookupKey: 'data_yearly', displayOrder: 2 },
    { name: 'Old Academy', slug: 'old', tags: ['ml'], isActive: false, displayOrder: 3, thumbnailUrl: 'https://cdn.example.com/old.png' },
  ]);
}

async function setup(options: { thumbnailBaseUrl?: string; rateLimit?: { max: number; windowMs: number }; trustProxy?: number } = {}) {
  const academies = seedCatalogue();
  const prices = fakePriceSource([usdPrice('ai_yearly', 9950), usdPrice('data_yearly')]);
  const app = await buildTestApp({ academies, prices, ...options });
  t.teardown(() => app.close());
  return { app, academies, prices };
}

const names = (body: { results: Array<{ name: string }> }) => body.results.map((r) => r.name);

t.test('the list returns active academies in default order with the paginated envelope', async (t) => {
  const { app } = await setup();
  const res = await app.inject({ url: LIST });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.same(names(body), ['AI Academy', 'Data Academy'], 'inactive academies are left out');
  t.equal(body.count, 2, 'count is the number of results');
  t.equal(body.next, null, 'next is always null');
  t.equal(body.previous, null, 'previous is always null');
});

t.test('an academy is serialized with every field of the contract', async (t) => {
  const { app } = await setup({ thumbnailBaseUrl: 'https://s3.example.com/media/' });
  const [ai, data] = (await app.inject({ url: LIST })).json().results;
  t.same(ai, {
    id: 'prod_ai',
    name: 'AI Academy',
    long_name: 'AI Academy, long',
    description: '',
    marketing_url: '',
    thumbnail_url: 'https://s3.example.com/media/academies/ai.png',
    tags: ['ai', 'ml'],
    stripe_product_id: 'prod_ai',
    catalog_query_id: 3180,
    edx_catalog_id: 3180,
    prices: [
      {
        id: 'price_ai_yearly',
        product: 'prod_ai_yearly',
        lookup_key: 'ai_yearly',
        currency: 'usd',
        unit_amount: 9950,
        unit_amount_decimal: '99.50',
        recurring: { interval: 'year', interval_count: 1, usage_type: 'licensed' },
      },
    ],
  });
  t.equal(data.id, 'data-key', 'id falls back to product_key when there is no Stripe product');
  t.equal(data.long_name, 'Data Academy', 'long_name falls back to name');
  t.equal(data.catalog_query_id, null, 'catalog_query_id is null when unset');
});

t.test('academy_uuid filters by the academy uuid and a malformed one is a 400', async (t) => {
  const { app, academies } = await setup();
  const uuid = academies.rows.find((a) => a.name === 'Data Academy')!.uuid;
  t.same(names((await app.inject({ url: `${LIST}?academy_uuid=${uuid}` })).json()), ['Data Academy']);
  const bad = await app.inject({ url: `${LIST}?academy_uuid=not-a-uuid` });
  t.equal(bad.statusCode, 400);
  t.same(bad.json(), { academy_uuid: ['Must be a valid UUID.'] });
});

t.test('product_key filters exactly', async (t) => {
  const { app } = await setup();
  t.same(names((await app.inject({ url: `${LIST}?product_key=data-key` })).json()), ['Data Academy']);
  t.same(names((await app.inject({ url: `${LIST}?product_key=DATA-KEY` })).json()), [], 'case-sensitive');
});

t.test('tag is repeatable, requires every tag, and blanks are ignored', async (t) => {
  const { app } = await setup();
  t.same(names((await app.inject({ url: `${LIST}?tag=ml` })).json()), ['AI Academy', 'Data Academy']);
  t.same(names((await app.inject({ url: `${LIST}?tag=ml&tag=ai` })).json()), ['AI Academy']);
  t.same(names((await app.inject({ url: `${LIST}?tag=ml&tag=` })).json()), ['AI Academy', 'Data Academy']);
  t.same(names((await app.inject({ url: `${LIST}?tag=ML` })).json()), [], 'tags are case-sensitive');
});

t.test('include_inactive=true includes inactive academies and any other value does not', async (t) => {
  const { app } = await setup();
  t.same(names((await app.inject({ url: `${LIST}?include_inactive=true` })).json()), ['AI Academy', 'Data Academy', 'Old Academy']);
  t.same(names((await app.inject({ url: `${LIST}?include_inactive=1` })).json()), ['AI Academy', 'Data Academy']);
});

t.test('sync=true is refused before anything else and other sync values are ignored', async (t) => {
  const { app, academies } = await setup();
  const res = await app.inject({ url: `${LIST}?sync=true&academy_uuid=bad` });
  t.equal(res.statusCode, 400);
  t.same(res.json(), { sync: ['sync=true is not supported on this public endpoint.'] });
  t.equal(academies.calls, 0, 'the database was not asked');
  t.equal((await app.inject({ url: `${LIST}?sync=false` })).statusCode, 200);
  const detail = await app.inject({ url: '/api/v1/academy-products/ai/?sync=true' });
  t.equal(detail.statusCode, 400, 'the detail route refuses it too');
});

t.test('unknown parameters are ignored', async (t) => {
  const { app } = await setup();
  const res = await app.inject({ url: `${LIST}?page=2&format=xml` });
  t.equal(res.statusCode, 200);
  t.equal(res.json().count, 2);
});

t.test('the price source is not called when nothing matches', async (t) => {
  const { app, prices } = await setup();
  const res = await app.inject({ url: `${LIST}?tag=nothing` });
  t.same(res.json().results, []);
  t.equal(prices.requests.length, 0, 'no price lookup for an empty result');
});

t.test('the detail route finds an academy by each of its identifiers, inactive included', async (t) => {
  const { app, academies } = await setup();
  const ai = academies.rows.find((a) => a.name === 'AI Academy')!;
  for (const id of [ai.uuid, CATALOG_UUID, 'ai', 'ai-key', 'prod_ai']) {
    const res = await app.inject({ url: `/api/v1/academy-products/${id}/` });
    t.equal(res.statusCode, 200, `found by ${id}`);
    t.equal(res.json().name, 'AI Academy');
  }
  const old = await app.inject({ url: '/api/v1/academy-products/old/?include_inactive=false&tag=zzz' });
  t.equal(old.statusCode, 200, 'inactive academies can be retrieved and list filters are ignored');
  t.equal(old.json().thumbnail_url, 'https://cdn.example.com/old.png', 'absolute thumbnails stay as they are');
});

t.test('an unknown identifier is 404 without asking for prices', async (t) => {
  const { app, prices } = await setup();
  for (const id of ['nope', "x'; drop table academies;--", '..%2F..%2Fetc%2Fpasswd']) {
    const res = await app.inject({ url: `/api/v1/academy-products/${id}/` });
    t.equal(res.statusCode, 404, `${id} is not found`);
    t.same(res.json(), { detail: 'Not found.' });
  }
  t.equal(prices.requests.length, 0);
});

t.test('a failing price source still answers 200 with prices []', async (t) => {
  const { app, prices } = await setup();
  prices.failWith = new Error('stripe down');
  const res = await app.inject({ url: LIST });
  t.equal(res.statusCode, 200);
  t.same(res.json().results.map((r: { prices: unknown[] }) => r.prices), [[], []]);
});

t.test('a database failure is a 502 with the documented body', async (t) => {
  const { app, academies } = await setup();
  academies.failWith = new Error('connection terminated');
  for (const url of [LIST, '/api/v1/academy-products/ai/']) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 502, `${url} answers 502`);
    t.same(res.json(), { error_code: 'academy_service_unavailable', detail: 'Retry later.' });
  }
});

t.test('the trailing slash is optional', async (t) => {
  const { app } = await setup();
  t.equal((await app.inject({ url: '/api/v1/academy-products' })).statusCode, 200);
  t.equal((await app.inject({ url: '/api/v1/academy-products/ai' })).statusCode, 200);
});

t.test('HEAD answers like GET without a body', async (t) => {
  const { app } = await setup();
  const res = await app.inject({ method: 'HEAD', url: LIST });
  t.equal(res.statusCode, 200);
  t.equal(res.body, '', 'no body');
  t.ok(res.headers.etag, 'with the ETag');
});

t.test('other methods are 405 with Allow', async (t) => {
  const { app } = await setup();
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    for (const url of [LIST, '/api/v1/academy-products/ai/']) {
      const res = await app.inject({ method, url });
      t.equal(res.statusCode, 405, `${method} ${url} is 405`);
      t.equal(res.headers.allow, 'GET, HEAD');
      t.same(res.json(), { detail: `Method "${method}" not allowed.` });
    }
  }
});

t.test('responses carry an ETag and Cache-Control, and a matching If-None-Match gets 304', async (t) => {
  const { app } = await setup();
  for (const url of [LIST, '/api/v1/academy-products/ai/']) {
    const first = await app.inject({ url });
    t.equal(first.headers['cache-control'], 'public, max-age=60');
    const etag = String(first.headers.etag);
    t.match(etag, /^"[A-Za-z0-9_-]+"$/, 'a strong ETag');
    const again = await app.inject({ url, headers: { 'if-none-match': etag } });
    t.equal(again.statusCode, 304, `${url} is not modified`);
    t.equal(again.body, '');
    t.equal(again.headers.etag, etag);
    const weak = await app.inject({ url, headers: { 'if-none-match': `"other", W/${etag}` } });
    t.equal(weak.statusCode, 304, 'weak comparison within a list');
    const stale = await app.inject({ url, headers: { 'if-none-match': '"other"' } });
    t.equal(stale.statusCode, 200, 'a different tag gets the body');
  }
});

t.test('the rate limit answers 429 with the documented body and headers', async (t) => {
  const { app } = await setup({ rateLimit: { max: 2, windowMs: 60_000 } });
  const first = await app.inject({ url: LIST });
  t.equal(first.headers['x-ratelimit-limit'], '2');
  t.equal(first.headers['x-ratelimit-remaining'], '1');
  t.ok(first.headers['x-ratelimit-reset'], 'X-RateLimit-Reset is present');
  await app.inject({ url: '/api/v1/academy-products/ai/' });
  const limited = await app.inject({ url: LIST });
  t.equal(limited.statusCode, 429);
  const seconds = Number(limited.headers['retry-after']);
  t.ok(seconds >= 1 && seconds <= 60, `Retry-After ${seconds} is within the window`);
  t.same(limited.json(), { detail: `Request was throttled. Expected available in ${seconds} seconds.` });
  const other = await app.inject({ url: LIST, remoteAddress: '10.9.8.7' });
  t.equal(other.statusCode, 200, 'another client IP has its own budget');
});

t.test('X-Forwarded-For is ignored without TRUST_PROXY and honoured for the trusted hops', async (t) => {
  const untrusting = await setup({ rateLimit: { max: 1, windowMs: 60_000 } });
  await untrusting.app.inject({ url: LIST, headers: { 'x-forwarded-for': '1.1.1.1' } });
  const spoofed = await untrusting.app.inject({ url: LIST, headers: { 'x-forwarded-for': '2.2.2.2' } });
  t.equal(spoofed.statusCode, 429, 'a forged header does not buy a new budget');

  const trusting = await setup({ rateLimit: { max: 1, windowMs: 60_000 }, trustProxy: 1 });
  await trusting.app.inject({ url: LIST, headers: { 'x-forwarded-for': '1.1.1.1' } });
  const otherClient = await trusting.app.inject({ url: LIST, headers: { 'x-forwarded-for': '2.2.2.2' } });
  t.equal(otherClient.statusCode, 200, 'behind one trusted proxy each forwarded client has its own budget');
});

t.test('unknown paths are 404 with the DRF body', async (t) => {
  const { app } = await setup();
  const res = await app.inject({ url: '/api/v1/nothing-here/' });
  t.equal(res.statusCode, 404);
  t.same(res.json(), { detail: 'Not found.' });
});
