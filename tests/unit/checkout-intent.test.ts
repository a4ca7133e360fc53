import t from 'tap';
import {
  ACTIVE_STATES_ACADEMY,
  ACTIVE_STATES_TEAMS,
  CHECKOUT_INTENT_STATES,
  InvalidTransitionError,
  assertTransition,
  canTransition,
  expire,
  isActive,
  isExpired,
  isTeamsIntent,
  markBackofficeError,
  markFulfilled,
  markPaid,
  markProvisioningError,
  markStalled,
  planCreateOrUpdate,
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
    const plan = planCreateOrUpdate(null, request({ enterpriseSlug: 'acme', enterpriseName: 'Acme', country: 'fr' }), context);
    if (plan.action !== 'create') return t.fail(`expected create, got ${plan.action}`);
    t.equal(plan.fields.state, 'created', 'state is created');
    t.equal(plan.fields.quantity, 7, 'quantity from the request');
    t.equal(plan.fields.country, 'FR', 'country upper-cased');
    t.equal(plan.fields.enterpriseSlug, 'acme', 'slug from the request');
    t.same(plan.fields.expiresAt, new Date('2025-03-02T12:00:00.000Z'), 'expires 1440 minutes from now');
    t.same(plan.fields.termsMetadata, {}, 'terms default to an empty object');
  });
  t.test('without a product id it plans a Teams intent', async (t) => {
    const plan = planCreateOrUpdate(null, { userId: '42', quantity: 1 }, context);
    t.equal(plan.action === 'create' && plan.fields.stripeProductId, '', 'product id is empty');
  });
  t.test('an expired intent for the same product is reopened as created', async (t) => {
    const plan = planCreateOrUpdate(intent({ state: 'expired', expiresAt: EARLIER }), request(), context);
    if (plan.action !== 'update') return t.fail(`expected update, got ${plan.action}`);
    t.equal(plan.fields.state, 'created', 'state back to created');
    t.equal(plan.fields.quantity, 7, 'new quantity');
    t.same(plan.fields.expiresAt, new Date('2025-03-02T12:00:00.000Z'), 'reservation restarted from now');
    t.same(plan.fields.modified, NOW, 'modified is now');
  });
  t.test('a created intent past expires_at is reopened too', async (t) => {
    const plan = planCreateOrUpdate(intent({ expiresAt: EARLIER }), request(), context);
    t.equal(plan.action, 'update', 'reopened');
  });
  t.test('a paid intent is returned unchanged', async (t) => {
    const paid = intent({ state: 'paid' });
    t.same(planCreateOrUpdate(paid, request(), context), { action: 'return_unchanged', intent: paid }, 'unchanged');
  });
  t.test('a fulfilled intent is returned unchanged', async (t) => {
    const done = intent({ state: 'fulfilled' });
    t.same(planCreateOrUpdate(done, request(), context), { action: 'return_unchanged', intent: done }, 'unchanged');
  });
  t.test('a paid intent is returned unchanged even when the slug is now held by someone else', async (t) => {
    const paid = intent({ state: 'paid' });
    const plan = planCreateOrUpdate(paid, request(), { ...context, slugHeldByOtherUser: true });
    t.equal(plan.action, 'return_unchanged', 'the purchase wins');
  });
  for (const state of ['errored_backoffice', 'errored_fulfillment_stalled', 'errored_provisioning'] as const) {
    t.test(`an ${state} intent is a failed_exists conflict`, async (t) => {
      t.throws(
        () => planCreateOrUpdate(intent({ state }), request(), context),
        { code: 'checkout_intent.failed_exists' },
        'refused',
      );
    });
  }
  t.test("a slug held by another user's intent is a slug_reservation conflict", async (t) => {
    t.throws(
      () => planCreateOrUpdate(null, request({ enterpriseSlug: 'acme', enterpriseName: 'Acme' }), { ...context, slugHeldByOtherUser: true }),
      { code: 'checkout_intent.slug_reservation' },
      'refused',
    );
  });
  t.test('a partial update keeps the omitted fields', async (t) => {
    const plan = planCreateOrUpdate(intent(), request({ quantity: 9 }), context);
    if (plan.action !== 'update') return t.fail(`expected update, got ${plan.action}`);
    t.equal(plan.fields.quantity, 9, 'quantity replaced');
    t.equal(plan.fields.enterpriseSlug, 'acme', 'slug kept');
    t.equal(plan.fields.enterpriseName, 'Acme', 'name kept');
    t.equal(plan.fields.country, 'US', 'country kept');
  });
  t.test('given fields replace the old ones', async (t) => {
    const plan = planCreateOrUpdate(intent(), request({ enterpriseSlug: 'beta', enterpriseName: ' Beta ', country: 'de' }), context);
    if (plan.action !== 'update') return t.fail(`expected update, got ${plan.action}`);
    t.equal(plan.fields.enterpriseSlug, 'beta', 'slug replaced');
    t.equal(plan.fields.enterpriseName, 'Beta', 'name replaced and trimmed');
    t.equal(plan.fields.country, 'DE', 'country replaced and upper-cased');
  });
  t.test('terms metadata is shallow-merged into the old terms', async (t) => {
    const existing = intent({ termsMetadata: { accepted: 'v1', locale: 'en' } });
    const plan = planCreateOrUpdate(existing, request({ termsMetadata: { accepted: 'v2', marketing: true } }), context);
    if (plan.action !== 'update') return t.fail(`expected update, got ${plan.action}`);
    t.same(plan.fields.termsMetadata, { accepted: 'v2', locale: 'en', marketing: true }, 'new keys win, old keys kept');
  });
  t.test('a slug without a name is an invalid request', async (t) => {
    t.throws(
      () => planCreateOrUpdate(null, request({ enterpriseSlug: 'acme' }), context),
      { code: 'checkout_intent.invalid_request', field: 'enterprise_name' },
      'refused, naming the missing field',
    );
  });
  t.test('a name without a slug is an invalid request', async (t) => {
    t.throws(
      () => planCreateOrUpdate(null, request({ enterpriseName: 'Acme' }), context),
      { code: 'checkout_intent.invalid_request', field: 'enterprise_slug' },
      'refused, naming the missing field',
    );
  });
  t.test('the request is validated before the existing intent is looked at', async (t) => {
    t.throws(
      () => planCreateOrUpdate(intent({ state: 'paid' }), request({ quantity: 0 }), context),
      { code: 'checkout_intent.invalid_request', field: 'quantity' },
      'quantity 0 refused even for a paid intent',
    );
  });
  for (const quantity of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
    t.test(`quantity ${quantity} is an invalid request`, async (t) => {
      t.throws(() => planCreateOrUpdate(null, request({ quantity }), context), { code: 'checkout_intent.invalid_request', field: 'quantity' }, 'refused');
    });
  }
  for (const country of ['USA', 'U', '1A', '']) {
    t.test(`country ${JSON.stringify(country)} is an invalid request`, async (t) => {
      t.throws(() => planCreateOrUpdate(null, request({ country }), context), { code: 'checkout_intent.invalid_request', field: 'country' }, 'refused');
    });
  }
  t.test('a slug with spaces is an invalid request', async (t) => {
    t.throws(
      () => planCreateOrUpdate(null, request({ enterpriseSlug: 'a b', enterpriseName: 'A' }), context),
      { code: 'checkout_intent.invalid_request', field: 'enterprise_slug' },
      'refused',
    );
  });
  t.test("passing another user's intent as the existing one is a programming error", async (t) => {
    t.throws(() => planCreateOrUpdate(intent({ userId: '99' }), request(), context), /another user or product/, 'throws');
  });
  t.test('terms metadata that is an array is an invalid request', async (t) => {
    const termsMetadata = [] as unknown as CreateIntentRequest['termsMetadata'];
    t.throws(() => planCreateOrUpdate(null, request({ termsMetadata }), context), { code: 'checkout_intent.invalid_request', field: 'terms_metadata' }, 'refused');
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
