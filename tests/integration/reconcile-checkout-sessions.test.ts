import t from 'tap';
import { postgresAcademyRepository } from '../../src/adapters/postgres/academy-repository.ts';
import { postgresCheckoutIntentRepository } from '../../src/adapters/postgres/checkout-intent-repository.ts';
import { postgresStripeEventRetention } from '../../src/adapters/postgres/stripe-event-log.ts';
import { postgresUnitOfWork } from '../../src/adapters/postgres/unit-of-work.ts';
import { stripeCheckoutSessions } from '../../src/adapters/stripe/checkout-sessions.ts';
import { stripePriceSource } from '../../src/adapters/stripe/price-source.ts';
import { CheckoutGatewayUnavailable } from '../../src/application/ports/checkout-session-gateway.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { ReconcileNotConfiguredError, makeReconcileCheckoutSessions } from '../../src/application/reconcile-checkout-sessions.ts';
import { checkoutRig, ACADEMY_PRODUCT, SETTINGS } from '../helpers/checkout-session-harness.ts';
import { insertIntent } from '../helpers/checkout-intents.ts';

// The reconcile job's use case on the real adapters: PostgreSQL (or PGlite) and the real Stripe SDK against
// the fake Stripe, whose sessions are made through the real route (issue 15: intents are for a sold product).
const { db, clock, harness } = await checkoutRig(t, 'Reconcile AI');
const { fake, stripe } = harness;

function reconciler(options: { batchSize?: number; withStripe?: boolean } = {}) {
  return makeReconcileCheckoutSessions({
    gateway: options.withStripe === false ? null : stripeCheckoutSessions(stripe),
    intents: postgresCheckoutIntentRepository(db),
    events: postgresStripeEventRetention(db),
    unitOfWork: postgresUnitOfWork(db),
    prices: stripePriceSource(stripe, { logger: silentLogger }),
    academies: postgresAcademyRepository(db),
    teamsPriceLookupKey: SETTINGS.teamsPriceLookupKey,
    batchSize: options.batchSize ?? 100,
    eventRetentionDays: 30,
    clock,
    logger: silentLogger,
  });
}

const intentRow = (uuid: string) => db.selectFrom('checkout_intents').selectAll().where('uuid', '=', uuid).executeTakeFirstOrThrow();
const nothingElse = { checked: 0, marked_paid: 0, cleared: 0, open: 0, awaiting_payment: 0, unchanged: 0, refused: 0, unknown_at_stripe: 0, failed: 0, events_deleted: 0 };

/** A created intent of `userId` (quantity 2) holding a session made through POST …/checkout-session/. */
async function intentWithSession(userId: string): Promise<{ uuid: string; sessionId: string }> {
  const intent = await insertIntent(db, { user_id: userId, stripe_product_id: ACADEMY_PRODUCT, quantity: 2, expires_at: new Date(Date.now() + 20 * 3_600_000) });
  const res = await harness.app.inject({ method: 'POST', url: `/api/v1/checkout-intents/${intent.uuid}/checkout-session/`, headers: await harness.bearer(userId) });
  if (res.statusCode !== 201) throw new Error(`session: ${res.statusCode} ${res.body}`);
  return { uuid: intent.uuid, sessionId: res.json<{ id: string }>().id };
}

t.beforeEach(async () => {
  clock.set(new Date());
  fake.checkout.mode = 'ok';
  await db.deleteFrom('checkout_intents').execute();
  await db.deleteFrom('stripe_events').execute();
});

t.test('a session paid while its webhook was lost marks the intent paid, once', async (t) => {
  const { uuid, sessionId } = await intentWithSession('learner-paid');
  fake.checkout.complete(sessionId, { customer: 'cus_reconciled' });
  t.same(await reconciler()(), { ...nothingElse, checked: 1, marked_paid: 1 }, 'the report');
  t.match(await intentRow(uuid), { state: 'paid', stripe_checkout_session_id: sessionId, stripe_customer_id: 'cus_reconciled' }, 'paid, as the webhook would have');
  t.same(await reconciler()(), nothingElse, 'a paid intent is no longer checked');
});

t.test('a Teams session paid while its webhook was lost is verified against the session as Stripe keeps it', async (t) => {
  const intent = await insertIntent(db, { user_id: 'learner-teams', stripe_product_id: '', quantity: 3, expires_at: new Date(Date.now() + 20 * 3_600_000) });
  const res = await harness.app.inject({ method: 'POST', url: `/api/v1/checkout-intents/${intent.uuid}/checkout-session/`, headers: await harness.bearer('learner-teams') });
  t.equal(res.statusCode, 201, 'a Teams session is made');
  fake.checkout.complete(res.json<{ id: string }>().id);
  t.same(await reconciler()(), { ...nothingElse, checked: 1, marked_paid: 1 }, 'the report');
  t.match(await intentRow(intent.uuid), { state: 'paid', last_checkout_error: null }, 'the Teams intent is paid');
});

t.test('expired sessions are cleared, open ones and processing payments left as they are', async (t) => {
  const expired = await intentWithSession('learner-expired');
  const open = await intentWithSession('learner-open');
  const processing = await intentWithSession('learner-processing');
  fake.checkout.expire(expired.sessionId);
  fake.checkout.complete(processing.sessionId, { paymentStatus: 'unpaid' });
  t.same(await reconciler()(), { ...nothingElse, checked: 3, cleared: 1, open: 1, awaiting_payment: 1 }, 'the report');
  t.match(await intentRow(expired.uuid), { state: 'created', stripe_checkout_session_id: null }, 'the expired session is forgotten: a new one can be made');
  t.match(await intentRow(open.uuid), { state: 'created', stripe_checkout_session_id: open.sessionId }, 'the open one is kept');
  t.match(await intentRow(processing.uuid), { state: 'created', stripe_checkout_session_id: processing.sessionId }, 'the processing one is kept');
});

t.test('a paid session that does not prove the payment is refused and recorded, as the webhook refuses it', async (t) => {
  const { uuid, sessionId } = await intentWithSession('learner-short');
  const session = fake.checkout.complete(sessionId);
  session['amount_total'] = 1;
  t.match(await reconciler()(), { checked: 1, refused: 1, marked_paid: 0 }, 'refused');
  t.match(await intentRow(uuid), { state: 'created', last_checkout_error: /amount_total 1 is not quantity × unit_amount = 19800/ }, 'not paid; the reason kept');
});

t.test('each run checks at most the batch size', async (t) => {
  const intents = [await intentWithSession('learner-b1'), await intentWithSession('learner-b2'), await intentWithSession('learner-b3')];
  for (const { sessionId } of intents) fake.checkout.expire(sessionId);
  t.match(await reconciler({ batchSize: 2 })(), { checked: 2, cleared: 2 }, 'first run: two');
  t.match(await reconciler({ batchSize: 2 })(), { checked: 1, cleared: 1 }, 'second run: the last one');
  t.match(await reconciler({ batchSize: 2 })(), { checked: 0 }, 'then nothing');
});

t.test('a session Stripe does not know is left alone', async (t) => {
  const { uuid, sessionId } = await intentWithSession('learner-unknown');
  fake.checkout.sessions.delete(sessionId);
  t.match(await reconciler()(), { checked: 1, unknown_at_stripe: 1 }, 'counted');
  t.equal((await intentRow(uuid)).stripe_checkout_session_id, sessionId, 'not cleared');
});

t.test('Stripe failing for every session fails the run and changes nothing', async (t) => {
  const { uuid } = await intentWithSession('learner-outage');
  const before = await intentRow(uuid);
  fake.checkout.mode = '500';
  await t.rejects(reconciler()(), CheckoutGatewayUnavailable, 'the run fails (the job prints stripe_unavailable)');
  t.same(await intentRow(uuid), before, 'untouched');
});

t.test('without a Stripe key the run fails only when intents hold sessions', async (t) => {
  t.same(await reconciler({ withStripe: false })(), nothingElse, 'nothing to check: fine');
  await intentWithSession('learner-nokey');
  await t.rejects(reconciler({ withStripe: false })(), ReconcileNotConfiguredError, 'sessions to check and no key: a failure');
});

t.test('recorded Stripe events older than the retention are deleted', async (t) => {
  const day = 86_400_000;
  const row = (id: string, ageDays: number) => ({ event_id: id, type: 'checkout.session.expired', outcome: 'session_cleared', received_at: new Date(Date.now() - ageDays * day) });
  await db.insertInto('stripe_events').values([row('evt_old_1', 31), row('evt_old_2', 400), row('evt_recent', 29)]).execute();
  t.match(await reconciler()(), { events_deleted: 2 }, 'two past 30 days');
  const left = await db.selectFrom('stripe_events').select('event_id').execute();
  t.same(left.map((r) => r.event_id), ['evt_recent'], 'the recent one is kept');
});

t.test('a session that outlived its intent\'s reservation is still reconciled: paid reopens the intent, expired is let go', async (t) => {
  const paid = await intentWithSession('learner-late-paid');
  const unpaid = await intentWithSession('learner-late-unpaid');
  // The expire-intents job ran before the learners finished at Stripe (the session outlives the reservation).
  await db.updateTable('checkout_intents').set({ state: 'expired' }).where('uuid', 'in', [paid.uuid, unpaid.uuid]).execute();
  fake.checkout.complete(paid.sessionId, { customer: 'cus_late' });
  fake.checkout.expire(unpaid.sessionId);
  t.same(await reconciler()(), { ...nothingElse, checked: 2, marked_paid: 1, cleared: 1 }, 'both are checked');
  t.match(await intentRow(paid.uuid), { state: 'paid', stripe_customer_id: 'cus_late' }, 'the money moved: reopened and paid, as the webhook would have');
  t.match(await intentRow(unpaid.uuid), { state: 'expired', stripe_checkout_session_id: null }, 'the expired one lets its session go');
  t.same(await reconciler()(), nothingElse, 'and neither is asked about again');
});

t.test('the price a paid session is checked against failing counts that session as failed; the batch goes on', async (t) => {
  const paid = await intentWithSession('learner-price-down');
  const ended = await intentWithSession('learner-ended');
  fake.checkout.complete(paid.sessionId);
  fake.checkout.expire(ended.sessionId);
  fake.setMode('500'); // GET /v1/prices fails; the Checkout Session calls still answer
  t.teardown(() => fake.setMode('ok'));
  t.same(await reconciler()(), { ...nothingElse, checked: 2, cleared: 1, failed: 1 }, 'the ended one is cleared, the paid one counted as failed');
  t.match(await intentRow(paid.uuid), { state: 'created', stripe_checkout_session_id: paid.sessionId }, 'left for the next run');
  await t.rejects(reconciler()(), { code: 'stripe.unavailable' }, 'every session failing fails the run as stripe_unavailable');
  fake.setMode('ok');
  t.match(await reconciler()(), { checked: 1, marked_paid: 1 }, 'and the next run, with Stripe back, pays it');
});
