/**
 * Issue 11 item 6, end to end: the real `serve` process passes the request's id on as X-Request-Id to
 * Stripe (the real SDK) and enterprise-catalog (got), over real sockets to the local fakes; price lookups
 * are cached and shared, so only the request that triggers an upstream call passes its id.
 */
import t from 'tap';
import { SignJWT } from 'jose';
import { startFakeCatalog } from '../helpers/fake-catalog.ts';
import { startFakeStripe } from '../helpers/fake-stripe.ts';
import { startService } from '../helpers/service-process.ts';
import { academyItem, CUSTOMER } from '../helpers/sync-harness.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SECRET = 'request-id-propagation-secret-0123456789';

t.test('Stripe receives the id of the request that triggered the price lookup, and only that one', async (t) => {
  const stripe = await startFakeStripe();
  t.teardown(() => stripe.close());
  const service = await startService({ STRIPE_SECRET_KEY: 'sk_test_request_ids', STRIPE_API_URL: stripe.url, LOG_FORMAT: 'pretty', LOG_LEVEL: 'info' });
  t.teardown(() => service.stop('SIGKILL'));
  t.equal(stripe.calls, 0, 'no price lookup before the first catalogue request');

  const first = await fetch(`${service.baseUrl}/api/v1/academy-products/`, { headers: { 'x-request-id': 'list-request-1' } });
  t.equal(first.status, 200);
  t.equal(first.headers.get('x-request-id'), 'list-request-1', 'the id is echoed');
  t.ok(stripe.requestIds.length > 0, `the request triggered ${stripe.requestIds.length} Stripe call(s)`);
  t.same(new Set(stripe.requestIds), new Set(['list-request-1']), 'each carried X-Request-Id: list-request-1');

  const callsBefore = stripe.requestIds.length;
  const second = await fetch(`${service.baseUrl}/api/v1/academy-products/`, { headers: { 'x-request-id': 'list-request-2' } });
  t.equal(second.status, 200);
  t.equal(stripe.requestIds.length, callsBefore, 'the second request is answered from the shared cache: no call, so its id goes nowhere');

  // LOG_FORMAT=pretty in the real process: readable lines that still carry the id.
  const lines = service.output().stdout.split('\n').filter((line) => line.trim() !== '');
  t.ok(lines.length > 0 && lines.every((line) => !line.startsWith('{')), 'LOG_FORMAT=pretty: no JSON line on stdout');
  t.ok(lines.some((line) => / INFO: request completed .*"reqId":"list-request-1"/.test(line)), 'the request line is readable and names the id');
});

t.test('enterprise-catalog receives the id of the admin sync request on every call, a new one when the incoming id is refused', async (t) => {
  const catalog = await startFakeCatalog({ academies: [academyItem(1), academyItem(2)], enterpriseCustomer: CUSTOMER });
  t.teardown(() => catalog.close());
  const service = await startService({
    CATALOG_API_URL: catalog.apiUrl,
    CATALOG_OAUTH_TOKEN_URL: catalog.tokenUrl,
    CATALOG_CLIENT_ID: catalog.clientId,
    CATALOG_CLIENT_SECRET: catalog.clientSecret,
    ACADEMY_SYNC_ENTERPRISE_CUSTOMER_UUID: CUSTOMER,
    JWT_SECRET_KEY: SECRET,
    LOG_LEVEL: 'warn',
  });
  t.teardown(() => service.stop('SIGKILL'));
  t.equal(catalog.requests.length, 0, 'nothing asked of the catalog before the sync request');
  const token = await new SignJWT({ user_id: 1, administrator: true }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('10m').sign(new TextEncoder().encode(SECRET));
  const sync = (requestId: string) =>
    fetch(`${service.baseUrl}/api/v1/admin/academy-sync`, {
      method: 'POST',
      headers: { authorization: `JWT ${token}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: '{}',
    });

  const first = await sync('sync-run-1');
  t.equal(first.status, 200, 'the sync ran');
  t.match(await first.json(), { ok: true, fetched: 2 });
  t.ok(catalog.requests.some((request) => request.path.endsWith('/access_token')), 'the token request was made');
  t.same(new Set(catalog.requests.map((request) => request.requestId)), new Set(['sync-run-1']), `all ${catalog.requests.length} calls (token included) carried sync-run-1`);

  const seen = catalog.requests.length;
  const refused = await sync('x'.repeat(3_000));
  t.equal(refused.status, 200, 'a sync with an over-long incoming id still runs');
  const replacement = refused.headers.get('x-request-id') ?? '';
  t.match(replacement, UUID, 'the id is replaced by a new UUID');
  const later = catalog.requests.slice(seen);
  t.ok(later.length > 0, 'the second sync called the catalog');
  t.same(new Set(later.map((request) => request.requestId)), new Set([replacement]), 'with the new id, never the 3,000 characters');
});
