import type { CheckoutIntent } from './intent.ts';
import type { CheckoutIntentState } from './states.ts';

// The time rules of an intent's life (spec §5), stated once. The use cases decide with these functions, the
// in-memory repository filters with them, and the PostgreSQL adapter's queries are their SQL translation, held to
// them at every boundary by tests/contracts/checkout-intent-repository.contract.ts.

/** Open: created, whether or not its reservation has run out (MAX_OPEN_INTENTS_PER_USER counts these). */
export function isOpen(intent: Pick<CheckoutIntent, 'state'>): boolean {
  return intent.state === 'created';
}

/** A new or reopened intent is reserved this long from `now` (INTENT_RESERVATION_DURATION_MINUTES). */
export function reservationEnd(now: Date, reservationMinutes: number): Date {
  return new Date(now.getTime() + reservationMinutes * 60_000);
}

/**
 * A created intent whose reservation has run out. The reservation is the half-open interval
 * [created, expiresAt): at exactly `expiresAt` it has expired. A paid intent never expires.
 */
export function isExpired(intent: Pick<CheckoutIntent, 'state' | 'expiresAt'>, now: Date): boolean {
  return intent.state === 'created' && intent.expiresAt.getTime() <= now.getTime();
}

/** The states §5 `for_user` shows (for Teams intents too: a fulfilled one is done, not current). */
export const CURRENT_STATES: readonly CheckoutIntentState[] = ['created', 'paid'];

/** §5 `for_user`: a created intent inside its reservation, or a paid one whatever its expires_at. */
export function isCurrent(intent: Pick<CheckoutIntent, 'state' | 'expiresAt'>, now: Date): boolean {
  return CURRENT_STATES.includes(intent.state) && !isExpired(intent, now);
}

/**
 * Holds its enterprise slug and name against other users: any intent but an expired one or a created one past
 * its reservation. (The database's exclusion constraints cannot see time: they keep counting a lapsed created
 * intent until the expire job or releaseLapsedReservations moves it to expired.)
 */
export function holdsEnterpriseReservation(intent: Pick<CheckoutIntent, 'state' | 'expiresAt'>, now: Date): boolean {
  return intent.state !== 'expired' && !isExpired(intent, now);
}

/** The latest `modified` a paid intent may have at `now` and count as stalled (STALLED_FULFILLMENT_SECONDS). */
export function stalledCutoff(now: Date, stalledSeconds: number): Date {
  return new Date(now.getTime() - stalledSeconds * 1000);
}

/** Paid and untouched since `cutoff` (inclusive): its fulfilment has stalled. */
export function isStalled(intent: Pick<CheckoutIntent, 'state' | 'modified'>, cutoff: Date): boolean {
  return intent.state === 'paid' && intent.modified.getTime() <= cutoff.getTime();
}

/** The states whose intent's Checkout Session may still pay it: a session can outlive its intent's reservation. */
export const SESSION_RECONCILED_STATES: readonly CheckoutIntentState[] = ['created', 'expired'];

/** The reconcile job asks Stripe about this intent's session: it holds one, and its payment may still reopen it. */
export function awaitsSessionOutcome(intent: Pick<CheckoutIntent, 'state' | 'stripeCheckoutSessionId'>): boolean {
  return SESSION_RECONCILED_STATES.includes(intent.state) && intent.stripeCheckoutSessionId !== null;
}
