import { InvalidCheckoutIntentRequestError, InvalidTransitionError, PaidIntentMismatchError } from './errors.ts';
import type { CheckoutIntent } from './intent.ts';
import { reservationEnd } from './lifetime.ts';
import { canTransition, type CheckoutIntentState } from './states.ts';

/** Throws InvalidTransitionError (naming both states) unless §5's table allows `from → to`. */
export function assertTransition(from: CheckoutIntentState, to: CheckoutIntentState): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
}

export interface PaymentReference {
  readonly sessionId?: string | null | undefined;
  readonly customerId?: string | null | undefined;
}

/**
 * created → paid records the Stripe ids; paid → paid is a webhook replay: the same ids (or none)
 * return the intent itself, a missing id is filled in, a different one is a PaidIntentMismatchError.
 * A created intent past its reservation can still be paid: the user's money has moved.
 */
export function markPaid(intent: CheckoutIntent, payment: PaymentReference, now: Date): CheckoutIntent {
  const sessionId = nonBlank(payment.sessionId, 'stripe_checkout_session_id');
  const customerId = nonBlank(payment.customerId, 'stripe_customer_id');
  if (sessionId === null && customerId === null) {
    throw new InvalidCheckoutIntentRequestError(
      'stripe_checkout_session_id',
      'Marking paid needs a Stripe checkout session id or customer id.',
    );
  }
  assertTransition(intent.state, 'paid');
  if (intent.state === 'paid') {
    if (differs(intent.stripeCheckoutSessionId, sessionId)) throw new PaidIntentMismatchError('stripeCheckoutSessionId');
    if (differs(intent.stripeCustomerId, customerId)) throw new PaidIntentMismatchError('stripeCustomerId');
  }
  const next = {
    ...intent,
    state: 'paid' as const,
    stripeCheckoutSessionId: sessionId ?? intent.stripeCheckoutSessionId,
    stripeCustomerId: customerId ?? intent.stripeCustomerId,
    // An earlier failed attempt is history once the intent is paid (a replay keeps what is there).
    lastCheckoutError: intent.state === 'paid' ? intent.lastCheckoutError : null,
  };
  return unchanged(intent, next) ? intent : { ...next, modified: now };
}

/**
 * A payment whose money has moved (a session proven to pay this intent): the intent becomes paid even when the
 * expire job got there first — expired → created → paid, two legal transitions, without a new reservation
 * (the payment ends it). The unique indexes still have the last word on the reopened intent.
 */
export function markPaidByPayment(intent: CheckoutIntent, payment: PaymentReference, now: Date): CheckoutIntent {
  if (intent.state !== 'expired') return markPaid(intent, payment, now);
  assertTransition('expired', 'created');
  return markPaid({ ...intent, state: 'created' }, payment, now);
}

/** expired → created starts a fresh reservation (a created intent is returned as it is); the unique indexes refuse it if another intent is active. */
export function reopen(intent: CheckoutIntent, now: Date, reservationMinutes: number): CheckoutIntent {
  assertTransition(intent.state, 'created');
  if (intent.state === 'created') return intent;
  return { ...intent, state: 'created', expiresAt: reservationEnd(now, reservationMinutes), modified: now };
}

/** Provisioning finished; `enterpriseUuid` is the customer it created, when known. */
export function markFulfilled(
  intent: CheckoutIntent,
  now: Date,
  details: { readonly enterpriseUuid?: string | null | undefined } = {},
): CheckoutIntent {
  return moveTo(intent, 'fulfilled', now, { enterpriseUuid: details.enterpriseUuid ?? intent.enterpriseUuid });
}

/** Back-office (Stripe/billing side) failure after payment; recorded as the last checkout error. */
export function markBackofficeError(intent: CheckoutIntent, message: string, now: Date): CheckoutIntent {
  return moveTo(intent, 'errored_backoffice', now, { lastCheckoutError: message });
}

/**
 * A checkout problem that changes no state (a refused or failed payment): the reason is kept as the
 * last checkout error for support; the intent stays where it is.
 */
export function recordCheckoutError(intent: CheckoutIntent, message: string, now: Date): CheckoutIntent {
  return moveTo(intent, intent.state, now, { lastCheckoutError: message });
}

export function markProvisioningError(intent: CheckoutIntent, message: string, now: Date): CheckoutIntent {
  return moveTo(intent, 'errored_provisioning', now, { lastProvisioningError: message });
}

/** Paid but never fulfilled in time: a provisioning problem, so the message goes to the provisioning error. */
export function markStalled(intent: CheckoutIntent, message: string, now: Date): CheckoutIntent {
  return moveTo(intent, 'errored_fulfillment_stalled', now, { lastProvisioningError: message });
}

export function expire(intent: CheckoutIntent, now: Date): CheckoutIntent {
  return moveTo(intent, 'expired', now, {});
}

function moveTo(
  intent: CheckoutIntent,
  to: CheckoutIntentState,
  now: Date,
  changes: Partial<Pick<CheckoutIntent, 'enterpriseUuid' | 'lastCheckoutError' | 'lastProvisioningError'>>,
): CheckoutIntent {
  assertTransition(intent.state, to);
  const next = { ...intent, ...changes, state: to };
  // Same state and same values: hand back the very object so callers can skip the write.
  return unchanged(intent, next) ? intent : { ...next, modified: now };
}

function unchanged(before: CheckoutIntent, after: CheckoutIntent): boolean {
  return (Object.keys(after) as Array<keyof CheckoutIntent>).every((key) => before[key] === after[key]);
}

function differs(stored: string | null, given: string | null): boolean {
  return stored !== null && given !== null && stored !== given;
}

function nonBlank(value: string | null | undefined, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (value.trim() === '' || value.length > 255) {
    throw new InvalidCheckoutIntentRequestError(field, `${field} must be a non-blank string of at most 255 characters.`);
  }
  return value;
}
