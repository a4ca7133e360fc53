/**
 * CORS (issue 11 item 4) through app.inject: preflights, the headers a front end may read, origins not on
 * CORS_ALLOWED_ORIGINS, and preflights never counted against a rate limit. In a real browser:
 * tests/browser/cors.browser.ts.
 */
import t, { type Test } from 'tap';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';

const FRONT_END = 'https://learn.example.com';
const OTHER_FRONT_END = 'http://localhost:5173';
const STRANGER = 'https://evil.example.net';
const LIST = '/api/v1/academy-products/';
const INTENTS = '/api/v1/checkout-intents/';
const EXPOSED = 'ETag, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, X-Request-Id';

async function app(t: Test, options: { cors?: readonly string[]; max?: number } = {}): Promise<FastifyInstance> {
  const instance = await buildTestApp({
    academies: inMemoryAcademyRepository([{ name: 'AI Academy', slug: 'ai' }]),
    prices: fakePriceSource([]),
    rateLimit: { max: options.max ?? 100, windowMs: 60_000 },
    ...(options.cors ? { corsAllowedOrigins: options.cors } : {}),
  });
  t.teardown(() => instance.close());
  return instance;
}

const preflight = (url: string, origin: string, method = 'GET', headers = 'authorization'): InjectOptions => ({
  method: 'OPTIONS',
  url,
  headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
});

const corsHeadersOf = (res: LightMyRequestResponse) => Object.keys(res.headers).filter((name) => name.startsWith('access-control-'));
const varyOf = (res: LightMyRequestResponse) => String(res.headers.vary ?? '').split(/\s*,\s*/).map((name) => name.toLowerCase());

t.test('CORS_ALLOWED_ORIGINS unset: no CORS header anywhere, and OPTIONS is the 405 it always was', async (t) => {
  const server = await app(t);
  const get = await server.inject({ url: LIST, headers: { origin: FRONT_END } });
  t.equal(get.statusCode, 200);
  t.same(corsHeadersOf(get), [], 'no access-control-* header on a GET');
  t.notOk(varyOf(get).includes('origin'), 'no Vary: Origin either');
  const options = await server.inject(preflight(LIST, FRONT_END));
  t.equal(options.statusCode, 405, 'a preflight is refused as before');
  t.same(corsHeadersOf(options), [], 'no access-control-* header on it');
});

t.test('a preflight from a listed origin: 204, the methods, request headers and max age, Vary: Origin, no credentials', async (t) => {
  const server = await app(t, { cors: [FRONT_END, OTHER_FRONT_END] });
  for (const origin of [FRONT_END, OTHER_FRONT_END]) {
    const res = await server.inject(preflight(INTENTS, origin, 'POST', 'authorization,content-type'));
    t.equal(res.statusCode, 204, `${origin}: 204`);
    t.equal(res.body, '', 'no body');
    t.equal(res.headers['access-control-allow-origin'], origin, 'the origin itself, never *');
    t.equal(res.headers['access-control-allow-methods'], 'GET, HEAD, POST');
    t.equal(res.headers['access-control-allow-headers'], 'Authorization, Content-Type, If-None-Match, X-Request-Id');
    t.equal(res.headers['access-control-max-age'], '600');
    t.equal(res.headers['access-control-allow-credentials'], undefined, 'no credentials');
    t.ok(varyOf(res).includes('origin'), 'Vary: Origin');
  }
});

t.test('every path of the API answers a preflight from a listed origin with 204, without authentication', async (t) => {
  const server = await app(t, { cors: [FRONT_END] });
  await server.ready();
  const document = server.swagger() as { paths: Record<string, Record<string, unknown>> };
  const uuid = '00000000-0000-4000-8000-000000000000';
  const paths = Object.keys(document.paths).filter((path) => path.startsWith('/api/'));
  t.ok(paths.length >= 6, `${paths.length} API paths`);
  for (const path of paths) {
    const url = path.replace(/\{[^}]+\}/g, uuid);
    for (const method of Object.keys(document.paths[path] ?? {}).filter((key) => ['get', 'post'].includes(key))) {
      const res = await server.inject(preflight(url, FRONT_END, method.toUpperCase(), 'authorization,content-type,if-none-match'));
      t.equal(res.statusCode, 204, `OPTIONS ${url} (for ${method.toUpperCase()}) → 204`);
      t.equal(res.headers['access-control-allow-origin'], FRONT_END, `${url}: allowed`);
    }
  }
});

t.test('responses to a listed origin carry Access-Control-Allow-Origin and the exposed headers, errors included', async (t) => {
  const server = await app(t, { cors: [FRONT_END], max: 1 });
  const first = await server.inject({ url: LIST, headers: { origin: FRONT_END } });
  const throttled = await server.inject({ url: LIST, headers: { origin: FRONT_END } });
  const unauthenticated = await server.inject({ method: 'POST', url: INTENTS, headers: { origin: FRONT_END }, payload: {} });
  const missing = await server.inject({ url: `${LIST}nope/`, headers: { origin: FRONT_END } });
  for (const [name, res, status] of [['list', first, 200], ['throttled', throttled, 429], ['no token', unauthenticated, undefined], ['missing', missing, undefined]] as const) {
    if (status !== undefined) t.equal(res.statusCode, status, `${name}: ${status}`);
    t.equal(res.headers['access-control-allow-origin'], FRONT_END, `${name} (${res.statusCode}): the origin is allowed to read it`);
    t.equal(res.headers['access-control-expose-headers'], EXPOSED, `${name}: ETag, rate-limit headers, Retry-After and X-Request-Id exposed`);
    t.ok(varyOf(res).includes('origin'), `${name}: Vary: Origin`);
    t.equal(res.headers['access-control-allow-credentials'], undefined, `${name}: no credentials`);
  }
  t.ok(throttled.headers['retry-after'], 'the 429 has the Retry-After a front end reads');
});

t.test('an origin not on the list, or no origin, gets no CORS header at all: its preflight is the 405', async (t) => {
  const server = await app(t, { cors: [FRONT_END] });
  for (const origin of [STRANGER, 'https://learn.example.com.evil.net', 'https://LEARN.example.com', 'null']) {
    const get = await server.inject({ url: LIST, headers: { origin } });
    t.equal(get.statusCode, 200, `${origin}: the GET is served (the browser, not the server, withholds it)`);
    t.same(corsHeadersOf(get), [], `${origin}: no access-control-* header`);
    t.ok(varyOf(get).includes('origin'), `${origin}: Vary: Origin, so a cache never serves it to a listed origin`);
    const options = await server.inject(preflight(LIST, origin));
    t.equal(options.statusCode, 405, `${origin}: the preflight is refused`);
    t.same(corsHeadersOf(options), [], `${origin}: no access-control-* header on it`);
  }
  const noOrigin = await server.inject({ url: LIST });
  t.same(corsHeadersOf(noOrigin), [], 'no Origin header: no access-control-* header');
});

t.test('an OPTIONS from a listed origin that is not a preflight gets the documented 405 {detail}, not a plain-text 400', async (t) => {
  const server = await app(t, { cors: [FRONT_END] });
  const res = await server.inject({ method: 'OPTIONS', url: LIST, headers: { origin: FRONT_END } });
  t.equal(res.statusCode, 405);
  t.same(res.json(), { detail: 'Method "OPTIONS" not allowed.' });
  t.equal(res.headers.allow, 'GET, HEAD');
});

t.test('preflights are not counted against the rate limit and are never throttled', async (t) => {
  const server = await app(t, { cors: [FRONT_END], max: 2 });
  for (let index = 0; index < 5; index += 1) {
    const res = await server.inject(preflight(LIST, FRONT_END));
    t.equal(res.statusCode, 204, `preflight ${index + 1}: 204`);
    t.equal(res.headers['x-ratelimit-remaining'], undefined, 'no rate-limit headers on a preflight');
  }
  const get = await server.inject({ url: LIST, headers: { origin: FRONT_END } });
  t.equal(get.statusCode, 200, 'the GET after them is served');
  t.equal(get.headers['x-ratelimit-remaining'], '1', 'and is the first request of the budget of 2');
  await server.inject({ url: LIST, headers: { origin: FRONT_END } });
  t.equal((await server.inject({ url: LIST, headers: { origin: FRONT_END } })).statusCode, 429, 'the budget is spent by GETs');
  t.equal((await server.inject(preflight(LIST, FRONT_END))).statusCode, 204, 'a preflight with the budget spent is still 204, not 429');
});
