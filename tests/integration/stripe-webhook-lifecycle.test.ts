import t from 'tap';
import { checkoutRig, ACADEMY_PRODUCT } from '../helpers/checkout-session-harness.ts';
import { checkoutSessionEvent } from '../helpers/fake-stripe-checkout.ts';
import { insertIntent } from '../helpers/checkout-intents.ts';

// Issue 14: the webhook follows a Checkout Session's life (expired, async_payment_failed, completed), and
// each Stripe event takes effect once. Sessions are made through the real route and the real SDK against
// the fake Stripe; events are shaped like the fixtures' event-checkout-session-*.json and signed as Stripe signs.
const { db, clock, harness } = await checkoutRig(t, 'Lifecycle AI');
const { app, fake } = harness;

const intentRow = (uuid: string) => db.selectFrom('checkout_intents').selectAll().where('uuid', '=', uuid).executeTakeFirstOrThrow();
const eventRows = (id: string) => db.selectFrom('stripe_events').selectAll().where('event_id', '=', id).execute();

/** A created intent of learner-1 holding a session made through POST …/checkout-session/. */
async function intentWithSession(quantity = 2) {
  const intent = await insertIntent(db, { user_id: 'learner-1', stripe_product_id: ACADEMY_PRODUCT, quantity, expires_at: new Date(Date.now() + 20 * 3_600_000) });
  const session = await newSession(intent.uuid);
  return { intent, sessionId: session.id };
}

async function newSession(uuid: string): Promise<{ id: string; status: number }> {
  const res = await app.inject({ method: 'POST', url: `/api/v1/checkout-intents/${uuid}/checkout-session/`, headers: await harness.bearer('learner-1') });
  return { id: res.json<{ id: string }>().id, status: res.statusCode };
}

const wireSession = (id: string) => {
  const session = fake.checkout.sessions.get(id);
  if (!session) throw new Error(`no session ${id}`);
  return session;
};

t.beforeEach(async () => {
  clock.set(new Date());
  await db.deleteFrom('checkout_intents').execute();
});

t.test('checkout.session.expired clears the intent\'s session, and a new one can then be made', async (t) => {
  const { intent, sessionId } = await intentWithSession();
  const event = checkoutSessionEvent('checkout.session.expired', fake.checkout.expire(sessionId));
  const res = await harness.deliver(event);
  t.equal(res.statusCode, 200, 'acknowledged');
  const after = await intentRow(intent.uuid);
  t.equal(after.stripe_checkout_session_id, null, 'the session is forgotten');
  t.equal(after.state, 'created', 'the intent stays payable');
  t.match(await eventRows(String(event['id'])), [{ type: 'checkout.session.expired', checkout_session_id: sessionId, outcome: 'session_cleared' }], 'the event is recorded with what it did');
  t.equal(await harness.webhookCount('checkout.session.expired', 'session_cleared'), 1, 'counted by type and outcome');

  const next = await newSession(intent.uuid);
  t.equal(next.status, 201, 'a new session is made');
  t.not(next.id, sessionId, 'a different one');
  t.equal((await intentRow(intent.uuid)).checkout_session_attempts, 2, 'attempt 2');
});

t.test('checkout.session.async_payment_failed records the error and leaves the intent payable', async (t) => {
  const { intent, sessionId } = await intentWithSession();
  fake.checkout.complete(sessionId, { paymentStatus: 'unpaid' });
  t.equal((await newSession(intent.uuid)).status, 409, 'while the delayed payment is processing, no new session');
  const res = await harness.deliver(checkoutSessionEvent('checkout.session.async_payment_failed', wireSession(sessionId)));
  t.equal(res.statusCode, 200, 'acknowledged');
  const after = await intentRow(intent.uuid);
  t.equal(after.state, 'created', 'still created');
  t.match(after.last_checkout_error, new RegExp(`payment of Stripe Checkout Session ${sessionId} failed`), 'the failure is kept for support');
  t.equal(after.stripe_checkout_session_id, null, 'the failed session is forgotten');
  t.equal((await newSession(intent.uuid)).status, 201, 'the learner can try again with a new session');
});

t.test('an event about a session that is not the intent\'s current one changes nothing', async (t) => {
  const { intent, sessionId: current } = await intentWithSession();
  const before = await intentRow(intent.uuid);
  const other = { ...wireSession(current), id: 'cs_test_an0therSession0001', status: 'expired' };
  for (const type of ['checkout.session.expired', 'checkout.session.async_payment_failed']) {
    const res = await harness.deliver(checkoutSessionEvent(type, other));
    t.equal(res.statusCode, 200, `${type}: acknowledged`);
    t.same(await intentRow(intent.uuid), before, `${type}: the intent is untouched`);
    t.equal(await harness.webhookCount(type, 'stale_session'), 1, `${type}: counted as stale_session`);
  }
});

t.test('an expired arriving after completed never moves a paid intent back', async (t) => {
  const { intent, sessionId } = await intentWithSession(3);
  const completed = fake.checkout.complete(sessionId, { customer: 'cus_lifecycle' });
  t.equal((await harness.deliver(checkoutSessionEvent('checkout.session.completed', completed))).statusCode, 200);
  const paid = await intentRow(intent.uuid);
  t.match(paid, { state: 'paid', stripe_checkout_session_id: sessionId, stripe_customer_id: 'cus_lifecycle' }, 'completed marks it paid');

  const late = checkoutSessionEvent('checkout.session.expired', { ...completed, status: 'expired' });
  t.equal((await harness.deliver(late)).statusCode, 200, 'the late expired is acknowledged');
  t.same(await intentRow(intent.uuid), paid, 'the paid intent keeps its state and session');
  t.match(await eventRows(String(late['id'])), [{ outcome: 'stale_session' }], 'recorded as changing nothing');
});

t.test('a redelivered event takes effect once: the second delivery is a recorded no-op', async (t) => {
  const { intent, sessionId } = await intentWithSession();
  const event = checkoutSessionEvent('checkout.session.async_payment_failed', wireSession(sessionId), 'evt_redelivered_0001');
  t.equal((await harness.deliver(event)).statusCode, 200);
  const afterFirst = await intentRow(intent.uuid);
  // The learner makes a new session; a replay of the old failure must not clear it or overwrite the error.
  const next = await newSession(intent.uuid);
  await db.updateTable('checkout_intents').set({ last_checkout_error: null }).where('uuid', '=', intent.uuid).execute();
  await db.updateTable('checkout_intents').set({ stripe_checkout_session_id: sessionId }).where('uuid', '=', intent.uuid).execute();
  t.equal((await harness.deliver(event)).statusCode, 200, 'the redelivery is acknowledged');
  const afterReplay = await intentRow(intent.uuid);
  t.equal(afterReplay.stripe_checkout_session_id, sessionId, 'the replay did not clear the session again');
  t.equal(afterReplay.last_checkout_error, null, 'nor record the error again');
  t.ok(afterFirst.last_checkout_error, 'the first delivery did record it');
  t.ok(next.id, 'a second session had been made in between');
  t.equal((await eventRows('evt_redelivered_0001')).length, 1, 'one row for the event id');
  t.equal(await harness.webhookCount('checkout.session.async_payment_failed', 'duplicate'), 1, 'the replay is counted as duplicate');
});

t.test('events the service does not act on are acknowledged and counted as other', async (t) => {
  const event = { ...checkoutSessionEvent('customer.subscription.created', { id: 'sub_1' }), id: 'evt_ignored_0001' };
  const res = await harness.deliver(event);
  t.equal(res.statusCode, 200, '2xx for an ignored event');
  t.same(JSON.parse(res.body), { received: true });
  t.equal(await harness.webhookCount('other', 'ignored'), 1, 'its type is labelled other, whatever it was');
  t.equal(await harness.webhookCount('customer.subscription.created', 'ignored'), 0, 'no label per unknown type');
  t.same(await eventRows('evt_ignored_0001'), [], 'and not recorded: it has no effect to make once');
});

t.test('price and product events share one label, whatever their exact type', async (t) => {
  for (const type of ['price.updated', 'product.deleted']) {
    t.equal((await harness.deliver({ ...checkoutSessionEvent(type, { id: 'price_1' }), id: `evt_${type}` })).statusCode, 200, `${type}: acknowledged`);
  }
  t.equal(await harness.webhookCount('catalogue', 'prices_invalidated'), 2, 'both counted under catalogue');
});

t.test('a delivery with a bad signature is counted as unverified and refused', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/stripe/webhook',
    headers: { 'stripe-signature': 't=1,v1=00', 'content-type': 'application/json' },
    payload: '{}',
  });
  t.equal(res.statusCode, 400);
  t.equal(await harness.webhookCount('unverified', 'invalid_signature'), 1, 'counted');
});

t.test('a refused payment of the current session lets it go: the learner can pay again (a refund is for support)', async (t) => {
  const { intent, sessionId } = await intentWithSession(1);
  // The learner changed the quantity in another tab, then paid the session made for the old one.
  await db.updateTable('checkout_intents').set({ quantity: 2 }).where('uuid', '=', intent.uuid).execute();
  const res = await harness.deliver(checkoutSessionEvent('checkout.session.completed', fake.checkout.complete(sessionId)));
  t.equal(res.statusCode, 200, 'acknowledged');
  const after = await intentRow(intent.uuid);
  t.equal(after.state, 'created', 'not paid: the session does not match the intent');
  t.equal(after.stripe_checkout_session_id, null, 'the refused session is no longer the intent\'s');
  t.match(after.last_checkout_error, /quantity/, 'why, for support');
  t.equal(await harness.webhookCount('checkout.session.completed', 'payment_refused'), 1, 'counted as refused');
  const next = await newSession(intent.uuid);
  t.equal(next.status, 201, 'a new session can be made (it was a 409 for good)');
});

t.test('a payment after an earlier failed attempt clears the stale last checkout error', async (t) => {
  const { intent, sessionId } = await intentWithSession();
  fake.checkout.complete(sessionId, { paymentStatus: 'unpaid' });
  await harness.deliver(checkoutSessionEvent('checkout.session.async_payment_failed', wireSession(sessionId)));
  t.match((await intentRow(intent.uuid)).last_checkout_error, /failed/, 'the failure is recorded');
  const second = await newSession(intent.uuid);
  t.equal(second.status, 201);
  await harness.deliver(checkoutSessionEvent('checkout.session.completed', fake.checkout.complete(second.id)));
  const after = await intentRow(intent.uuid);
  t.equal(after.state, 'paid', 'paid');
  t.equal(after.last_checkout_error, null, 'the earlier failure is no longer shown as the last error');
});

t.test('a second, different paid session for a fulfilled intent is a payment conflict, not a quiet replay', async (t) => {
  const { intent, sessionId } = await intentWithSession();
  await harness.deliver(checkoutSessionEvent('checkout.session.completed', fake.checkout.complete(sessionId)));
  await db.updateTable('checkout_intents').set({ state: 'fulfilled' }).where('uuid', '=', intent.uuid).execute();
  const other = { ...wireSession(sessionId), id: 'cs_test_second_payment' };
  const res = await harness.deliver(checkoutSessionEvent('checkout.session.completed', other, 'evt_second_payment'));
  t.equal(res.statusCode, 200, 'acknowledged');
  t.equal((await intentRow(intent.uuid)).state, 'fulfilled', 'unchanged');
  t.equal(await harness.webhookCount('checkout.session.completed', 'payment_conflict'), 1, 'counted as a conflict (logged at error)');
  const replay = await harness.deliver(checkoutSessionEvent('checkout.session.completed', wireSession(sessionId), 'evt_late_replay'));
  t.equal(replay.statusCode, 200);
  t.equal(await harness.webhookCount('checkout.session.completed', 'already_past_paid'), 1, 'its own session, late: a quiet replay');
});
