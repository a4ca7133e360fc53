import { ConflictError, DomainError, NotFoundError } from '../errors.ts';
import type { CheckoutIntentState } from './states.ts';

/** A state change the transition table (spec §5) does not allow; maps to 422 `invalid_state_transition`. */
export class InvalidTransitionError extends DomainError {
  constructor(
    readonly from: CheckoutIntentState,
    readonly to: CheckoutIntentState,
  ) {
    super('checkout_intent.invalid_transition', `Cannot transition checkout intent from ${from} to ${to}.`);
  }
}

/**
 * A paid intent asked to become paid again with another Stripe session or customer.
 * Its own code (not invalid_transition) because paid → paid is legal; only the ids disagree,
 * which means two payments point at one intent — a conflict an operator must look at.
 */
export class PaidIntentMismatchError extends ConflictError {
  constructor(readonly mismatchedField: 'stripeCheckoutSessionId' | 'stripeCustomerId') {
    super(
      'checkout_intent.paid_mismatch',
      mismatchedField === 'stripeCheckoutSessionId'
        ? 'Checkout intent is already paid with a different Stripe checkout session.'
        : 'Checkout intent is already paid by a different Stripe customer.',
    );
  }
}

/**
 * Another user's non-expired intent holds the requested enterprise slug or name (compared as people read
 * them). The message says no more than the caller needs: not which of the two, not by whom, not since when.
 */
export class SlugReservationError extends ConflictError {
  constructor() {
    super('checkout_intent.slug_reservation', 'This enterprise slug or name is not available.');
  }
}

/** The user already has MAX_OPEN_INTENTS_PER_USER created intents; one must be paid or expire first. */
export class TooManyOpenIntentsError extends ConflictError {
  constructor(readonly limit: number) {
    super('checkout_intent.too_many_open', `At most ${limit} open checkout intents per user; pay for or abandon one first.`);
  }
}

/** The user's intent for this product failed; a new one would hide the failure from support. */
export class FailedIntentExistsError extends ConflictError {
  constructor(readonly state: CheckoutIntentState) {
    super('checkout_intent.failed_exists', `A failed checkout intent (${state}) exists for this product.`);
  }
}

/** A concurrent writer won the race for the partial unique index (Postgres 23505 at the adapter). */
export class ActiveIntentConflictError extends ConflictError {
  constructor() {
    super('checkout_intent.active_conflict', 'An active checkout intent already exists for this user and product.');
  }
}

export class CheckoutIntentNotFoundError extends NotFoundError {
  constructor() {
    super('checkout_intent.not_found');
  }
}

/** A create/transition request that breaks a field rule; `field` is the snake_case request key for the 400 body. */
export class InvalidCheckoutIntentRequestError extends DomainError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('checkout_intent.invalid_request', message);
  }
}
