import t from 'tap';
import createClient from 'openapi-fetch';
import { SignJWT } from 'jose';
import type { paths } from '../../openapi/schema.d.ts';
import { startService } from '../helpers/service-process.ts';

// A client generated from the committed document drives the real server over a socket:
// if the document and the server disagree, these calls or their types break.
t.test('a client generated from openapi/openapi.json works against the running server', async (t) => {
  const service = await startService({ ACADEMY_PRODUCTS_RATE_LIMIT: '8/minute' });
  t.teardown(() => service.stop('SIGKILL'));
  const client = createClient<paths>({ baseUrl: service.baseUrl });

  const all = await client.GET('/api/v1/academy-products/');
  t.equal(all.response.status, 200);
  t.ok((all.data?.count ?? 0) >= 5, 'the example catalogue is listed');

  const filtered = await client.GET('/api/v1/academy-products/', {
    params: { query: { tag: ['data', 'essentials'], include_inactive: 'true' } },
  });
  t.same(filtered.data?.results.map((r) => r.name), ['Data Academy'], 'repeated tag filters combine');

  const one = await client.GET('/api/v1/academy-products/{id}/', { params: { path: { id: 'data-academy' } } });
  t.equal(one.data?.prices[0]?.unit_amount_decimal, '15000', 'retrieve by slug with its jpy price');

  const missing = await client.GET('/api/v1/academy-products/{id}/', { params: { path: { id: 'no-such-academy' } } });
  t.equal(missing.response.status, 404);
  t.same(missing.error, { detail: 'Not found.' });

  const invalid = await client.GET('/api/v1/academy-products/', { params: { query: { academy_uuid: 'nope' } } });
  t.equal(invalid.response.status, 400);
  t.same(invalid.error, { academy_uuid: ['Must be a valid UUID.'] });

  const listAgain = () => client.GET('/api/v1/academy-products/');
  let throttled: Awaited<ReturnType<typeof listAgain>> | undefined;
  for (let i = 0; i < 10 && !throttled; i += 1) {
    const attempt = await listAgain();
    if (attempt.response.status === 429) throttled = attempt;
  }
  t.ok(throttled, 'the rate limit answers 429 within the budget');
  t.match(throttled?.error, { detail: /^Request was throttled\. Expected available in \d+ seconds\.$/ });
  t.ok(throttled?.response.headers.get('retry-after'), 'with Retry-After');
});

t.test('the generated client creates, reads and follows a checkout intent with a JWT', async (t) => {
  const secret = 'generated-client-test-secret-0123456789';
  const service = await startService({ JWT_SECRET_KEY: secret });
  t.teardown(() => service.stop('SIGKILL'));
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('10m').sign(new TextEncoder().encode(secret));
  const learner = createClient<paths>({ baseUrl: service.baseUrl, headers: { authorization: `Bearer ${await sign({ user_id: 42 })}` } });
  const admin = createClient<paths>({ baseUrl: service.baseUrl, headers: { authorization: `JWT ${await sign({ user_id: 1, administrator: true })}` } });
  const anonymous = createClient<paths>({ baseUrl: service.baseUrl });

  const refused = await anonymous.GET('/api/v1/checkout-intents/');
  t.equal(refused.response.status, 401, 'no token → 401');

  const created = await learner.POST('/api/v1/checkout-intents/', {
    body: { quantity: 5, enterprise_slug: 'acme', enterprise_name: 'Acme', country: 'US', stripe_product_id: 'prod_data' },
  });
  t.equal(created.response.status, 201, 'a new intent is 201');
  const uuid = created.data?.uuid ?? '';
  t.equal(created.data?.state, 'created');

  const again = await learner.POST('/api/v1/checkout-intents/', { body: { quantity: 7, stripe_product_id: 'prod_data' } });
  t.equal(again.response.status, 200, 'the same product again updates the same intent');
  t.equal(again.data?.uuid, uuid);
  t.equal(again.data?.quantity, 7);
  t.equal(again.data?.enterprise_slug, 'acme', 'omitted fields are kept');

  const current = await learner.GET('/api/v1/checkout-intents/current/', { params: { query: { stripe_product_id: 'prod_data' } } });
  t.equal(current.data?.uuid, uuid, 'it is the current intent');

  const byUser = await learner.POST('/api/v1/checkout-intents/{uuid}/transitions/', { params: { path: { uuid } }, body: { state: 'paid' } });
  t.equal(byUser.response.status, 403, 'a learner cannot move an intent');

  const paid = await admin.POST('/api/v1/checkout-intents/{uuid}/transitions/', {
    params: { path: { uuid } },
    body: { state: 'paid', stripe_checkout_session_id: 'cs_test_1' },
  });
  t.equal(paid.data?.state, 'paid', 'an admin marks it paid');

  const illegal = await admin.POST('/api/v1/checkout-intents/{uuid}/transitions/', { params: { path: { uuid } }, body: { state: 'created' } });
  t.equal(illegal.response.status, 422, 'paid → created is refused');

  const mine = await learner.GET('/api/v1/checkout-intents/{uuid}/', { params: { path: { uuid } } });
  t.equal(mine.data?.state, 'paid', 'the owner reads it');
  const list = await learner.GET('/api/v1/checkout-intents/');
  t.equal(list.data?.count, 1, 'the owner lists exactly their intent');
});
