/**
 * Issue 14: one Stripe event delivered ten times at once takes effect exactly once. The deliveries go over
 * a real socket to the listening app, each in its own transaction on its own pooled connection (a pool of
 * 12 on the PostgreSQL server when TEST_DATABASE_URL is set), so they really race for the stripe_events row.
 */
import t from 'tap';
import Stripe from 'stripe';
import { createDatabase } from '../../src/adapters/postgres/database.ts';
import { checkoutHarness, ACADEMY_PRICE, ACADEMY_PRODUCT, WEBHOOK_SECRET } from '../helpers/checkout-session-harness.ts';
import { checkoutSessionEvent } from '../helpers/fake-stripe-checkout.ts';
import { insertIntent, manualClock } from '../helpers/checkout-intents.ts';
import { createTestDatabase, insertAcademy } from '../helpers/test-database.ts';

const DELIVERIES = 10;
const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
t.comment(`database: ${testDb.kind}`);
// Enough connections for every delivery to hold its own transaction at once (PGlite has one: it serialises).
const wide = testDb.url ? await createDatabase({ databaseUrl: testDb.url, poolMax: DELIVERIES + 2 }) : null;
t.teardown(() => wide?.close());
const db = wide?.db ?? testDb.db;
const harness = await checkoutHarness(db, manualClock(new Date()));
t.teardown(() => harness.close());
const { app, fake } = harness;
const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });

await insertAcademy(db, { name: 'Concurrent AI', stripe_product_id: ACADEMY_PRODUCT, stripe_price_lookup_key: String(ACADEMY_PRICE['lookup_key']) });

async function intentWithSession(userId: string): Promise<{ uuid: string; sessionId: string }> {
  const intent = await insertIntent(db, { user_id: userId, stripe_product_id: ACADEMY_PRODUCT, quantity: 2, expires_at: new Date(Date.now() + 20 * 3_600_000) });
  const res = await fetch(`${baseUrl}/api/v1/checkout-intents/${intent.uuid}/checkout-session/`, { method: 'POST', headers: await harness.bearer(userId) });
  t.equal(res.status, 201, 'a session is made');
  return { uuid: intent.uuid, sessionId: ((await res.json()) as { id: string }).id };
}

/** The same signed bytes sent DELIVERIES times at once, as Stripe's retries and a slow acknowledgement can. */
async function deliverAtOnce(event: object): Promise<number[]> {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
  const responses = await Promise.all(
    Array.from({ length: DELIVERIES }, () =>
      fetch(`${baseUrl}/api/v1/stripe/webhook`, { method: 'POST', headers: { 'stripe-signature': signature, 'content-type': 'application/json' }, body: payload }),
    ),
  );
  return Promise.all(responses.map(async (res) => (await res.text(), res.status)));
}

t.test('ten concurrent deliveries of one completed event mark the intent paid exactly once', async (t) => {
  const { uuid, sessionId } = await intentWithSession('learner-1');
  const event = checkoutSessionEvent('checkout.session.completed', fake.checkout.complete(sessionId), 'evt_concurrent_completed');
  t.same(await deliverAtOnce(event), Array(DELIVERIES).fill(200), 'every delivery is acknowledged');
  t.equal(await harness.webhookCount('checkout.session.completed', 'marked_paid'), 1, 'one delivery took effect');
  t.equal(await harness.webhookCount('checkout.session.completed', 'duplicate'), DELIVERIES - 1, 'the others found it done');
  const rows = await db.selectFrom('stripe_events').selectAll().where('event_id', '=', 'evt_concurrent_completed').execute();
  t.match(rows, [{ outcome: 'marked_paid', checkout_session_id: sessionId }], 'one record, with the effect that was made');
  t.equal((await db.selectFrom('checkout_intents').select('state').where('uuid', '=', uuid).executeTakeFirstOrThrow()).state, 'paid');
});

t.test('ten concurrent deliveries of one async_payment_failed event record the failure once', async (t) => {
  const { uuid, sessionId } = await intentWithSession('learner-2');
  const event = checkoutSessionEvent('checkout.session.async_payment_failed', fake.checkout.complete(sessionId, { paymentStatus: 'unpaid' }), 'evt_concurrent_failed');
  t.same(await deliverAtOnce(event), Array(DELIVERIES).fill(200), 'every delivery is acknowledged');
  t.equal(await harness.webhookCount('checkout.session.async_payment_failed', 'payment_failed'), 1, 'one delivery took effect');
  t.equal(await harness.webhookCount('checkout.session.async_payment_failed', 'duplicate'), DELIVERIES - 1, 'the others were duplicates');
  t.equal(await harness.webhookCount('checkout.session.async_payment_failed', 'stale_session'), 0, 'none ran after the first as a no-op effect');
  const intent = await db.selectFrom('checkout_intents').selectAll().where('uuid', '=', uuid).executeTakeFirstOrThrow();
  t.match(intent, { state: 'created', stripe_checkout_session_id: null, last_checkout_error: /failed/ }, 'payable again, the failure kept');
});
