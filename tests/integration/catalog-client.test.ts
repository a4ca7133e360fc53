import t from 'tap';
import { enterpriseCatalogSource } from '../../src/adapters/catalog/catalog-client.ts';
import type { EnterpriseCatalogOptions } from '../../src/adapters/catalog/catalog-client.ts';
import { CatalogSourceUnavailable } from '../../src/application/ports/catalog-source.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { TOKEN_PATH, startFakeCatalog } from '../helpers/fake-catalog.ts';
import type { FakeCatalog, FakeCatalogOptions } from '../helpers/fake-catalog.ts';

const CUSTOMER = '6f1c2e0a-7a7b-4c1e-9d0e-3b7f5a2c9d10';
const QUERY_UUID = '9e8d7c6b-5a4f-4b3c-8d2e-1f0a9b8c7d6e';
const ACADEMIES = Array.from({ length: 7 }, (_, i) => ({ uuid: `00000000-0000-4000-8000-00000000000${i}`, title: `Academy ${i}` }));

/** Starts a fake (closed when the subtest ends) and a client pointed at it, with a controllable clock. */
async function setUp(t: { teardown(fn: () => Promise<void>): void }, fakeOptions: FakeCatalogOptions = {}, clientOptions: Partial<EnterpriseCatalogOptions> = {}) {
  const fake = await startFakeCatalog({ pageSize: 3, academies: ACADEMIES, ...fakeOptions });
  t.teardown(() => fake.close());
  const clock = { now: 1_700_000_000_000 };
  const source = enterpriseCatalogSource({
    apiUrl: fake.apiUrl,
    tokenUrl: fake.tokenUrl,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    timeoutMs: 2_000,
    retries: 3,
    backoffBaseMs: 2,
    maxDelayMs: 20,
    logger: silentLogger,
    now: () => clock.now,
    ...clientOptions,
  });
  return { fake, source, clock };
}

const apiCalls = (fake: FakeCatalog, path: string) => fake.requests.filter((r) => r.path === `/api/v1/${path}`);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

t.test('a client-credentials JWT token is fetched once and reused across calls', async (t) => {
  const { fake, source } = await setUp(t);
  await source.academies(CUSTOMER);
  await source.catalogs(CUSTOMER);
  t.equal(fake.tokenRequestCount(), 1, 'one token request for four API requests');
  const form = fake.requests.find((r) => r.path === TOKEN_PATH)?.form;
  t.same(form, { grant_type: 'client_credentials', client_id: 'test-client', client_secret: 'test-secret', token_type: 'jwt' }, 'token form');
  const api = fake.requests.filter((r) => r.path !== TOKEN_PATH);
  t.ok(api.length === 4 && api.every((r) => r.authorization === 'JWT fake-jwt-1'), 'every API request carries Authorization: JWT <token>');
});

t.test('the token is refreshed shortly before it expires, not after', async (t) => {
  const { fake, source, clock } = await setUp(t, { expiresIn: 3600 });
  await source.catalogs(CUSTOMER);
  clock.now += 3_539_000; // 61 s before expiry: just outside the 60 s refresh margin
  await source.catalogs(CUSTOMER);
  t.equal(fake.tokenRequestCount(), 1, 'token reused while more than 60 s remain');
  clock.now += 2_000;
  await source.catalogs(CUSTOMER);
  t.equal(fake.tokenRequestCount(), 2, 'a new token is fetched within the last 60 s');
  t.equal(fake.requests.at(-1)?.authorization, 'JWT fake-jwt-2', 'the new token is used');
});

t.test('a token the API refuses is replaced once and the request succeeds', async (t) => {
  const { fake, source } = await setUp(t);
  await source.catalogs(CUSTOMER);
  fake.revokeTokens();
  t.same(await source.catalogs(CUSTOMER), [], 'the listing still answers');
  t.equal(fake.tokenRequestCount(), 2, 'one extra token request');
});

t.test('academies are requested for the enterprise customer and all pages are merged in order', async (t) => {
  const { fake, source } = await setUp(t);
  t.same(await source.academies(CUSTOMER), ACADEMIES, 'seven items from three pages');
  const pages = apiCalls(fake, 'academies/');
  t.equal(pages.length, 3, 'three page requests');
  t.equal(pages[0]?.search, `?enterprise_customer=${CUSTOMER}`, 'the first request carries only enterprise_customer');
  t.equal(pages[1]?.search, `?enterprise_customer=${CUSTOMER}&page=2`, 'page two is the next link as given, no parameter added twice');
  t.equal(pages[2]?.search, `?enterprise_customer=${CUSTOMER}&page=3`, 'page three likewise');
});

t.test('catalogs are listed for the customer and a catalog query uuid resolves to its id', async (t) => {
  const catalog = { uuid: '8d7c6b5a-4e3f-4a2b-9c1d-0e9f8a7b6c5d', catalog_query_uuid: QUERY_UUID };
  const { fake, source } = await setUp(t, { catalogs: [catalog] });
  fake.setCatalogQuery(QUERY_UUID, 3180);
  t.same(await source.catalogs(CUSTOMER), [catalog], 'the raw catalog items');
  t.equal(apiCalls(fake, 'enterprise-catalogs/')[0]?.query['enterprise_customer'], CUSTOMER, 'enterprise_customer sent');
  t.equal(await source.catalogQueryId(QUERY_UUID.toUpperCase()), 3180, 'the id of the query (uuid canonicalized)');
  t.equal(await source.catalogQueryId('00000000-0000-4000-8000-000000000000'), null, 'an unknown query (404) has no id');
  const before = fake.requests.length;
  t.equal(await source.catalogQueryId('../academies'), null, 'a non-UUID has no id');
  t.equal(fake.requests.length, before, 'and is never sent upstream');
});

t.test('a 500 answered twice is retried and the third attempt succeeds', async (t) => {
  const { fake, source } = await setUp(t);
  fake.fail('academies/', { type: 'status', status: 500 }, 2);
  t.equal((await source.academies(CUSTOMER)).length, 7, 'all items');
  t.equal(apiCalls(fake, 'academies/').length, 2 + 3, 'two failed attempts, then three pages');
});

t.test('a 500 that never ends fails after exactly retries + 1 attempts, naming the path and no secret', async (t) => {
  const { fake, source } = await setUp(t, {}, { retries: 2 });
  fake.fail('academies/', { type: 'status', status: 503 });
  const error = await rejection(source.academies(CUSTOMER));
  t.type(error, CatalogSourceUnavailable, 'CatalogSourceUnavailable');
  t.equal(apiCalls(fake, 'academies/').length, 3, 'three attempts');
  const message = String((error as Error).message);
  t.match(message, '/api/v1/academies/', 'the message names the path');
  t.match(message, 'HTTP 503', 'and the status');
  t.notMatch(message, /fake-jwt|test-secret/, 'never the token or the secret');
  t.equal((error as Error).cause, undefined, 'no got error (holding the headers) is attached');
});

t.test('a 404 is not retried', async (t) => {
  const { fake, source } = await setUp(t);
  fake.fail('academies/', { type: 'status', status: 404 });
  t.type(await rejection(source.academies(CUSTOMER)), CatalogSourceUnavailable, 'fails');
  t.equal(apiCalls(fake, 'academies/').length, 1, 'one attempt');
});

t.test('a 429 is retried and a long Retry-After is capped rather than obeyed or abandoned', async (t) => {
  const { fake, source } = await setUp(t);
  fake.fail('academies/', { type: 'status', status: 429, retryAfter: '3600' }, 1);
  const started = Date.now();
  t.equal((await source.academies(CUSTOMER)).length, 7, 'succeeds after the retry');
  t.ok(Date.now() - started < 1_000, 'the wait was capped at maxDelayMs');
});

t.test('a request that hangs times out, is retried, then fails', async (t) => {
  const { fake, source } = await setUp(t, {}, { timeoutMs: 100, retries: 1 });
  fake.fail('academies/', { type: 'hang' });
  const error = await rejection(source.academies(CUSTOMER));
  t.type(error, CatalogSourceUnavailable, 'fails');
  t.match(String((error as Error).message), 'timed out', 'says it timed out');
  t.equal(apiCalls(fake, 'academies/').length, 2, 'two attempts');
});

t.test('a body trickling past the timeout counts as a timeout', async (t) => {
  const { fake, source } = await setUp(t, {}, { timeoutMs: 150, retries: 1 });
  fake.fail('academies/', { type: 'trickle', intervalMs: 10 });
  t.match(String((await rejection(source.academies(CUSTOMER)) as Error).message), 'timed out', 'fails as a timeout');
  t.equal(apiCalls(fake, 'academies/').length, 2, 'two attempts');
});

for (const type of ['non-object', 'no-results', 'not-json'] as const) {
  t.test(`a ${type} page fails the listing without retrying`, async (t) => {
    const { fake, source } = await setUp(t);
    fake.fail('academies/?page=2', { type });
    t.type(await rejection(source.academies(CUSTOMER)), CatalogSourceUnavailable, 'fails');
    t.equal(apiCalls(fake, 'academies/').length, 2, 'page one, then the bad page once');
  });
}

t.test('refused client credentials fail with the token path named and nothing sent to the API', async (t) => {
  const { fake, source } = await setUp(t, {}, { clientSecret: 'wrong-secret' });
  const error = await rejection(source.academies(CUSTOMER));
  t.type(error, CatalogSourceUnavailable, 'fails');
  t.match(String((error as Error).message), TOKEN_PATH, 'names the token path');
  t.notMatch(String((error as Error).message), 'wrong-secret', 'not the secret');
  t.equal(fake.tokenRequestCount(), 1, '401 from the token endpoint is not retried');
  t.equal(apiCalls(fake, 'academies/').length, 0, 'no API request');
});

t.test('a token endpoint 503 is retried like any request', async (t) => {
  const { fake, source } = await setUp(t);
  fake.fail('token', { type: 'status', status: 503 }, 1);
  t.equal((await source.academies(CUSTOMER)).length, 7, 'succeeds');
  t.equal(fake.tokenRequestCount(), 2, 'two token requests');
});

t.test('concurrent calls share one token request', async (t) => {
  const { fake, source } = await setUp(t);
  await Promise.all([source.academies(CUSTOMER), source.catalogs(CUSTOMER), source.catalogs(CUSTOMER)]);
  t.equal(fake.tokenRequestCount(), 1, 'one token request');
});
