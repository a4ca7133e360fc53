import t from 'tap';
import { SignJWT } from 'jose';
import type { JWTPayload } from 'jose';
import Stripe from 'stripe';
import { jwtVerifier } from '../../src/adapters/auth/jwt-verifier.ts';
import { stripeWebhookVerifier } from '../../src/adapters/stripe/webhook-events.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { makeReceiveStripeWebhook } from '../../src/application/stripe-webhook.ts';
import { MAX_INTENTS_PER_PAGE } from '../../src/adapters/http/schemas/checkout-intent.schema.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { insertIntent, intentUseCases, manualClock } from '../helpers/checkout-intents.ts';
import { fakePriceSource, usdPrice } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
t.comment(`database: ${testDb.kind}`);
const { db } = testDb;

const SECRET = 'a-test-secret-of-at-least-thirty-two-bytes';
const AUDIENCE = 'academy-billing';
const WEBHOOK_SECRET = 'whsec_test_secret';
const BASE = '/api/v1/checkout-intents/';
const clock = manualClock(new Date());
const useCases = intentUseCases(db, clock);

function token(claims: JWTPayload, options: { key?: Uint8Array; expiresIn?: number; audience?: string } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setAudience(options.audience ?? AUDIENCE)
    .setExpirationTime(Math.floor(Date.now() / 1000) + (options.expiresIn ?? 300))
    .sign(options.key ?? new TextEncoder().encode(SECRET));
}
const bearer = async (claims: JWTPayload) => ({ authorization: `Bearer ${await token(claims)}` });

/** Price-cache invalidations, counted (the webhook's only effect on prices). */
const priceCache = { invalidations: 0, async invalidate() { priceCache.invalidations += 1; } };

async function setup(options: { webhookSecret?: string | null } = {}) {
  const webhookSecret = options.webhookSecret === undefined ? WEBHOOK_SECRET : options.webhookSecret;
  const app = await buildTestApp({
    academies: inMemoryAcademyRepository(),
    prices: fakePriceSource([]),
    tokenVerifier: jwtVerifier({ secretKey: SECRET, audience: AUDIENCE }),
    checkoutIntents: {
      ...useCases,
      receiveStripeWebhook: makeReceiveStripeWebhook({
        verifier: webhookSecret === null ? null : stripeWebhookVerifier(webhookSecret),
        unitOfWork: useCases.unitOfWork,
        priceCache,
        // insertIntent's default product, sold by one academy at 99.00 USD a seat.
        prices: fakePriceSource([usdPrice('academy')]),
        academies: inMemoryAcademyRepository([{ stripeProductId: 'prod_academy', stripePriceLookupKey: 'academy' }]),
        clock,
        logger: silentLogger,
      }),
    },
  });
  t.teardown(() => app.close());
  return app;
}

const app = await setup();

t.beforeEach(async () => {
  clock.set(new Date());
  await db.deleteFrom('checkout_intents').execute();
});

t.test('authentication', async (t) => {
  const refused: ReadonlyArray<[string, () => Promise<Record<string, string>>]> = [
    ['a missing token', async () => ({})],
    ['an expired token', async () => ({ authorization: `JWT ${await token({ user_id: 'u1' }, { expiresIn: -3600 })}` })],
    ['a token signed with another key', async () => ({ authorization: `Bearer ${await token({ user_id: 'u1' }, { key: new TextEncoder().encode('another-secret-of-at-least-thirty-two-bytes!') })}` })],
    ['an alg:none token', async () => ({ authorization: `Bearer ${unsignedToken({ user_id: 'u1', aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 })}` })],
    ['a token for another audience', async () => ({ authorization: `Bearer ${await token({ user_id: 'u1' }, { audience: 'someone-else' })}` })],
  ];
  for (const [name, headers] of refused) {
    t.test(`${name} is refused with 401 on every endpoint`, async (t) => {
      const h = await headers();
      for (const [method, url] of [['GET', BASE], ['POST', BASE], ['GET', `${BASE}current/`], ['GET', `${BASE}00000000-0000-4000-8000-000000000000/`], ['POST', `${BASE}00000000-0000-4000-8000-000000000000/transitions/`]] as const) {
        const res = await app.inject({ method, url, headers: h, payload: method === 'POST' ? {} : undefined });
        t.equal(res.statusCode, 401, `${method} ${url} → 401`);
      }
    });
  }

  t.test('both the JWT and the Bearer scheme are accepted', async (t) => {
    const jwt = await token({ user_id: 'u1' });
    t.equal((await app.inject({ url: BASE, headers: { authorization: `JWT ${jwt}` } })).statusCode, 200, 'JWT scheme');
    t.equal((await app.inject({ url: BASE, headers: { authorization: `Bearer ${jwt}` } })).statusCode, 200, 'Bearer scheme');
  });
  t.end();
});

t.test('create', async (t) => {
  t.test('a new intent is 201 with every field; the same call again is 200 with the same uuid', async (t) => {
    const headers = await bearer({ user_id: 'u1' });
    const payload = { quantity: 5, enterprise_slug: 'acme', enterprise_name: 'Acme', country: 'us', stripe_product_id: 'prod_a', terms_metadata: { tos: 'v1' } };
    const first = await app.inject({ method: 'POST', url: BASE, headers, payload });
    t.equal(first.statusCode, 201, 'created');
    const body = first.json();
    t.match(body, {
      user_id: 'u1', stripe_product_id: 'prod_a', state: 'created', enterprise_slug: 'acme', enterprise_name: 'Acme', country: 'US',
      quantity: 5, terms_metadata: { tos: 'v1' }, stripe_customer_id: null, stripe_checkout_session_id: null, enterprise_uuid: null,
      last_checkout_error: null, last_provisioning_error: null,
    });
    t.match(body.uuid, /^[0-9a-f-]{36}$/, 'uuid as a string');
    t.ok(!Number.isNaN(Date.parse(body.expires_at)) && !Number.isNaN(Date.parse(body.created)), 'timestamps as ISO strings');
    const second = await app.inject({ method: 'POST', url: BASE, headers, payload: { ...payload, quantity: 6 } });
    t.equal(second.statusCode, 200, 'existing');
    t.equal(second.json().uuid, body.uuid, 'same intent');
    t.equal(second.json().quantity, 6, 'updated');
  });

  t.test('a body without quantity is 400 with field errors', async (t) => {
    const res = await app.inject({ method: 'POST', url: BASE, headers: await bearer({ user_id: 'u1' }), payload: { country: 'US' } });
    t.equal(res.statusCode, 400);
    t.same(res.json(), { quantity: ['This field is required.'] });
  });

  t.test('a bad country is 400 naming the field', async (t) => {
    const res = await app.inject({ method: 'POST', url: BASE, headers: await bearer({ user_id: 'u1' }), payload: { quantity: 1, country: 'USA' } });
    t.equal(res.statusCode, 400);
    t.same(Object.keys(res.json()), ['country']);
  });

  // The body schema is the one check of the body's shape (the domain checks the rules only): each of these is a 400
  // naming its field from the schema, never a database error.
  t.test('a body of the wrong shape is 400 naming the field, and nothing is stored', async (t) => {
    const headers = await bearer({ user_id: 'u1' });
    const long = 'a'.repeat(256);
    const wrongShapes: ReadonlyArray<[string, Record<string, unknown>]> = [
      ['quantity', { quantity: 0 }],
      ['quantity', { quantity: -1 }],
      ['quantity', { quantity: 1.5 }],
      ['quantity', { quantity: 2 ** 31 }],
      ['quantity', { quantity: 'many' }],
      ['enterprise_slug', { quantity: 1, enterprise_slug: 'a b', enterprise_name: 'A' }],
      ['enterprise_slug', { quantity: 1, enterprise_slug: long, enterprise_name: 'A' }],
      ['enterprise_name', { quantity: 1, enterprise_slug: 'a', enterprise_name: long }],
      ['stripe_product_id', { quantity: 1, stripe_product_id: long }],
      ['terms_metadata', { quantity: 1, terms_metadata: ['v1'] }],
    ];
    for (const [field, payload] of wrongShapes) {
      const res = await app.inject({ method: 'POST', url: BASE, headers, payload });
      t.equal(res.statusCode, 400, `${JSON.stringify(payload).slice(0, 60)} → 400`);
      t.same(Object.keys(res.json()), [field], `naming ${field}`);
    }
    t.equal((await useCases.intents.list({ limit: 10, offset: 0 })).total, 0, 'nothing stored');
  });

  t.test('a slug held by another user is 409 slug_reservation', async (t) => {
    await insertIntent(db, { user_id: 'u2', stripe_product_id: '', enterprise_slug: 'acme', enterprise_name: 'Acme' });
    const res = await app.inject({ method: 'POST', url: BASE, headers: await bearer({ user_id: 'u1' }), payload: { quantity: 1, enterprise_slug: 'acme', enterprise_name: 'Other' } });
    t.equal(res.statusCode, 409);
    t.equal(res.json().error_code, 'slug_reservation');
    t.type(res.json().detail, 'string');
  });

  t.test('an errored intent is 409 failed_checkout_intent', async (t) => {
    await insertIntent(db, { user_id: 'u1', stripe_product_id: '', state: 'errored_backoffice' });
    const res = await app.inject({ method: 'POST', url: BASE, headers: await bearer({ user_id: 'u1' }), payload: { quantity: 1 } });
    t.equal(res.statusCode, 409);
    t.equal(res.json().error_code, 'failed_checkout_intent');
  });

  t.test('50 concurrent POSTs for one user and product give one intent and no 5xx', async (t) => {
    const headers = await bearer({ user_id: 'u1' });
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => app.inject({ method: 'POST', url: BASE, headers, payload: { quantity: 2, stripe_product_id: 'prod_a' } })),
    );
    t.same([...new Set(responses.map((res) => res.statusCode))].sort(), [200, 201], 'only 200 and 201');
    t.equal(responses.filter((res) => res.statusCode === 201).length, 1, 'one 201');
    t.equal(new Set(responses.map((res) => res.json().uuid)).size, 1, 'one uuid');
  });
  t.end();
});

t.test('read', async (t) => {
  t.test("the list shows only the caller's intents in the paginated envelope", async (t) => {
    const mine = await insertIntent(db, { user_id: 'u1' });
    await insertIntent(db, { user_id: 'u2' });
    const res = await app.inject({ url: BASE, headers: await bearer({ user_id: 'u1' }) });
    t.equal(res.statusCode, 200);
    t.match(res.json(), { count: 1, next: null, previous: null, results: [{ uuid: mine.uuid }] });
  });

  t.test('the list pages with limit and offset', async (t) => {
    for (const product of ['prod_a', 'prod_b', 'prod_c']) await insertIntent(db, { user_id: 'u1', stripe_product_id: product });
    const res = await app.inject({ url: `${BASE}?limit=2`, headers: await bearer({ user_id: 'u1' }) });
    t.match(res.json(), { count: 3, previous: null, next: `${BASE}?limit=2&offset=2` });
    t.equal(res.json().results.length, 2, 'two on the first page');
  });

  t.test(`a page holds at most ${MAX_INTENTS_PER_PAGE} intents whatever limit asks; next goes on from there`, async (t) => {
    for (let i = 0; i < MAX_INTENTS_PER_PAGE + 2; i += 1) await insertIntent(db, { user_id: 'u1', stripe_product_id: `prod_${i}` });
    const res = await app.inject({ url: `${BASE}?limit=200`, headers: await bearer({ user_id: 'u1' }) });
    t.equal(res.statusCode, 200);
    t.match(res.json(), { count: MAX_INTENTS_PER_PAGE + 2, previous: null, next: `${BASE}?limit=${MAX_INTENTS_PER_PAGE}&offset=${MAX_INTENTS_PER_PAGE}` });
    t.equal(res.json().results.length, MAX_INTENTS_PER_PAGE, `${MAX_INTENTS_PER_PAGE} on the page, not 200`);
    const rest = await app.inject({ url: res.json().next, headers: await bearer({ user_id: 'u1' }) });
    t.match(rest.json(), { next: null, previous: `${BASE}?limit=${MAX_INTENTS_PER_PAGE}&offset=0` });
    t.equal(rest.json().results.length, 2, 'the rest on the next page');
  });

  t.test('an admin filters the list by user_id', async (t) => {
    const theirs = await insertIntent(db, { user_id: 'u2' });
    await insertIntent(db, { user_id: 'u1' });
    const res = await app.inject({ url: `${BASE}?user_id=u2`, headers: await bearer({ user_id: 'root', administrator: true }) });
    t.match(res.json(), { count: 1, results: [{ uuid: theirs.uuid }] });
  });

  t.test("another user's intent is 404; the owner and an admin get it", async (t) => {
    const intent = await insertIntent(db, { user_id: 'u2' });
    const url = `${BASE}${intent.uuid}/`;
    const stranger = await app.inject({ url, headers: await bearer({ user_id: 'u1' }) });
    t.equal(stranger.statusCode, 404);
    t.same(stranger.json(), { detail: 'Not found.' });
    t.equal((await app.inject({ url, headers: await bearer({ user_id: 'u2' }) })).statusCode, 200, 'owner');
    t.equal((await app.inject({ url, headers: await bearer({ user_id: 'root', administrator: true }) })).statusCode, 200, 'admin');
    t.equal((await app.inject({ url: `${BASE}not-a-uuid/`, headers: await bearer({ user_id: 'u2' }) })).statusCode, 404, 'non-uuid → 404');
  });

  t.test('current is 404 when there is none and honours the filters', async (t) => {
    const headers = await bearer({ user_id: 'u1' });
    t.equal((await app.inject({ url: `${BASE}current/`, headers })).statusCode, 404, 'none yet');
    const teams = await insertIntent(db, { user_id: 'u1', stripe_product_id: '', enterprise_slug: 'acme' });
    const academy = await insertIntent(db, { user_id: 'u1', stripe_product_id: 'prod_a', enterprise_slug: 'acme' });
    t.equal((await app.inject({ url: `${BASE}current/?stripe_product_id=`, headers })).json().uuid, teams.uuid, "'' = Teams");
    t.equal((await app.inject({ url: `${BASE}current/?enterprise_slug=acme&stripe_product_id=prod_a`, headers })).json().uuid, academy.uuid, 'product filter');
    t.equal((await app.inject({ url: `${BASE}current/?enterprise_slug=globex`, headers })).statusCode, 404, 'other slug → 404');
  });
  t.end();
});

t.test('transitions', async (t) => {
  t.test('a user token is 403 and nothing changes', async (t) => {
    const intent = await insertIntent(db, { user_id: 'u1' });
    const res = await app.inject({ method: 'POST', url: `${BASE}${intent.uuid}/transitions/`, headers: await bearer({ user_id: 'u1' }), payload: { state: 'paid', stripe_checkout_session_id: 'cs_1' } });
    t.equal(res.statusCode, 403);
    t.equal((await useCases.intents.findByUuid(intent.uuid))?.state, 'created', 'still created');
  });

  t.test('an admin marks paid (200) and an illegal transition is 422 invalid_state_transition', async (t) => {
    const intent = await insertIntent(db, { user_id: 'u1' });
    const headers = await bearer({ user_id: 'svc', administrator: true });
    const url = `${BASE}${intent.uuid}/transitions/`;
    const paid = await app.inject({ method: 'POST', url, headers, payload: { state: 'paid', stripe_checkout_session_id: 'cs_1', stripe_customer_id: 'cus_1' } });
    t.equal(paid.statusCode, 200);
    t.match(paid.json(), { state: 'paid', stripe_checkout_session_id: 'cs_1', stripe_customer_id: 'cus_1' });
    const illegal = await app.inject({ method: 'POST', url, headers, payload: { state: 'expired' } });
    t.equal(illegal.statusCode, 422);
    t.same(illegal.json(), { error_code: 'invalid_state_transition', detail: 'Cannot transition checkout intent from paid to expired.' });
  });

  t.test('an unknown state is 400 and an unknown intent is 404', async (t) => {
    const headers = await bearer({ user_id: 'svc', administrator: true });
    const intent = await insertIntent(db, { user_id: 'u1' });
    t.equal((await app.inject({ method: 'POST', url: `${BASE}${intent.uuid}/transitions/`, headers, payload: { state: 'done' } })).statusCode, 400);
    t.equal((await app.inject({ method: 'POST', url: `${BASE}00000000-0000-4000-8000-000000000000/transitions/`, headers, payload: { state: 'paid', stripe_checkout_session_id: 'cs' } })).statusCode, 404);
  });
  t.end();
});

t.test('Stripe webhook', async (t) => {
  const WEBHOOK = '/api/v1/stripe/webhook';
  /** A paid session for the intent, as this service's own session creation would have set it up. */
  const completed = (intent: { uuid: string; user_id: string; stripe_product_id: string; quantity: number }, session = 'cs_live_1', customer: unknown = 'cus_1') =>
    JSON.stringify({
      id: `evt_${session}`,
      object: 'event',
      type: 'checkout.session.completed',
      data: {
        object: {
          id: session,
          object: 'checkout.session',
          client_reference_id: intent.uuid,
          customer,
          payment_status: 'paid',
          currency: 'usd',
          amount_total: intent.quantity * 9900,
          metadata: { intent_uuid: intent.uuid, user_id: intent.user_id, stripe_product_id: intent.stripe_product_id, quantity: String(intent.quantity) },
        },
      },
    });
  const unknownIntent = { uuid: '00000000-0000-4000-8000-000000000000', user_id: 'u1', stripe_product_id: 'prod_academy', quantity: 1 };
  const signed = (payload: string, secret = WEBHOOK_SECRET) => ({
    'content-type': 'application/json; charset=utf-8',
    'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret }),
  });
  const post = (payload: string, headers: Record<string, string>, target = app) => target.inject({ method: 'POST', url: WEBHOOK, payload, headers });

  t.test('a signed checkout.session.completed marks the intent paid with the session and customer ids', async (t) => {
    const intent = await insertIntent(db, {});
    const payload = completed(intent);
    const res = await post(payload, signed(payload));
    t.equal(res.statusCode, 200);
    t.same(res.json(), { received: true });
    t.match(await useCases.intents.findByUuid(intent.uuid), { state: 'paid', stripeCheckoutSessionId: 'cs_live_1', stripeCustomerId: 'cus_1' });
  });

  t.test('a replayed event changes nothing', async (t) => {
    const intent = await insertIntent(db, {});
    const payload = completed(intent);
    await post(payload, signed(payload));
    const afterFirst = await useCases.intents.findByUuid(intent.uuid);
    clock.advanceMinutes(1);
    const replay = await post(payload, signed(payload));
    t.equal(replay.statusCode, 200, 'acknowledged');
    t.same(await useCases.intents.findByUuid(intent.uuid), afterFirst, 'row identical, modified included');
  });

  t.test('a tampered payload is 400 and the intent is unchanged', async (t) => {
    const intent = await insertIntent(db, {});
    const payload = completed(intent);
    const res = await post(payload.replace('cus_1', 'cus_evil'), signed(payload));
    t.equal(res.statusCode, 400);
    t.equal(res.json().error_code, 'invalid_signature');
    t.equal((await useCases.intents.findByUuid(intent.uuid))?.state, 'created', 'still created');
  });

  t.test('a missing signature or one made with another secret is 400', async (t) => {
    const intent = await insertIntent(db, {});
    const payload = completed(intent);
    t.equal((await post(payload, { 'content-type': 'application/json' })).statusCode, 400, 'no header');
    t.equal((await post(payload, signed(payload, 'whsec_other'))).statusCode, 400, 'other secret');
    t.equal((await useCases.intents.findByUuid(intent.uuid))?.state, 'created', 'still created');
  });

  t.test('an event for an unknown intent is acknowledged with 200 so Stripe stops retrying', async (t) => {
    const payload = completed(unknownIntent);
    t.equal((await post(payload, signed(payload))).statusCode, 200);
  });

  t.test('an expired intent that Stripe reports paid is reopened and marked paid', async (t) => {
    const intent = await insertIntent(db, { state: 'expired' });
    const payload = completed(intent, 'cs_late', { id: 'cus_obj', object: 'customer' });
    t.equal((await post(payload, signed(payload))).statusCode, 200);
    t.match(await useCases.intents.findByUuid(intent.uuid), { state: 'paid', stripeCustomerId: 'cus_obj' });
  });

  t.test('a late event for a fulfilled intent leaves it fulfilled', async (t) => {
    const intent = await insertIntent(db, { state: 'fulfilled', stripe_checkout_session_id: 'cs_live_1' });
    const payload = completed(intent);
    t.equal((await post(payload, signed(payload))).statusCode, 200);
    t.equal((await useCases.intents.findByUuid(intent.uuid))?.state, 'fulfilled');
  });

  t.test('a second payment for a paid intent is acknowledged but does not overwrite the first', async (t) => {
    const intent = await insertIntent(db, { state: 'paid', stripe_checkout_session_id: 'cs_first' });
    const payload = completed(intent, 'cs_second');
    t.equal((await post(payload, signed(payload))).statusCode, 200);
    t.equal((await useCases.intents.findByUuid(intent.uuid))?.stripeCheckoutSessionId, 'cs_first');
  });

  t.test('price.* and product.* events drop the price cache; other events are ignored', async (t) => {
    const before = priceCache.invalidations;
    for (const type of ['price.updated', 'product.deleted', 'invoice.paid']) {
      const payload = JSON.stringify({ id: `evt_${type}`, object: 'event', type, data: { object: {} } });
      t.equal((await post(payload, signed(payload))).statusCode, 200, `${type} acknowledged`);
    }
    t.equal(priceCache.invalidations - before, 2, 'two invalidations, none for invoice.paid');
  });

  t.test('without STRIPE_WEBHOOK_SECRET the webhook answers 503', async (t) => {
    const unconfigured = await setup({ webhookSecret: null });
    const payload = completed(unknownIntent);
    const res = await post(payload, signed(payload), unconfigured);
    t.equal(res.statusCode, 503);
    t.equal(res.json().error_code, 'webhook_not_configured');
  });
  t.end();
});

function unsignedToken(claims: JWTPayload): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}
