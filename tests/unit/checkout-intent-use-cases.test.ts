/**
 * The intent rules (reopen, expiry, reservations, open-intent bound) through the use cases, on the in-memory
 * repository and unit of work (held to the PostgreSQL adapters by tests/contracts/checkout-intent-*.contract.ts).
 * tests/integration/checkout-intent-use-cases.test.ts runs the same use cases on PostgreSQL.
 */
import t from 'tap';
import { applyPayment } from '../../src/application/checkout-payment.ts';
import type { CheckoutIntent, CheckoutSessionFacts, NewCheckoutIntent } from '../../src/domain/checkout-intent.ts';
import { newIntent } from '../contracts/checkout-intent-repository.contract.ts';
import { intentUseCasesOver, manualClock, RESERVATION_MINUTES, STALLED_SECONDS } from '../helpers/checkout-intents.ts';
import { fakePriceSource, usdPrice } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';
import { inMemoryIntentStore } from '../helpers/in-memory-checkout-intent-repository.ts';

const NOW = '2025-03-01T12:00:00.000Z';
const minutesFromNow = (minutes: number) => new Date(new Date(NOW).getTime() + minutes * 60_000);

function setup(options: { maxOpenIntentsPerUser?: number } = {}) {
  const store = inMemoryIntentStore();
  const clock = manualClock(NOW);
  const useCases = intentUseCasesOver(store, clock, options);
  /** An intent written as it is, created `createdMinutesAgo` ago. */
  const seed = (overrides: Partial<NewCheckoutIntent>, createdMinutesAgo = 60) => store.intents.insert(newIntent(overrides), minutesFromNow(-createdMinutesAgo));
  const stateOf = async (intent: CheckoutIntent) => (await store.intents.findByUuid(intent.uuid))?.state;
  return { store, clock, useCases, seed, stateOf };
}

t.test('a re-post reopens the latest intent for the product', async (t) => {
  t.test('an expired one: same intent, created again, reserved from now, the new quantity', async (t) => {
    const { useCases, seed } = setup();
    const expired = await seed({ state: 'expired', expiresAt: minutesFromNow(-30), quantity: 2 });
    const { intent, created } = await useCases.createOrUpdateIntent({ userId: 'u1', stripeProductId: 'prod_a', quantity: 6 });
    t.equal(created, false, 'not a new intent');
    t.match(intent, { uuid: expired.uuid, state: 'created', quantity: 6, expiresAt: minutesFromNow(RESERVATION_MINUTES) });
  });

  t.test('a created one past its reservation: expired first, then reopened', async (t) => {
    const { useCases, seed } = setup();
    const stale = await seed({ expiresAt: minutesFromNow(-5) });
    const { intent } = await useCases.createOrUpdateIntent({ userId: 'u1', stripeProductId: 'prod_a', quantity: 1 });
    t.match(intent, { uuid: stale.uuid, state: 'created', expiresAt: minutesFromNow(RESERVATION_MINUTES) });
  });

  t.test('a paid or fulfilled one is returned unchanged; an errored one is a failed_exists conflict', async (t) => {
    const { useCases, seed } = setup();
    const paid = await seed({ state: 'paid', quantity: 4 });
    const fulfilled = await seed({ stripeProductId: 'prod_b', state: 'fulfilled', quantity: 4 });
    await seed({ stripeProductId: 'prod_c', state: 'errored_provisioning' });
    for (const existing of [paid, fulfilled]) {
      const { intent, created } = await useCases.createOrUpdateIntent({ userId: 'u1', stripeProductId: existing.stripeProductId, quantity: 9 });
      t.same({ created, intent }, { created: false, intent: existing }, `${existing.state}: unchanged`);
    }
    await t.rejects(useCases.createOrUpdateIntent({ userId: 'u1', stripeProductId: 'prod_c', quantity: 1 }), { code: 'checkout_intent.failed_exists' });
  });

  t.test('a reopened intent counts as one more open intent; updating an open one does not', async (t) => {
    const { useCases, seed } = setup({ maxOpenIntentsPerUser: 2 });
    await seed({ stripeProductId: 'prod_a' });
    await seed({ stripeProductId: 'prod_b' });
    await seed({ stripeProductId: 'prod_c', state: 'expired', expiresAt: minutesFromNow(-30) });
    t.equal((await useCases.createOrUpdateIntent({ userId: 'u1', stripeProductId: 'prod_a', quantity: 3 })).intent.quantity, 3, 'an open one is updated at the bound');
    await t.rejects(useCases.createOrUpdateIntent({ userId: 'u1', stripeProductId: 'prod_c', quantity: 1 }), { code: 'checkout_intent.too_many_open' }, 'reopening one past the bound is refused');
  });
});

t.test('enterprise reservations', async (t) => {
  t.test("another user's lapsed reservation is released, and the slug taken", async (t) => {
    const { useCases, seed, stateOf } = setup();
    const lapsed = await seed({ userId: 'u2', enterpriseSlug: 'acme', enterpriseName: 'Acme', expiresAt: minutesFromNow(0) });
    const { created } = await useCases.createOrUpdateIntent({ userId: 'u1', stripeProductId: 'prod_b', quantity: 1, enterpriseSlug: 'ACME', enterpriseName: 'acme' });
    t.equal(created, true, 'u1 has it');
    t.equal(await stateOf(lapsed), 'expired', "u2's lapsed intent was moved to expired");
  });

  t.test("another user's paid intent keeps its name whatever its expires_at", async (t) => {
    const { useCases, seed } = setup();
    await seed({ userId: 'u2', state: 'paid', enterpriseSlug: 'other', enterpriseName: 'Acme', expiresAt: minutesFromNow(-600) });
    await t.rejects(
      useCases.createOrUpdateIntent({ userId: 'u1', stripeProductId: 'prod_b', quantity: 1, enterpriseSlug: 'acme', enterpriseName: 'Acme' }),
      { code: 'checkout_intent.slug_reservation' },
    );
  });

  t.test('a create refused after the release rolls the release back too', async (t) => {
    const { useCases, seed, stateOf } = setup({ maxOpenIntentsPerUser: 0 });
    const lapsed = await seed({ userId: 'u2', enterpriseSlug: 'acme', enterpriseName: 'Acme', expiresAt: minutesFromNow(-1) });
    await t.rejects(
      useCases.createOrUpdateIntent({ userId: 'u1', stripeProductId: 'prod_b', quantity: 1, enterpriseSlug: 'acme', enterpriseName: 'Acme' }),
      { code: 'checkout_intent.too_many_open' },
    );
    t.equal(await stateOf(lapsed), 'created', "u2's intent is as it was: the unit of work wrote nothing");
  });

  t.test('concurrent creates by four users for one slug leave it with exactly one of them', async (t) => {
    const { store, useCases } = setup();
    const results = await Promise.allSettled(
      ['u1', 'u2', 'u3', 'u4'].map((userId) => useCases.createOrUpdateIntent({ userId, stripeProductId: 'prod_a', quantity: 1, enterpriseSlug: 'acme', enterpriseName: `Acme ${userId}` })),
    );
    t.equal(results.filter((result) => result.status === 'fulfilled').length, 1, 'one user got it');
    t.equal(store.committed().length, 1, 'one intent stored');
  });

  t.test('50 concurrent creates for one user and product end with one intent', async (t) => {
    const { store, useCases } = setup();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => useCases.createOrUpdateIntent({ userId: 'u1', stripeProductId: 'prod_a', quantity: i + 1 })));
    t.equal(results.filter((result) => result.created).length, 1, 'one call created it');
    t.equal(new Set(results.map((result) => result.intent.uuid)).size, 1, 'every call saw it');
    t.equal(store.committed().length, 1, 'one intent stored');
  });
});

t.test('expiry', async (t) => {
  t.test('an intent is current until its expires_at, and not at it', async (t) => {
    const { useCases, clock } = setup();
    const { intent } = await useCases.createOrUpdateIntent({ userId: 'u1', stripeProductId: 'prod_a', quantity: 1 });
    clock.set(new Date(intent.expiresAt.getTime() - 1));
    t.equal((await useCases.currentIntent({ userId: 'u1' }))?.uuid, intent.uuid, 'one millisecond before');
    clock.set(intent.expiresAt);
    t.equal(await useCases.currentIntent({ userId: 'u1' }), null, 'at expires_at');
  });

  t.test('the expire job moves created intents at or past expires_at, and only those', async (t) => {
    const { useCases, seed, stateOf } = setup();
    const exact = await seed({ stripeProductId: 'prod_a', expiresAt: minutesFromNow(0) });
    const live = await seed({ stripeProductId: 'prod_b', expiresAt: new Date(minutesFromNow(0).getTime() + 1) });
    const paid = await seed({ stripeProductId: 'prod_c', state: 'paid', expiresAt: minutesFromNow(-60) });
    t.equal(await useCases.expireIntents(), 1, 'one expired');
    t.same([await stateOf(exact), await stateOf(live), await stateOf(paid)], ['expired', 'created', 'paid']);
  });

  t.test('the stalled job moves paid intents untouched for STALLED_FULFILLMENT_SECONDS, the boundary included', async (t) => {
    const { store, useCases, seed, stateOf } = setup();
    const paidAt = async (product: string, secondsAgo: number) => {
      const intent = await seed({ stripeProductId: product, state: 'paid' });
      return store.intents.update({ ...intent, modified: new Date(minutesFromNow(0).getTime() - secondsAgo * 1000) });
    };
    const exact = await paidAt('prod_a', STALLED_SECONDS);
    const fresh = await paidAt('prod_b', STALLED_SECONDS - 1);
    t.equal(await useCases.markStalledIntents(), 1, 'one stalled');
    t.same([await stateOf(exact), await stateOf(fresh)], ['errored_fulfillment_stalled', 'paid']);
  });

  t.test('an admin moves an expired intent back to created with a fresh reservation; a created one is left as it is', async (t) => {
    const { useCases, seed } = setup();
    const expired = await seed({ state: 'expired', expiresAt: minutesFromNow(-30) });
    t.match(await useCases.transitionIntent(expired.uuid, { state: 'created' }), { state: 'created', expiresAt: minutesFromNow(RESERVATION_MINUTES), modified: minutesFromNow(0) });
    const open = await seed({ stripeProductId: 'prod_b' });
    t.same(await useCases.transitionIntent(open.uuid, { state: 'created' }), open, 'unchanged, not written');
  });
});

t.test('a proven payment of an intent the expire job already moved', async (t) => {
  const payment = (intent: CheckoutIntent): CheckoutSessionFacts => ({
    id: 'cs_late',
    clientReferenceId: intent.uuid,
    paymentStatus: 'paid',
    amountTotal: 9900,
    currency: 'usd',
    metadata: { intent_uuid: intent.uuid, user_id: intent.userId, stripe_product_id: intent.stripeProductId, quantity: '1' },
    customerId: 'cus_late',
  });
  const paymentDeps = (store: ReturnType<typeof setup>) => ({
    unitOfWork: store.store.unitOfWork,
    prices: fakePriceSource([usdPrice('academy')]),
    academies: inMemoryAcademyRepository([{ stripeProductId: 'prod_academy', stripePriceLookupKey: 'academy' }]),
    clock: store.clock,
  });

  t.test('reopens and pays it, keeping its expires_at', async (t) => {
    const context = setup();
    const expired = await context.seed({ stripeProductId: 'prod_academy', state: 'expired', expiresAt: minutesFromNow(-30), stripeCheckoutSessionId: 'cs_late' });
    t.match(await applyPayment(paymentDeps(context), payment(expired), true), { outcome: 'marked_paid' });
    t.match(await context.store.intents.findByUuid(expired.uuid), { state: 'paid', stripeCustomerId: 'cus_late', expiresAt: minutesFromNow(-30) });
  });

  t.test('is a payment_conflict, nothing changed, when another intent for the product is active', async (t) => {
    const context = setup();
    const expired = await context.seed({ stripeProductId: 'prod_academy', state: 'expired', expiresAt: minutesFromNow(-30) });
    await context.seed({ stripeProductId: 'prod_academy' }, 10);
    t.match(await applyPayment(paymentDeps(context), payment(expired), true), { outcome: 'payment_conflict' });
    t.equal(await context.stateOf(expired), 'expired', 'still expired');
  });
});
