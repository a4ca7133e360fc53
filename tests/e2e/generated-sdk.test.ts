import t from 'tap';
import { SignJWT } from 'jose';
import { createClient, createConfig } from '../../openapi/sdk/client/index.ts';
import {
  createCheckoutIntent,
  createCheckoutSession,
  getAcademyProduct,
  getCheckoutIntent,
  getCurrentCheckoutIntent,
  listAcademyProducts,
  listCheckoutIntents,
  transitionCheckoutIntent,
  type CheckoutIntentState,
  type DetailError,
  type FieldErrors,
} from '../../openapi/sdk/index.ts';
import { startService } from '../helpers/service-process.ts';

// The SDK @hey-api/openapi-ts generates from openapi/openapi.json (committed as openapi/sdk/, kept
// equal to a fresh generation by tests/integration/openapi-sdk.test.ts) drives the real process:
// a function per operationId, typed bodies, typed errors.

t.test('the generated SDK reads the catalogue: filters, retrieve, 304 with If-None-Match, typed 400 and 429', async (t) => {
  const service = await startService({ ACADEMY_PRODUCTS_RATE_LIMIT: '8/minute' });
  t.teardown(() => service.stop('SIGKILL'));
  const client = createClient(createConfig({ baseUrl: service.baseUrl }));

  const filtered = await listAcademyProducts({ client, query: { tag: ['data', 'essentials'], include_inactive: 'true' } });
  t.equal(filtered.response.status, 200);
  t.same(filtered.data?.results.map((academy) => academy.name), ['Data Academy'], 'repeated tag filters combine');
  t.equal(filtered.data?.next, null, 'next is typed string | null and is null on the one page');

  const one = await getAcademyProduct({ client, path: { id: 'data-academy' } });
  t.equal(one.data?.prices[0]?.unit_amount_decimal, '15000', 'retrieve by slug with its jpy price');
  const etag = one.response.headers.get('etag');
  t.ok(etag, 'the answer carries an ETag');
  t.equal(one.response.headers.get('cache-control'), 'public, max-age=60', 'and the documented Cache-Control');
  t.match(one.response.headers.get('x-ratelimit-remaining'), /^\d+$/, 'and X-RateLimit-Remaining');

  const unchanged = await getAcademyProduct({ client, path: { id: 'data-academy' }, headers: { 'if-none-match': etag ?? '' } });
  t.equal(unchanged.response.status, 304, 'the same ETag in If-None-Match is a 304');
  t.equal(unchanged.data, undefined, 'with no body');

  const invalid = await listAcademyProducts({ client, query: { academy_uuid: 'nope' } });
  t.equal(invalid.response.status, 400);
  const fieldErrors: FieldErrors | undefined = invalid.response.status === 400 ? (invalid.error as FieldErrors) : undefined;
  t.same(fieldErrors, { academy_uuid: ['Must be a valid UUID.'] }, 'a typed field-errors body');

  let throttled: DetailError | undefined;
  let throttledHeaders: Headers | undefined;
  for (let i = 0; i < 10 && !throttled; i += 1) {
    const attempt = await listAcademyProducts({ client });
    if (attempt.response.status === 429) {
      throttled = attempt.error as DetailError;
      throttledHeaders = attempt.response.headers;
    }
  }
  t.match(throttled, { detail: /^Request was throttled\. Expected available in \d+ seconds\.$/ }, 'a typed 429 within the budget');
  // The headers components.responses.TooManyRequests documents.
  t.match(throttledHeaders?.get('retry-after'), /^\d+$/, 'with Retry-After in seconds');
  t.match(throttledHeaders?.get('x-ratelimit-limit'), /^\d+$/, 'and X-RateLimit-Limit');
  t.ok(throttledHeaders?.get('x-request-id'), 'and X-Request-Id');
});

t.test('the generated SDK runs the checkout-intent operations with real JWTs', async (t) => {
  const secret = 'generated-sdk-test-secret-0123456789abcdef';
  const service = await startService({ JWT_SECRET_KEY: secret });
  t.teardown(() => service.stop('SIGKILL'));
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(secret));
  // `auth` answers the document's bearer scheme: the SDK sends `Authorization: Bearer <token>` on operations that need it.
  const learnerToken = await sign({ user_id: 42 });
  const adminToken = await sign({ user_id: 1, administrator: true });
  const learner = createClient(createConfig({ baseUrl: service.baseUrl, auth: () => learnerToken }));
  const admin = createClient(createConfig({ baseUrl: service.baseUrl, auth: () => adminToken }));
  const anonymous = createClient(createConfig({ baseUrl: service.baseUrl }));

  const refused = await listCheckoutIntents({ client: anonymous });
  t.equal(refused.response.status, 401, 'no token → 401');

  const created = await createCheckoutIntent({
    client: learner,
    body: { quantity: 5, enterprise_slug: 'acme', enterprise_name: 'Acme', country: 'US', stripe_product_id: 'prod_data' },
  });
  t.equal(created.response.status, 201, 'a new intent is 201');
  const uuid = created.data?.uuid ?? '';
  const state: CheckoutIntentState | undefined = created.data?.state;
  t.equal(state, 'created');

  const again = await createCheckoutIntent({ client: learner, body: { quantity: 7, stripe_product_id: 'prod_data' } });
  t.equal(again.response.status, 200, 'the same product again updates the same intent');
  t.equal(again.data?.quantity, 7);

  const current = await getCurrentCheckoutIntent({ client: learner, query: { stripe_product_id: 'prod_data' } });
  t.equal(current.data?.uuid, uuid, 'it is the current intent');

  const session = await createCheckoutSession({ client: learner, path: { uuid } });
  t.equal(session.response.status, 503, 'Stripe Checkout is not configured here');
  const sessionError = session.error;
  t.equal(sessionError && 'error_code' in sessionError ? sessionError.error_code : undefined, 'checkout_not_configured', 'a typed error_code from the enum');

  const byLearner = await transitionCheckoutIntent({ client: learner, path: { uuid }, body: { state: 'paid' } });
  t.equal(byLearner.response.status, 403, 'a learner cannot move an intent');

  const paid = await transitionCheckoutIntent({ client: admin, path: { uuid }, body: { state: 'paid', stripe_checkout_session_id: 'cs_test_1' } });
  t.equal(paid.data?.state, 'paid', 'an admin marks it paid');

  const illegal = await transitionCheckoutIntent({ client: admin, path: { uuid }, body: { state: 'created' } });
  t.equal(illegal.response.status, 422, 'paid → created is refused');
  const illegalError = illegal.error;
  t.equal(illegalError && 'error_code' in illegalError ? illegalError.error_code : undefined, 'invalid_state_transition');

  const mine = await getCheckoutIntent({ client: learner, path: { uuid } });
  t.equal(mine.data?.state, 'paid', 'the owner reads it');
  const page = await listCheckoutIntents({ client: learner, query: { limit: 1 } });
  t.equal(page.data?.count, 1, 'the owner lists exactly their intent');
  t.equal(page.data?.next, null, 'one page');
});
