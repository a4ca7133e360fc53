import { ConflictError } from '../errors.ts';
import type { CheckoutIntent } from './intent.ts';
import { isExpired } from './lifetime.ts';

/** The intent cannot be paid now: not `created`, past its reservation, or a payment of it is complete or processing. */
export class IntentNotPayableError extends ConflictError {
  constructor(detail: string) {
    super('checkout_intent.not_payable', detail);
  }
}

/** Throws IntentNotPayableError unless the intent is `created` and inside its reservation (issue 14). */
export function assertPayable(intent: CheckoutIntent, now: Date): void {
  if (intent.state !== 'created') throw new IntentNotPayableError(`A ${intent.state} checkout intent cannot be paid.`);
  if (isExpired(intent, now)) throw new IntentNotPayableError('The checkout intent has expired; create it again.');
}

/** A Checkout Session is reused only while it stays open this much longer (the learner needs time to pay). */
export const SESSION_REUSE_MARGIN_MS = 5 * 60_000;
/** Stripe's window for a session's `expires_at`: 30 minutes to 24 hours after creation. */
const STRIPE_MIN_EXPIRY_MS = 30 * 60_000;
const STRIPE_MAX_EXPIRY_MS = 24 * 60 * 60_000;
/** Kept away from both ends of Stripe's window, so clocks a little apart never make Stripe refuse it. */
const CLOCK_MARGIN_MS = 60_000;

/**
 * The session's `expires_at`: the intent's reservation end, clamped into Stripe's window. Whole seconds
 * (Stripe's unit); the clamped ends are rounded to the minute so a retry within the minute sends the very
 * same parameters under the same Idempotency-Key (Stripe refuses a key reused with other parameters).
 */
export function sessionExpiry(intentExpiresAt: Date, now: Date): Date {
  const earliest = ceilToMinute(now.getTime() + STRIPE_MIN_EXPIRY_MS + CLOCK_MARGIN_MS);
  const latest = floorToMinute(now.getTime() + STRIPE_MAX_EXPIRY_MS - CLOCK_MARGIN_MS);
  const wanted = Math.floor(intentExpiresAt.getTime() / 1000) * 1000;
  return new Date(Math.min(Math.max(wanted, earliest), latest));
}

/** The Idempotency-Key of the intent's next session: one key per (intent, attempt), so a retry never makes a second one. */
export function sessionIdempotencyKey(intent: Pick<CheckoutIntent, 'uuid' | 'checkoutSessionAttempts'>): string {
  return `academy-billing:checkout-session:${intent.uuid}:${intent.checkoutSessionAttempts + 1}`;
}

/** The intent now holds a new session (attempt + 1). */
export function attachSession(intent: CheckoutIntent, sessionId: string, now: Date): CheckoutIntent {
  return { ...intent, stripeCheckoutSessionId: sessionId, checkoutSessionAttempts: intent.checkoutSessionAttempts + 1, modified: now };
}

/**
 * The intent's current session will never pay it (expired, its asynchronous payment failed, or its payment
 * was refused): a `created` intent forgets it, so a new one can be made, and so does an `expired` one (it
 * may be reopened; the reconcile job stops asking Stripe about it); `error` is recorded as the last
 * checkout error. Any other state, or another session than the current one, changes nothing (events may
 * arrive late or out of order: an `expired` after a `completed` never moves a paid intent back).
 */
export function releaseSession(intent: CheckoutIntent, sessionId: string, now: Date, error?: string): CheckoutIntent {
  if ((intent.state !== 'created' && intent.state !== 'expired') || intent.stripeCheckoutSessionId !== sessionId) return intent;
  return {
    ...intent,
    stripeCheckoutSessionId: null,
    lastCheckoutError: error ?? intent.lastCheckoutError,
    modified: now,
  };
}

function ceilToMinute(ms: number): number {
  return Math.ceil(ms / 60_000) * 60_000;
}

function floorToMinute(ms: number): number {
  return Math.floor(ms / 60_000) * 60_000;
}
