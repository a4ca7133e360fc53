/**
 * Issue 15, finding 3: a correctly signed `checkout.session.completed` marked an intent paid without
 * looking at the payment. Every event here is signed as Stripe signs it (the SDK's own helper) and sent
 * over HTTP to the real route, use case and database; the intent must move only when the session
 * proves it was paid for, by this intent's owner, for this product, quantity and amount.
 */
import { Writable } from 'node:stream';
import t, { type Test } from 'tap';
import Stripe from 'stripe';
import { stripeWebhookVerifier } from '../../src/adapters/stripe/webhook-events.ts';
import { sessionProductMetadata } from '../../src/domain/checkout-intent.ts';
import { createLogger } from '../../src/adapters/logging/pino-logger.ts';
import { PriceSourceUnavailable } from '../../src/application/ports/price-source.ts';
import { makeReceiveStripeWebhook } from '../../src/application/stripe-webhook.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { insertIntent, intentUseCases, manualClock } from '../helpers/checkout-intents.ts';
import { fakePriceSource, usdPrice } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
t.comment(`database: ${testDb.kind}`);
const { db } = testDb;

const SECRET = 'whsec_payment_attack';
const clock = manualClock(new Date());
const useCases = intentUseCases(db, clock);
// prod_academy sells at 99.00 USD a seat; prod_free at 0; the Teams price (when configured) at 50.00 USD.
const prices = fakePriceSource([usdPrice('academy', 9900), usdPrice('free', 0), { ...usdPrice('teams', 5000), productId: 'prod_teams' }]);
const academies = inMemoryAcademyRepository([
  { stripeProductId: 'prod_academy', stripePriceLookupKey: 'academy' },
  { stripeProductId: 'prod_free', stripePriceLookupKey: 'free' },
  { stripeProductId: 'prod_unpriced', stripePriceLookupKey: null },
]);

let logText = '';
const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logText += chunk.toString();
    done();
  },
});

async function appWith(options: { teamsPriceLookupKey?: string } = {}) {
  const app = await buildTestApp({
    academies: inMemoryAcademyRepository(),
    prices: fakePriceSource([]),
    checkoutIntents: {
      ...useCases,
      receiveStripeWebhook: makeReceiveStripeWebhook({
        verifier: stripeWebhookVerifier(SECRET),
        unitOfWork: useCases.unitOfWork,
        priceCache: { async invalidate() {} },
        prices,
        academies,
        teamsPriceLookupKey: options.teamsPriceLookupKey,
        clock,
        logger: createLogger('info', logStream),
      }),
    },
  });
  t.teardown(() => app.close());
  return app;
}
const app = await appWith();

type Row = Awaited<ReturnType<typeof insertIntent>>;

/**
 * A session shaped like ../shared/fixtures/stripe/event-checkout-session-completed.json, paid in full
 * for `intent`, with the metadata this service's own session creation sets; `changes` overrides fields.
 */
function session(intent: Row, changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'cs_test_a1Q7academyYearlySession0001',
    object: 'checkout.session',
    amount_subtotal: intent.quantity * 9900,
    amount_total: intent.quantity * 9900,
    client_reference_id: intent.uuid,
    currency: 'usd',
    customer: 'cus_Q7learner0001',
    customer_details: { email: 'learner@example.com', name: 'A Learner' },
    metadata: { intent_uuid: intent.uuid, user_id: intent.user_id, stripe_product_id: sessionProductMetadata(intent.stripe_product_id), quantity: String(intent.quantity) },
    mode: 'subscription',
    payment_link: null,
    payment_status: 'paid',
    status: 'complete',
    subscription: 'sub_1Q7academy0001',
    ...changes,
  };
}

let eventNumber = 0;
async function deliver(object: Record<string, unknown>, type = 'checkout.session.completed', target = app) {
  eventNumber += 1;
  const payload = JSON.stringify({ id: `evt_pay_${eventNumber}`, object: 'event', api_version: '2025-10-29.clover', type, data: { object } });
  const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
  return target.inject({ method: 'POST', url: '/api/v1/stripe/webhook', headers: { 'stripe-signature': header, 'content-type': 'application/json' }, payload });
}

const stored = (uuid: string) => db.selectFrom('checkout_intents').selectAll().where('uuid', '=', uuid).executeTakeFirstOrThrow();

/** Delivers the event and checks it was acknowledged (Stripe must stop retrying) and changed no state. */
async function refused(t: Test, intent: Row, object: Record<string, unknown>, reason: RegExp, type?: string) {
  const res = await deliver(object, type);
  t.equal(res.statusCode, 200, 'acknowledged: a retry could not change the verdict');
  const after = await stored(intent.uuid);
  t.equal(after.state, intent.state, 'state unchanged');
  t.equal(after.stripe_checkout_session_id, intent.stripe_checkout_session_id, 'no session id stored');
  t.equal(after.stripe_customer_id, intent.stripe_customer_id, 'no customer id stored');
  if (intent.state !== 'paid') t.match(after.last_checkout_error, reason, 'the reason is kept for support');
  return after;
}

t.beforeEach(async () => {
  clock.set(new Date());
  prices.failWith = null;
  logText = '';
  await db.deleteFrom('checkout_intents').execute();
});

t.test("the issue's attack: completed with payment_status unpaid and amount_total 1 for quantity 3 does not mark paid", async (t) => {
  const intent = await insertIntent(db, { quantity: 3 });
  const res = await deliver(session(intent, { payment_status: 'unpaid', amount_total: 1 }));
  t.equal(res.statusCode, 200);
  const after = await stored(intent.uuid);
  t.equal(after.state, 'created', 'still created');
  t.equal(after.stripe_checkout_session_id, null);
});

t.test('a paid session for the wrong amount, or in another currency, is refused and recorded', async (t) => {
  const intent = await insertIntent(db, { quantity: 3 });
  await refused(t, intent, session(intent, { amount_total: 1 }), /amount_total 1 is not quantity × unit_amount = 29700/);
  await refused(t, intent, session(intent, { amount_total: 9900 }), /amount_total 9900/);
  await refused(t, intent, session(intent, { amount_total: null }), /amount_total missing/);
  await refused(t, intent, session(intent, { currency: 'jpy' }), /currency/);
  t.match(logText, /"outcome":"payment_refused"/, 'logged as refused');
});

t.test('a session made by a Payment Link (client_reference_id from the URL, none of our metadata) is refused', async (t) => {
  const intent = await insertIntent(db, { quantity: 1 });
  await refused(t, intent, session(intent, { metadata: {}, payment_link: 'plink_1' }), /metadata intent_uuid/);
});

t.test('each server-set metadata key must name this intent', async (t) => {
  const intent = await insertIntent(db, { quantity: 2, user_id: 'owner' });
  const good = session(intent).metadata as Record<string, string>;
  const wrong: Record<string, string> = {
    intent_uuid: '00000000-0000-4000-8000-000000000000',
    user_id: 'attacker',
    stripe_product_id: 'prod_free',
    quantity: '1',
  };
  for (const [key, value] of Object.entries(wrong)) {
    const metadata = { ...good, [key]: value };
    if (key === 'intent_uuid') {
      // The metadata names another (unknown) intent: this one is not even looked at.
      t.equal((await deliver(session(intent, { metadata }))).statusCode, 200);
      t.same(await stored(intent.uuid), intent, 'untouched');
    } else {
      await refused(t, intent, session(intent, { metadata }), new RegExp(`metadata ${key}`));
    }
    const { [key]: _dropped, ...without } = good;
    await refused(t, intent, session(intent, { metadata: without }), new RegExp(`metadata ${key}`));
  }
  await refused(t, intent, session(intent, { metadata: { ...good, quantity: 2 } }), /metadata quantity/);
  await refused(t, intent, session(intent, { client_reference_id: '00000000-0000-4000-8000-000000000000' }), /client_reference_id/);
  t.equal((await stored(intent.uuid)).state, 'created');
});

t.test('an event without a session id is refused and never stores "undefined"', async (t) => {
  const intent = await insertIntent(db, {});
  const { id: _id, ...withoutId } = session(intent);
  await refused(t, intent, withoutId, /no checkout session id/);
  await refused(t, intent, session(intent, { id: 'cs_\u0000x' }), /no checkout session id/);
  await refused(t, intent, session(intent, { id: 42 }), /no checkout session id/);
  const rows = await db.selectFrom('checkout_intents').select('stripe_checkout_session_id').where('stripe_checkout_session_id', '=', 'undefined').execute();
  t.equal(rows.length, 0);
});

t.test('a delayed payment waits: completed+unpaid changes nothing, async_payment_succeeded marks paid', async (t) => {
  const intent = await insertIntent(db, { quantity: 2 });
  const res = await deliver(session(intent, { payment_status: 'unpaid' }));
  t.equal(res.statusCode, 200);
  const waiting = await stored(intent.uuid);
  t.same(waiting, intent, 'the row is untouched (not even a note: nothing is wrong yet)');
  t.match(logText, /"outcome":"awaiting_payment"/);

  const succeeded = await deliver(session(intent, { payment_status: 'paid' }), 'checkout.session.async_payment_succeeded');
  t.equal(succeeded.statusCode, 200);
  t.match(await stored(intent.uuid), { state: 'paid', stripe_checkout_session_id: 'cs_test_a1Q7academyYearlySession0001', stripe_customer_id: 'cus_Q7learner0001' });
});

t.test('async_payment_succeeded is verified like completed', async (t) => {
  const intent = await insertIntent(db, { quantity: 2 });
  await refused(t, intent, session(intent, { amount_total: 100 }), /amount_total/, 'checkout.session.async_payment_succeeded');
  await refused(t, intent, session(intent, { payment_status: 'unpaid' }), /payment_status is unpaid/, 'checkout.session.async_payment_succeeded');
});

t.test('a session shaped like the fixture, paid in full with our metadata, marks the intent paid once', async (t) => {
  const intent = await insertIntent(db, { quantity: 2, last_checkout_error: 'an earlier refusal' });
  t.equal((await deliver(session(intent))).statusCode, 200);
  const paid = await stored(intent.uuid);
  t.match(paid, { state: 'paid', stripe_checkout_session_id: 'cs_test_a1Q7academyYearlySession0001' });
  clock.advanceMinutes(1);
  t.equal((await deliver(session(intent))).statusCode, 200, 'a replay is acknowledged');
  t.same(await stored(intent.uuid), paid, 'and changes nothing');
  t.match(logText, /"outcome":"marked_paid"/);
});

t.test('a refused event for an intent that is already paid leaves the row exactly as it was', async (t) => {
  const intent = await insertIntent(db, { state: 'paid', stripe_checkout_session_id: 'cs_first', stripe_customer_id: 'cus_first' });
  const res = await deliver(session(intent, { id: 'cs_second', amount_total: 1 }));
  t.equal(res.statusCode, 200);
  t.same(await stored(intent.uuid), intent, 'modified included: the stalled-fulfilment clock is not reset');
});

t.test('no_payment_required is accepted only when nothing is owed', async (t) => {
  const free = await insertIntent(db, { stripe_product_id: 'prod_free', quantity: 5 });
  t.equal((await deliver(session(free, { payment_status: 'no_payment_required', amount_total: 0 }))).statusCode, 200);
  t.equal((await stored(free.uuid)).state, 'paid', 'a free price: paid');

  const priced = await insertIntent(db, { quantity: 1 });
  await refused(t, priced, session(priced, { payment_status: 'no_payment_required', amount_total: 0 }), /no_payment_required but the intent has an amount to pay/);
  await refused(t, priced, session(priced, { payment_status: 'something_new' }), /payment_status is not a known status/);
  await refused(t, priced, session(priced, { payment_status: null }), /payment_status is missing/);
});

t.test('an intent whose amount cannot be known is refused, not trusted', async (t) => {
  const unknownProduct = await insertIntent(db, { stripe_product_id: 'prod_made_up' });
  await refused(t, unknownProduct, session(unknownProduct), /no academy sells this stripe_product_id/);
  const unpriced = await insertIntent(db, { stripe_product_id: 'prod_unpriced' });
  await refused(t, unpriced, session(unpriced), /no price lookup key/);
});

t.test('a Teams intent: refused while TEAMS_STRIPE_PRICE_LOOKUP_KEY is unset, paid against that price when set', async (t) => {
  const teams = await insertIntent(db, { stripe_product_id: '', quantity: 4 });
  const paidSession = session(teams, { amount_total: 4 * 5000, amount_subtotal: 4 * 5000 });
  await refused(t, teams, paidSession, /TEAMS_STRIPE_PRICE_LOOKUP_KEY/);
  const withTeamsPrice = await appWith({ teamsPriceLookupKey: 'teams' });
  t.equal((await deliver(session(teams, { amount_total: 4 * 9900 }), undefined, withTeamsPrice)).statusCode, 200);
  t.equal((await stored(teams.uuid)).state, 'created', 'the academy amount is not the Teams amount');
  t.equal((await deliver(paidSession, undefined, withTeamsPrice)).statusCode, 200);
  t.equal((await stored(teams.uuid)).state, 'paid');
});

t.test("a Teams session's stripe_product_id must be the Teams marker; an academy session's never is", async (t) => {
  const withTeamsPrice = await appWith({ teamsPriceLookupKey: 'teams' });
  const teams = await insertIntent(db, { stripe_product_id: '', quantity: 2 });
  const paidTeams = session(teams, { amount_total: 2 * 5000, amount_subtotal: 2 * 5000 });
  const metadata = paidTeams['metadata'] as Record<string, string>;
  const { stripe_product_id: _marker, ...withoutProduct } = metadata;
  for (const [what, changed] of [
    ['without the key (what Stripe keeps of an empty value)', withoutProduct],
    ['with an empty value', { ...metadata, stripe_product_id: '' }],
    ['naming an academy product', { ...metadata, stripe_product_id: 'prod_academy' }],
  ] as const) {
    const res = await deliver({ ...paidTeams, metadata: changed }, undefined, withTeamsPrice);
    t.equal(res.statusCode, 200, `${what}: acknowledged`);
    const after = await stored(teams.uuid);
    t.equal(after.state, 'created', `${what}: refused`);
    t.match(after.last_checkout_error, /metadata stripe_product_id/, `${what}: the reason names the key`);
  }
  const academy = await insertIntent(db, { stripe_product_id: 'prod_academy', user_id: 'academy-learner' });
  await refused(t, academy, session(academy, { metadata: { ...(session(academy)['metadata'] as object), stripe_product_id: sessionProductMetadata('') } }), /metadata stripe_product_id/);
});

t.test('a price source that cannot answer is a 502 so Stripe retries; nothing changes meanwhile', async (t) => {
  const intent = await insertIntent(db, {});
  prices.failWith = new PriceSourceUnavailable('stripe is down');
  const res = await deliver(session(intent));
  t.equal(res.statusCode, 502);
  t.same(await stored(intent.uuid), intent);
  prices.failWith = null;
  t.equal((await deliver(session(intent))).statusCode, 200, 'the retry succeeds');
  t.equal((await stored(intent.uuid)).state, 'paid');
});

t.test('an event naming no intent, or an unknown one, is acknowledged and changes nothing', async (t) => {
  const intent = await insertIntent(db, {});
  t.equal((await deliver(session(intent, { client_reference_id: null, metadata: {} }))).statusCode, 200);
  const stranger = { uuid: '00000000-0000-4000-8000-000000000000', user_id: 'u1', stripe_product_id: 'prod_academy', quantity: 1 } as Row;
  t.equal((await deliver(session(stranger))).statusCode, 200);
  t.same(await stored(intent.uuid), intent);
  t.match(logText, /"outcome":"unknown_intent"/);
});

t.test('the intent can be named by the server-set metadata alone, never by client_reference_id alone', async (t) => {
  const intent = await insertIntent(db, {});
  t.equal((await deliver(session(intent, { client_reference_id: null }))).statusCode, 200);
  t.equal((await stored(intent.uuid)).state, 'paid');
});
