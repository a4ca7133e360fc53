/**
 * Security headers on every kind of response, the body limit, the request timeout, and the rate limit's
 * client IP behind TRUST_PROXY hops (one-hop and no-proxy cases: tests/integration/http-academy-products.test.ts).
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import helmet from 'helmet';
import t, { type Test } from 'tap';
import type { InjectOptions } from 'fastify';
import { jwtVerifier } from '../../src/adapters/auth/jwt-verifier.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';
import { buildApp } from '../../src/adapters/http/app.ts';
import { serverTimeouts } from '../../src/adapters/http/server-timeouts.ts';
import { HELMET_OPTIONS } from '../../src/adapters/http/plugins/security-headers.ts';
import { Registry } from 'prom-client';

const LIST = '/api/v1/academy-products/';
const HELMET_HEADERS = ['content-security-policy', 'strict-transport-security', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'cross-origin-opener-policy'];

async function rateLimitedApp(t: Test, trustProxy: number) {
  const app = await buildTestApp({ academies: inMemoryAcademyRepository([{ name: 'AI Academy' }]), prices: fakePriceSource([]), rateLimit: { max: 1, windowMs: 60_000 }, trustProxy });
  t.teardown(() => app.close());
  return app;
}

t.test('every kind of response carries the security headers: 200, 400, 401, 404, 405, 413, 429 and 502', async (t) => {
  const app = await buildTestApp({
    academies: { ...inMemoryAcademyRepository([{ name: 'AI Academy', slug: 'ai' }]), findByIdentifier: async (id: string) => { if (id === 'boom') throw new Error('database down'); return null; } },
    prices: fakePriceSource([]),
    tokenVerifier: jwtVerifier({ secretKey: 'a-test-secret-of-at-least-thirty-two-bytes' }),
    rateLimit: { max: 1, windowMs: 60_000 },
  });
  t.teardown(() => app.close());
  const cases = [
    [200, { url: LIST, remoteAddress: '10.0.0.1' }],
    [429, { url: LIST, remoteAddress: '10.0.0.1' }],
    [400, { url: `${LIST}?academy_uuid=nope`, remoteAddress: '10.0.0.2' }],
    [401, { url: '/api/v1/checkout-intents/' }],
    [404, { url: '/nowhere' }],
    [404, { url: `${LIST}missing/`, remoteAddress: '10.0.0.3' }],
    [405, { method: 'DELETE', url: LIST }],
    [413, { method: 'POST', url: '/api/v1/stripe/webhook', payload: 'x'.repeat(1_100_000), headers: { 'content-type': 'application/json' } }],
    [502, { url: `${LIST}boom/`, remoteAddress: '10.0.0.4' }],
  ] as const;
  for (const [status, request] of cases) {
    const res = await app.inject(request as InjectOptions);
    t.equal(res.statusCode, status, `${request.url} → ${status}`);
    for (const header of HELMET_HEADERS) t.ok(res.headers[header], `${status} ${request.url} carries ${header}`);
    t.equal(res.headers['x-powered-by'], undefined, `${status} does not announce the framework`);
    // Plain http behind TLS-terminating ingress: this directive would blank /docs when opened over http.
    t.notMatch(String(res.headers['content-security-policy']), /upgrade-insecure-requests/, `${status} CSP without upgrade-insecure-requests`);
    t.match(String(res.headers['content-type']), /application\/json/, `${status} is JSON`);
  }
});

t.test('every answer carries each header helmet sets on a Node response, with the same value', async (t) => {
  // helmet itself, with the service's options, on a real response: the headers are read once at start-up.
  const response = new ServerResponse(new IncomingMessage(new Socket()));
  await new Promise<void>((resolve, reject) => helmet(HELMET_OPTIONS)(response.req, response, (error?: unknown) => (error ? reject(error as Error) : resolve())));
  const expected = Object.entries(response.getHeaders());
  t.ok(expected.length >= 10, `helmet sets ${expected.length} headers`);
  const app = await buildTestApp({ academies: inMemoryAcademyRepository([{ name: 'AI Academy' }]), prices: fakePriceSource([]) });
  t.teardown(() => app.close());
  for (const url of ['/healthz', LIST, `${LIST}missing/`, '/nowhere']) {
    const res = await app.inject({ url });
    for (const [name, value] of expected) t.equal(res.headers[name], String(value), `${url} (${res.statusCode}): ${name}`);
  }
});

t.test('a body over 1 MB is a 413 with a JSON {detail} body', async (t) => {
  const app = await buildTestApp({ academies: inMemoryAcademyRepository(), prices: fakePriceSource([]) });
  t.teardown(() => app.close());
  const res = await app.inject({ method: 'POST', url: '/api/v1/stripe/webhook', payload: 'x'.repeat(1_048_577), headers: { 'content-type': 'application/json' } });
  t.equal(res.statusCode, 413, '413');
  t.same(Object.keys(res.json()), ['detail'], 'a {detail} body');
});

/**
 * A listening app with a 600 ms request timeout, for requests written on a raw socket. Only the request
 * timeout is shortened: the idle timeout and the checking interval follow it as in production.
 */
async function listeningApp(t: Test): Promise<number> {
  const app = await buildApp(
    {
      catalogue: { list: async () => { throw new Error('unused'); }, detail: async () => { throw new Error('unused'); } },
      checkReadiness: async () => {},
      tokenVerifier: null,
      syncAcademies: async () => { throw new Error('unused'); },
      currentIntent: async () => null,
      createOrUpdateIntent: async () => { throw new Error('unused'); },
      listIntents: async () => { throw new Error('unused'); },
      getIntent: async () => { throw new Error('unused'); },
      transitionIntent: async () => { throw new Error('unused'); },
      receiveStripeWebhook: async () => { throw new Error('unused'); },
      createCheckoutSession: async () => { throw new Error('unused'); },
      checkoutSessionRateLimit: { max: 100, windowMs: 60_000 },
    } satisfies Parameters<typeof buildApp>[0],
    { logger: false, trustProxy: 0, rateLimit: { max: 100, windowMs: 60_000 }, metricsRegistry: new Registry(), docsEnabled: false, limits: { requestTimeout: 600 } },
  );
  t.teardown(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

/** Writes `raw` and reads until the server closes the connection. */
async function exchange(port: number, raw: string): Promise<{ received: string; elapsedMs: number }> {
  const socket = connect(port, '127.0.0.1');
  const started = Date.now();
  let received = '';
  const closed = new Promise<void>((resolve) => {
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
  socket.write(raw);
  await closed;
  return { received, elapsedMs: Date.now() - started };
}

/** Status line and JSON body of a raw HTTP/1.1 response. */
function parseResponse(raw: string): { status: number; contentType: string | undefined; body: unknown } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const contentType = /^content-type:\s*(.*)$/im.exec(head)?.[1];
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), contentType, body: body ? (JSON.parse(body) as unknown) : undefined };
}

const STALLED_REQUESTS = {
  'mid-body': 'POST /api/v1/stripe/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
  'mid-headers': `GET ${LIST} HTTP/1.1\r\nHost: x\r\nAccept: appl`,
  'after the request line': `GET ${LIST} HTTP/1.1\r\n`,
};

for (const [where, raw] of Object.entries(STALLED_REQUESTS)) {
  t.test(`a client that stalls ${where} gets the documented 408 {detail} body before the idle timeout drops it`, async (t) => {
    const port = await listeningApp(t);
    const { received, elapsedMs } = await exchange(port, raw);
    t.ok(elapsedMs < 10_000, `the connection was closed after ${elapsedMs} ms (request timeout 600 ms), not left open`);
    const response = parseResponse(received);
    t.equal(response.status, 408, 'with a 408 Request Timeout, not a silently closed socket');
    t.match(response.contentType, /^application\/json/);
    t.same(response.body, { detail: 'The request was not completed in time.' }, "the service's {detail} body, not Fastify's");
  });
}

t.test('production timeouts: the 408 is due (request timeout plus one check) before the socket idle timeout', async (t) => {
  const timeouts = serverTimeouts();
  t.equal(timeouts.requestTimeout, 30_000, 'the documented 30 s');
  t.ok(timeouts.headersTimeout <= timeouts.requestTimeout, 'headers within the request timeout (Node refuses more)');
  t.ok(timeouts.connectionsCheckingInterval <= 1_000, 'checked every second at most, not Node’s 30 s');
  t.ok(timeouts.requestTimeout + timeouts.connectionsCheckingInterval < timeouts.connectionTimeout, 'idle timeout after the 408 is due');
});

t.test('headers over the limit are a 431 and bytes that are not HTTP a 400, both with a {detail} body', async (t) => {
  const port = await listeningApp(t);
  const oversized = parseResponse((await exchange(port, `GET ${LIST} HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(20_000)}\r\n\r\n`)).received);
  t.equal(oversized.status, 431, 'Node’s 16 KB header limit → 431');
  t.same(oversized.body, { detail: 'Request headers are too large.' });
  const garbage = parseResponse((await exchange(port, 'HELLO THERE\r\n\r\n')).received);
  t.equal(garbage.status, 400, 'not HTTP → 400');
  t.same(garbage.body, { detail: 'Malformed HTTP request.' });
});

t.test('behind two trusted proxies the client is the address the outer proxy saw: spoofed hops do not buy a new budget', async (t) => {
  const app = await rateLimitedApp(t, 2);
  const from = (xff: string) => app.inject({ url: LIST, headers: { 'x-forwarded-for': xff }, remoteAddress: '10.1.1.1' });
  t.equal((await from('6.6.6.6, 203.0.113.7, 10.0.0.2')).statusCode, 200, 'first request of 203.0.113.7 is served');
  t.equal((await from('7.7.7.7, 203.0.113.7, 10.0.0.2')).statusCode, 429, 'a different spoofed left-most hop is still 203.0.113.7: throttled');
  t.equal((await from('203.0.113.7, 10.0.0.2')).statusCode, 429, 'without the spoofed hop: still the same client');
  t.equal((await from('6.6.6.6, 198.51.100.9, 10.0.0.2')).statusCode, 200, 'another real client behind the same proxies has its own budget');
});

t.test('behind one trusted proxy a client cannot escape its budget by prepending X-Forwarded-For entries', async (t) => {
  const app = await rateLimitedApp(t, 1);
  const from = (xff: string) => app.inject({ url: LIST, headers: { 'x-forwarded-for': xff }, remoteAddress: '10.1.1.1' });
  t.equal((await from('203.0.113.7')).statusCode, 200, 'first request served');
  t.equal((await from('1.2.3.4, 203.0.113.7')).statusCode, 429, 'a forged extra hop is ignored: same client, throttled');
  t.equal((await from('5.6.7.8, 9.9.9.9, 203.0.113.7')).statusCode, 429, 'two forged hops: still throttled');
});

t.test('with no trusted proxy, X-Forwarded-For of any length is ignored and the socket address counts', async (t) => {
  const app = await rateLimitedApp(t, 0);
  t.equal((await app.inject({ url: LIST, remoteAddress: '10.9.9.9', headers: { 'x-forwarded-for': '1.1.1.1, 2.2.2.2' } })).statusCode, 200, 'first served');
  t.equal((await app.inject({ url: LIST, remoteAddress: '10.9.9.9', headers: { 'x-forwarded-for': '3.3.3.3, 4.4.4.4, 5.5.5.5' } })).statusCode, 429, 'a new forged chain does not help');
  t.equal((await app.inject({ url: LIST, remoteAddress: '10.9.9.8' })).statusCode, 200, 'another socket address has its own budget');
});
