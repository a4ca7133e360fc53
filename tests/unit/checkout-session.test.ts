import t from 'tap';
import {
  IntentNotPayableError,
  assertPayable,
  attachSession,
  releaseSession,
  sessionExpiry,
  sessionIdempotencyKey,
  type CheckoutIntent,
} from '../../src/domain/checkout-intent.ts';
import { sampleIntent } from '../helpers/intent-fixture.ts';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const MINUTE = 60_000;

const intent = (overrides: Partial<CheckoutIntent> = {}): CheckoutIntent =>
  sampleIntent({
    uuid: '9a1b7c52-3f0e-4a8e-9d7c-2b5e0f1a6c33',
    stripeCheckoutSessionId: 'cs_current',
    expiresAt: new Date(NOW.getTime() + 600 * MINUTE),
    checkoutSessionAttempts: 1,
    ...overrides,
  });

t.test("a session expires with the intent's reservation, clamped into Stripe's 30 min – 24 h window", async (t) => {
  const within = new Date(NOW.getTime() + 300 * MINUTE + 1234);
  t.equal(sessionExpiry(within, NOW).getTime(), NOW.getTime() + 300 * MINUTE + 1000, 'inside the window: the reservation end, in whole seconds');
  t.equal(sessionExpiry(new Date(NOW.getTime() + 5 * MINUTE), NOW).getTime(), NOW.getTime() + 31 * MINUTE, 'too soon: 30 minutes plus a minute of margin');
  t.equal(sessionExpiry(new Date(NOW.getTime() + 10 * 1440 * MINUTE), NOW).getTime(), NOW.getTime() + 1439 * MINUTE, 'too late: 24 hours less a minute');
  const aSecondLater = new Date(NOW.getTime() + 1000);
  t.equal(
    sessionExpiry(new Date(NOW.getTime() + 5 * MINUTE), aSecondLater).getTime(),
    sessionExpiry(new Date(NOW.getTime() + 5 * MINUTE), new Date(NOW.getTime() + 1)).getTime(),
    'a clamped expiry is the same for a retry within the minute (same Idempotency-Key parameters)',
  );
});

t.test('only a created intent inside its reservation is payable', async (t) => {
  t.doesNotThrow(() => assertPayable(intent(), NOW), 'created and in time');
  t.throws(() => assertPayable(intent({ state: 'paid' }), NOW), IntentNotPayableError, 'paid');
  t.throws(() => assertPayable(intent({ state: 'expired' }), NOW), IntentNotPayableError, 'expired');
  t.throws(() => assertPayable(intent({ expiresAt: NOW }), NOW), IntentNotPayableError, 'at its expires_at');
});

t.test('the Idempotency-Key names the intent and the next attempt; attaching a session moves to that attempt', async (t) => {
  const before = intent({ checkoutSessionAttempts: 4, stripeCheckoutSessionId: null });
  t.equal(sessionIdempotencyKey(before), 'academy-billing:checkout-session:9a1b7c52-3f0e-4a8e-9d7c-2b5e0f1a6c33:5');
  const after = attachSession(before, 'cs_new', NOW);
  t.equal(after.stripeCheckoutSessionId, 'cs_new');
  t.equal(after.checkoutSessionAttempts, 5);
  t.not(sessionIdempotencyKey(after), sessionIdempotencyKey(before), 'the next attempt gets another key');
});

t.test("releasing a session forgets only the intent's current session, and only while created", async (t) => {
  const later = new Date(NOW.getTime() + MINUTE);
  const released = releaseSession(intent(), 'cs_current', later, 'card declined');
  t.equal(released.stripeCheckoutSessionId, null, 'the current session is forgotten');
  t.equal(released.lastCheckoutError, 'card declined', 'the error is recorded');
  t.same(released.modified, later);
  t.equal(releaseSession(intent(), 'cs_current', later).lastCheckoutError, null, 'no error given, none recorded');
  const current = intent();
  t.equal(releaseSession(current, 'cs_other', later), current, 'another session changes nothing');
  const paid = intent({ state: 'paid' });
  t.equal(releaseSession(paid, 'cs_current', later), paid, 'a paid intent never moves back');
});
