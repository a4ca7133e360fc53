import t from 'tap';
import {
  ACTIVE_STATES_ACADEMY,
  ACTIVE_STATES_TEAMS,
  CHECKOUT_INTENT_STATES,
  InvalidTransitionError,
  assertTransition,
  canTransition,
  decideRepost,
  expire,
  holdsEnterpriseReservation,
  awaitsSessionOutcome,
  isActive,
  isCurrent,
  isOpen,
  isExpired,
  isStalled,
  isTeamsIntent,
  markBackofficeError,
  markFulfilled,
  markPaid,
  markPaidByPayment,
  markProvisioningError,
  markStalled,
  planCreateOrUpdate,
  planOpensIntent,
  reopen,
  repostTakesReservation,
  stalledCutoff,
  validateCreateIntentRequest,
} from '../../src/domain/checkout-intent.ts';
import type { CheckoutIntent, CheckoutIntentState, CreateIntentRequest } from '../../src/domain/checkout-intent.ts';
import { sampleIntent } from '../helpers/intent-fixture.ts';

const NOW = new Date('2025-03-01T12:00:00.000Z');
const EARLIER = new Date('2025-03-01T11:00:00.000Z');
const RESERVATION_MINUTES = 1440;

const intent = (overrides: Partial<CheckoutIntent> = {}): CheckoutIntent => sampleIntent({ created: EARLIER, modified: EARLIER, ...overrides });

function request(overrides: Partial<CreateIntentRequest> = {}): CreateIntentRequest {
  return { userId: '42', quantity: 7, stripeProductId: 'prod_academy', ...overrides };
}

const context = { now: NOW, reservationMinutes: RESERVATION_MINUTES, slugHeldByOtherUser: false };
/** planCreateOrUpdate on a request validateCreateIntentRequest has checked, as the use case calls it. */
const planFor = (existing: CheckoutIntent | null, raw: CreateIntentRequest, ctx: typeof context = context) =>
  planCreateOrUpdate(existing, validateCreateIntentRequest(raw), ctx);

// The spec §5 table, written out again here so the test does not just echo the implementation.
const SPEC_TABLE: Record<CheckoutIntentState, CheckoutIntentState[]> = {
  created: ['paid', 'expired'],
  paid: ['fulfilled', 'errored_backoffice', 'errored_fulfillment_stalled', 'errored_provisioning'],
  errored_backoffice: ['fulfilled'],
  errored_fulfillment_stalled: ['fulfilled'],
  errored_provisioning: ['fulfilled'],
  expired: ['created'],
  fulfilled: [],
};

t.test('the transition table', async (t) => {
  t.equal(CHECKOUT_INTENT_STATES.length, 7, 'there are exactly seven states');
  for (const from of CHECKOUT_INTENT_STATES) {
    for (const to of CHECKOUT_INTENT_STATES) {
      const allowed = from === to || SPEC_TABLE[from].includes(to);
      t.test(`${from} → ${to} is ${allowed ? 'allowed' : 'refused'}`, async (t) => {
        t.equal(canTransition(from, to), allowed, `canTransition says ${allowed}`);
        if (allowed) {
          t.doesNotThrow(() => assertTransition(from, to), 'assertTransition passes');
          return;
        }
        const error = catchError(() => assertTransition(from, to));
        t.ok(error instanceof InvalidTransitionError, 'assertTransition throws InvalidTransitionError');
        t.equal((error as InvalidTransitionError).code, 'checkout_intent.invalid_transition', 'with the stable code');
        t.match((error as Error).message, new RegExp(`\\b${from}\\b.*\\b${to}\\b`), 'the message names both states in order');
      });
    }
  }
});

t.test('active states', async (t) => {
  t.test('academy intents are active while created or paid', async (t) => {
    t.same([...ACTIVE_STATES_ACADEMY], ['created', 'paid'], 'the academy set is created, paid');
    t.equal(isActive(intent({ state: 'paid' })), true, 'a paid academy intent is active');
    t.equal(isActive(intent({ state: 'fulfilled' })), false, 'a fulfilled academy intent is not active');
  });
  t.test('Teams intents stay active once fulfilled', async (t) => {
    t.same([...ACTIVE_STATES_TEAMS], ['created', 'paid', 'fulfilled'], 'the Teams set adds fulfilled');
    const teams = intent({ stripeProductId: '', state: 'fulfilled' });
    t.equal(isTeamsIntent(teams), true, "an empty product id is a Teams intent");
    t.equal(isActive(teams), true, 'a fulfilled Teams intent is active');
  });
  t.test('errored and expired intents are never active', async (t) => {
    for (const state of ['errored_backoffice', 'errored_fulfillment_stalled', 'errored_provisioning', 'expired'] as const) {
      t.equal(isActive(intent({ state, stripeProductId: '' })), false, `${state} Teams intent is not active`);
      t.equal(isActive(intent({ state })), false, `${state} academy intent is not active`);
    }
  });
});

t.test('isExpired', async (t) => {
  t.test('a created intent is expired exactly at expires_at', async (t) => {
    t.equal(isExpired(intent({ expiresAt: NOW }), NOW), true, 'expired when now equals expires_at');
  });
  t.test('a created intent one millisecond before expires_at is not expired', async (t) => {
    t.equal(isExpired(intent({ expiresAt: new Date(NOW.getTime() + 1) }), NOW), false, 'not expired yet');
  });
  t.test('a paid intent past its reservation is not expired', async (t) => {
    t.equal(isExpired(intent({ state: 'paid', expiresAt: EARLIER }), NOW), false, 'payment ends the reservation clock');
  });
});

t.test('the other time rules build on isExpired', async (t) => {
  const later = new Date(NOW.getTime() + 1);
  t.test('current: created inside its reservation, or paid whatever its expires_at', async (t) => {
    t.equal(isCurrent(intent({ expiresAt: later }), NOW), true, 'created, one millisecond left');
    t.equal(isCurrent(intent({ expiresAt: NOW }), NOW), false, 'created, expires_at == now');
    t.equal(isCurrent(intent({ state: 'paid', expiresAt: EARLIER }), NOW), true, 'paid past its reservation');
    for (const state of ['fulfilled', 'expired', 'errored_backoffice'] as const) {
      t.equal(isCurrent(intent({ state, expiresAt: later }), NOW), false, `${state} is not current`);
    }
    t.equal(isCurrent(intent({ state: 'fulfilled', stripeProductId: '', expiresAt: later }), NOW), false, 'nor a fulfilled Teams intent');
  });
  t.test('holding a reservation: anything but expired, or created past expires_at', async (t) => {
    t.equal(holdsEnterpriseReservation(intent({ expiresAt: later }), NOW), true, 'a live created intent');
    t.equal(holdsEnterpriseReservation(intent({ expiresAt: NOW }), NOW), false, 'a lapsed created intent');
    t.equal(holdsEnterpriseReservation(intent({ state: 'expired', expiresAt: later }), NOW), false, 'an expired intent');
    for (const state of ['paid', 'fulfilled', 'errored_provisioning'] as const) {
      t.equal(holdsEnterpriseReservation(intent({ state, expiresAt: EARLIER }), NOW), true, `${state}, whatever its expires_at`);
    }
  });
  t.test('open: created, even past its reservation; a session is reconciled while created or expired', async (t) => {
    t.equal(isOpen(intent({ expiresAt: EARLIER })), true, 'a lapsed created intent is still open');
    t.equal(isOpen(intent({ state: 'expired' })), false, 'an expired one is not');
    t.equal(awaitsSessionOutcome(intent({ state: 'expired', stripeCheckoutSessionId: 'cs_1' })), true, 'an expired intent whose session may still pay it');
    t.equal(awaitsSessionOutcome(intent({ stripeCheckoutSessionId: null })), false, 'no session, nothing to ask');
    t.equal(awaitsSessionOutcome(intent({ state: 'paid', stripeCheckoutSessionId: 'cs_1' })), false, 'a paid one is settled');
  });
  t.test('stalled: paid and untouched since the cutoff, inclusive', async (t) => {
    const cutoff = stalledCutoff(NOW, 180);
    t.same(cutoff, new Date(NOW.getTime() - 180_000), 'the cutoff is STALLED_FULFILLMENT_SECONDS before now');
    t.equal(isStalled(intent({ state: 'paid', modified: cutoff }), cutoff), true, 'modified exactly at the cutoff');
    t.equal(isStalled(intent({ state: 'paid', modified: new Date(cutoff.getTime() + 1) }), cutoff), false, 'one millisecond later');
    t.equal(isStalled(intent({ state: 'created', modified: EARLIER }), cutoff), false, 'only paid intents stall');
  });
});

t.test('reopening', async (t) => {
  t.test('expired → created starts a fresh reservation from now', async (t) => {
    const reopened = reopen(intent({ state: 'expired', expiresAt: EARLIER }), NOW, RESERVATION_MINUTES);
    t.equal(reopened.state, 'created', 'created again');
    t.same(reopened.expiresAt, new Date('2025-03-02T12:00:00.000Z'), 'reserved 1440 minutes from now');
    t.same(reopened.modified, NOW, 'modified is now');
  });
  t.test('a created intent is returned as it is', async (t) => {
    const open = intent();
    t.equal(reopen(open, NOW, RESERVATION_MINUTES), open, 'the very same object');
  });
  t.test('any other state cannot be reopened', async (t) => {
    t.throws(() => reopen(intent({ state: 'fulfilled' }), NOW, RESERVATION_MINUTES), { code: 'checkout_intent.invalid_transition' }, 'refused');
  });
  t.test('a proven payment marks an expired intent paid (expired → created → paid), keeping its expires_at', async (t) => {
    const paid = markPaidByPayment(intent({ state: 'expired', expiresAt: EARLIER }), { sessionId: 'cs_1' }, NOW);
    t.equal(paid.state, 'paid', 'paid');
    t.same(paid.expiresAt, EARLIER, 'no new reservation: the payment ends it');
    t.equal(paid.stripeCheckoutSessionId, 'cs_1', 'session recorded');
  });
  t.test('a proven payment of a created or paid intent is markPaid', async (t) => {
    const paid = intent({ state: 'paid', stripeCheckoutSessionId: 'cs_1' });
    t.equal(markPaidByPayment(paid, { sessionId: 'cs_1' }, NOW), paid, 'a replay changes nothing');
    t.throws(() => markPaidByPayment(intent({ state: 'fulfilled' }), { sessionId: 'cs_1' }, NOW), { code: 'checkout_intent.invalid_transition' }, 'fulfilled is refused');
  });
  t.test('what a re-post does with the latest intent, and which of those take a reservation and open one more intent', async (t) => {
    const cases: Array<[CheckoutIntentState | null, string, boolean]> = [
      [null, 'create', true],
      ['created', 'reopen', true],
      ['expired', 'reopen', true],
      ['paid', 'return_unchanged', false],
      ['fulfilled', 'return_unchanged', false],
      ['errored_backoffice', 'refuse_failed', false],
      ['errored_fulfillment_stalled', 'refuse_failed', false],
      ['errored_provisioning', 'refuse_failed', false],
    ];
    for (const [state, decision, takesReservation] of cases) {
      const existing = state === null ? null : intent({ state });
      t.equal(decideRepost(existing), decision, `${state ?? 'no intent'} → ${decision}`);
      t.equal(repostTakesReservation(existing), takesReservation, `${state ?? 'no intent'} ${takesReservation ? 'takes' : 'does not take'} a reservation`);
    }
    t.equal(planOpensIntent(planFor(null, request())), true, 'a new intent opens one');
    t.equal(planOpensIntent(planFor(intent({ state: 'expired' }), request())), true, 'an expired one reopened opens one');
    t.equal(planOpensIntent(planFor(intent({ expiresAt: EARLIER }), request())), false, 'a created one (even lapsed) is already open');
    t.equal(planOpensIntent(planFor(intent({ state: 'paid' }), request())), false, 'a paid one returned unchanged opens none');
  });
});

t.test('markPaid', async (t) => {
  t.test('from created it records the session and customer ids', async (t) => {
    const paid = markPaid(intent(), { sessionId: 'cs_1', customerId: 'cus_1' }, NOW);
    t.equal(paid.state, 'paid', 'state is paid');
    t.equal(paid.stripeCheckoutSessionId, 'cs_1', 'session id recorded');
    t.equal(paid.stripeCustomerId, 'cus_1', 'customer id recorded');
    t.same(paid.modified, NOW, 'modified is now');
  });
  t.test('a created intent past its reservation can still be paid', async (t) => {
    const paid = markPaid(intent({ expiresAt: EARLIER }), { sessionId: 'cs_1' }, NOW);
    t.equal(paid.state, 'paid', 'late payment is accepted');
  });
  t.test('replaying the same ids returns the intent unchanged', async (t) => {
    const paid = intent({ state: 'paid', stripeCheckoutSessionId: 'cs_1', stripeCustomerId: 'cus_1' });
    t.equal(markPaid(paid, { sessionId: 'cs_1', customerId: 'cus_1' }, NOW), paid, 'the very same object comes back');
    t.equal(markPaid(paid, { sessionId: 'cs_1' }, NOW), paid, 'a replay with only the session id is unchanged too');
  });
  t.test('a paid intent without a customer id gets it filled in', async (t) => {
    const paid = intent({ state: 'paid', stripeCheckoutSessionId: 'cs_1' });
    const updated = markPaid(paid, { sessionId: 'cs_1', customerId: 'cus_1' }, NOW);
    t.equal(updated.stripeCustomerId, 'cus_1', 'customer id filled in');
    t.equal(updated.stripeCheckoutSessionId, 'cs_1', 'session id kept');
  });
  t.test('a different session id on a paid intent is a paid_mismatch error', async (t) => {
    const paid = intent({ state: 'paid', stripeCheckoutSessionId: 'cs_1', stripeCustomerId: 'cus_1' });
    t.throws(() => markPaid(paid, { sessionId: 'cs_2' }, NOW), { code: 'checkout_intent.paid_mismatch' }, 'refused');
  });
  t.test('a different customer id on a paid intent is a paid_mismatch error', async (t) => {
    const paid = intent({ state: 'paid', stripeCheckoutSessionId: 'cs_1', stripeCustomerId: 'cus_1' });
    t.throws(
      () => markPaid(paid, { sessionId: 'cs_1', customerId: 'cus_2' }, NOW),
      { code: 'checkout_intent.paid_mismatch' },
      'refused',
    );
  });
  t.test('marking paid without any Stripe id is an invalid request', async (t) => {
    t.throws(() => markPaid(intent(), {}, NOW), { code: 'checkout_intent.invalid_request' }, 'refused');
  });
  t.test('an expired intent cannot be paid', async (t) => {
    t.throws(
      () => markPaid(intent({ state: 'expired' }), { sessionId: 'cs_1' }, NOW),
      { code: 'checkout_intent.invalid_transition', message: /expired.*paid/ },
      'refused naming both states',
    );
  });
});

t.test('the other transitions', async (t) => {
  const paid = intent({ state: 'paid', stripeCheckoutSessionId: 'cs_1' });
  t.test('fulfilment records the enterprise uuid', async (t) => {
    const done = markFulfilled(paid, NOW, { enterpriseUuid: 'ent-uuid' });
    t.equal(done.state, 'fulfilled', 'state is fulfilled');
    t.equal(done.enterpriseUuid, 'ent-uuid', 'enterprise uuid recorded');
  });
  t.test('a backoffice error records the message as the last checkout error', async (t) => {
    const failed = markBackofficeError(paid, 'invoice failed', NOW);
    t.equal(failed.state, 'errored_backoffice', 'state is errored_backoffice');
    t.equal(failed.lastCheckoutError, 'invoice failed', 'message recorded');
  });
  t.test('a provisioning error records the message as the last provisioning error', async (t) => {
    const failed = markProvisioningError(paid, 'LMS down', NOW);
    t.equal(failed.state, 'errored_provisioning', 'state is errored_provisioning');
    t.equal(failed.lastProvisioningError, 'LMS down', 'message recorded');
  });
  t.test('a stalled fulfilment records the message as the last provisioning error', async (t) => {
    const stalled = markStalled(paid, 'no progress for 180s', NOW);
    t.equal(stalled.state, 'errored_fulfillment_stalled', 'state is errored_fulfillment_stalled');
    t.equal(stalled.lastProvisioningError, 'no progress for 180s', 'message recorded');
  });
  t.test('an errored intent can still be fulfilled', async (t) => {
    const recovered = markFulfilled(markProvisioningError(paid, 'LMS down', NOW), NOW);
    t.equal(recovered.state, 'fulfilled', 'errored_provisioning → fulfilled');
  });
  t.test('expiring a created intent moves it to expired', async (t) => {
    t.equal(expire(intent(), NOW).state, 'expired', 'created → expired');
  });
  t.test('expiring a paid intent is refused', async (t) => {
    t.throws(() => expire(paid, NOW), { code: 'checkout_intent.invalid_transition' }, 'paid → expired refused');
  });
  t.test('fulfilling a fulfilled intent again returns it unchanged', async (t) => {
    const done = markFulfilled(paid, NOW);
    t.equal(markFulfilled(done, NOW), done, 'the very same object comes back');
  });
});

t.test('planCreateOrUpdate', async (t) => {
  t.test('with no existing intent it plans a new created intent', async (t) => {
    const plan = planFor(null, request({ enterpriseSlug: 'acme', enterpriseName: 'Acme', country: 'fr' }), context);
    if (plan.action !== 'create') return t.fail(`expected create, got ${plan.action}`);
    t.equal(plan.fields.state, 'created', 'state is created');
    t.equal(plan.fields.quantity, 7, 'quantity from the request');
    t.equal(plan.fields.country, 'FR', 'country upper-cased');
    t.equal(plan.fields.enterpriseSlug, 'acme', 'slug from the request');
    t.same(plan.fields.expiresAt, new Date('2025-03-02T12:00:00.000Z'), 'expires 1440 minutes from now');
    t.same(plan.fields.termsMetadata, {}, 'terms default to an empty object');
  });
  t.test('without a product id it plans a Teams intent', async (t) => {
    const plan = planFor(null, { userId: '42', quantity: 1 });
    t.equal(plan.action === 'create' && plan.fields.stripeProductId, '', 'product id is empty');
  });
  t.test('an expired intent for the same product is reopened as created', async (t) => {
    const plan = planFor(intent({ state: 'expired', expiresAt: EARLIER }), request(), context);
    if (plan.action !== 'update') return t.fail(`expected update, got ${plan.action}`);
    t.equal(plan.fields.state, 'created', 'state back to created');
    t.equal(plan.fields.quantity, 7, 'new quantity');
    t.same(plan.fields.expiresAt, new Date('2025-03-02T12:00:00.000Z'), 'reservation restarted from now');
    t.same(plan.fields.modified, NOW, 'modified is now');
  });
  t.test('a created intent past expires_at is reopened too', async (t) => {
    const plan = planFor(intent({ expiresAt: EARLIER }), request(), context);
    t.equal(plan.action, 'update', 'reopened');
  });
  t.test('a paid intent is returned unchanged', async (t) => {
    const paid = intent({ state: 'paid' });
    t.same(planFor(paid, request(), context), { action: 'return_unchanged', intent: paid }, 'unchanged');
  });
  t.test('a fulfilled intent is returned unchanged', async (t) => {
    const done = intent({ state: 'fulfilled' });
    t.same(planFor(done, request(), context), { action: 'return_unchanged', intent: done }, 'unchanged');
  });
  t.test('a paid intent is returned unchanged even when the slug is now held by someone else', async (t) => {
    const paid = intent({ state: 'paid' });
    const plan = planFor(paid, request(), { ...context, slugHeldByOtherUser: true });
    t.equal(plan.action, 'return_unchanged', 'the purchase wins');
  });
  for (const state of ['errored_backoffice', 'errored_fulfillment_stalled', 'errored_provisioning'] as const) {
    t.test(`an ${state} intent is a failed_exists conflict`, async (t) => {
      t.throws(
        () => planFor(intent({ state }), request(), context),
        { code: 'checkout_intent.failed_exists' },
        'refused',
      );
    });
  }
  t.test("a slug held by another user's intent is a slug_reservation conflict", async (t) => {
    t.throws(
      () => planFor(null, request({ enterpriseSlug: 'acme', enterpriseName: 'Acme' }), { ...context, slugHeldByOtherUser: true }),
      { code: 'checkout_intent.slug_reservation' },
      'refused',
    );
  });
  t.test('a partial update keeps the omitted fields', async (t) => {
    const plan = planFor(intent(), request({ quantity: 9 }), context);
    if (plan.action !== 'update') return t.fail(`expected update, got ${plan.action}`);
    t.equal(plan.fields.quantity, 9, 'quantity replaced');
    t.equal(plan.fields.enterpriseSlug, 'acme', 'slug kept');
    t.equal(plan.fields.enterpriseName, 'Acme', 'name kept');
    t.equal(plan.fields.country, 'US', 'country kept');
  });
  t.test('given fields replace the old ones', async (t) => {
    const plan = planFor(intent(), request({ enterpriseSlug: 'beta', enterpriseName: ' Beta ', country: 'de' }), context);
    if (plan.action !== 'update') return t.fail(`expected update, got ${plan.action}`);
    t.equal(plan.fields.enterpriseSlug, 'beta', 'slug replaced');
    t.equal(plan.fields.enterpriseName, 'Beta', 'name replaced and trimmed');
    t.equal(plan.fields.country, 'DE', 'country replaced and upper-cased');
  });
  t.test('terms metadata is shallow-merged into the old terms', async (t) => {
    const existing = intent({ termsMetadata: { accepted: 'v1', locale: 'en' } });
    const plan = planFor(existing, request({ termsMetadata: { accepted: 'v2', marketing: true } }), context);
    if (plan.action !== 'update') return t.fail(`expected update, got ${plan.action}`);
    t.same(plan.fields.termsMetadata, { accepted: 'v2', locale: 'en', marketing: true }, 'new keys win, old keys kept');
  });
  t.test('a slug without a name is an invalid request', async (t) => {
    t.throws(
      () => planFor(null, request({ enterpriseSlug: 'acme' }), context),
      { code: 'checkout_intent.invalid_request', field: 'enterprise_name' },
      'refused, naming the missing field',
    );
  });
  t.test('a name without a slug is an invalid request', async (t) => {
    t.throws(
      () => planFor(null, request({ enterpriseName: 'Acme' }), context),
      { code: 'checkout_intent.invalid_request', field: 'enterprise_slug' },
      'refused, naming the missing field',
    );
  });
  for (const country of ['USA', 'U', '1A', '']) {
    t.test(`country ${JSON.stringify(country)} is an invalid request`, async (t) => {
      t.throws(() => validateCreateIntentRequest(request({ country })), { code: 'checkout_intent.invalid_request', field: 'country' }, 'refused');
    });
  }
  t.test('a blank or control-character name is an invalid request; a name is trimmed', async (t) => {
    for (const enterpriseName of ['   ', 'Evil\u0007Co']) {
      t.throws(
        () => validateCreateIntentRequest(request({ enterpriseSlug: 'acme', enterpriseName })),
        { code: 'checkout_intent.invalid_request', field: 'enterprise_name' },
        `${JSON.stringify(enterpriseName)} refused`,
      );
    }
    t.same(validateCreateIntentRequest(request({ enterpriseSlug: 'acme', enterpriseName: ' Acme ' })).enterprise, { slug: 'acme', name: 'Acme' }, 'trimmed');
  });
  t.test('a blank user and a product id with surrounding spaces are invalid requests', async (t) => {
    t.throws(() => validateCreateIntentRequest(request({ userId: ' ' })), { code: 'checkout_intent.invalid_request', field: 'user_id' }, 'blank user');
    t.throws(() => validateCreateIntentRequest(request({ stripeProductId: ' prod_a' })), { code: 'checkout_intent.invalid_request', field: 'stripe_product_id' }, 'spaces');
  });
  t.test('terms metadata over 50 keys or 4 KB is an invalid request', async (t) => {
    const manyKeys = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
    t.throws(() => validateCreateIntentRequest(request({ termsMetadata: manyKeys })), { code: 'checkout_intent.invalid_request', field: 'terms_metadata' }, '51 keys');
    t.throws(() => validateCreateIntentRequest(request({ termsMetadata: { a: 'é'.repeat(2_100) } })), { code: 'checkout_intent.invalid_request', field: 'terms_metadata' }, '4.2 KB in UTF-8');
  });
  t.test("passing another user's intent as the existing one is a programming error", async (t) => {
    t.throws(() => planFor(intent({ userId: '99' }), request(), context), /another user or product/, 'throws');
  });
});

function catchError(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
