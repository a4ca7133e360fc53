import { ACTIVE_STATES_ACADEMY, ACTIVE_STATES_TEAMS } from './states.ts';
import type { CheckoutIntentState } from './states.ts';

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Free-form record of the terms a user accepted; always a JSON object, never an array or null. */
export type TermsMetadata = { readonly [key: string]: JsonValue };

/**
 * A user's attempt to buy a Teams trial (`stripeProductId === ''`) or an academy (spec §5).
 * Nullable fields are the ones the original model leaves empty until a later step fills them.
 */
export interface CheckoutIntent {
  readonly id: number;
  readonly uuid: string;
  /** Text, because user ids come from JWT claims that may be numeric or not. */
  readonly userId: string;
  readonly stripeProductId: string;
  readonly state: CheckoutIntentState;
  readonly enterpriseName: string | null;
  readonly enterpriseSlug: string | null;
  readonly enterpriseUuid: string | null;
  readonly stripeCustomerId: string | null;
  readonly stripeCheckoutSessionId: string | null;
  readonly quantity: number;
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string | null;
  readonly expiresAt: Date;
  readonly lastCheckoutError: string | null;
  readonly lastProvisioningError: string | null;
  readonly termsMetadata: TermsMetadata;
  /** Checkout Sessions given so far; the next one is attempt `checkoutSessionAttempts + 1` (its Idempotency-Key). */
  readonly checkoutSessionAttempts: number;
  readonly created: Date;
  readonly modified: Date;
}

/** What a repository needs to insert an intent; it generates id, uuid and the timestamps. */
export type NewCheckoutIntent = Omit<CheckoutIntent, 'id' | 'uuid' | 'created' | 'modified'>;

export const TEAMS_PRODUCT_ID = '';

export function isTeamsIntent(intent: Pick<CheckoutIntent, 'stripeProductId'>): boolean {
  return intent.stripeProductId === TEAMS_PRODUCT_ID;
}

/** The states counted by the partial unique index for this kind of intent. */
export function activeStatesFor(intent: Pick<CheckoutIntent, 'stripeProductId'>): readonly CheckoutIntentState[] {
  return isTeamsIntent(intent) ? ACTIVE_STATES_TEAMS : ACTIVE_STATES_ACADEMY;
}

/**
 * Mirrors the unique-index predicate, which can only see the state column: a created intent
 * past its reservation is still active here until the expire job (or create) moves it.
 */
export function isActive(intent: Pick<CheckoutIntent, 'stripeProductId' | 'state'>): boolean {
  return activeStatesFor(intent).includes(intent.state);
}
