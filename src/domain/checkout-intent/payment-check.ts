import { TEAMS_PRODUCT_ID, type CheckoutIntent } from './intent.ts';

/**
 * The metadata keys this service sets on every Checkout Session it creates (server side, with the
 * secret key: a learner cannot choose them, unlike `client_reference_id`, which a Payment Link takes
 * from its URL). The webhook marks an intent paid only when all four name that very intent.
 */
export const SESSION_METADATA_KEYS = {
  intentUuid: 'intent_uuid',
  userId: 'user_id',
  stripeProductId: 'stripe_product_id',
  quantity: 'quantity',
} as const;

/**
 * A Teams intent's `stripe_product_id` in its session's metadata. Not the intent's own '' (TEAMS_PRODUCT_ID):
 * Stripe unsets a metadata key posted with an empty value, so the session would come back without the
 * key and its payment would be refused. Academy intents send their product id as it is (docs/decisions/0021).
 */
export const TEAMS_SESSION_PRODUCT = 'teams';

/** The `stripe_product_id` metadata value a session for an intent of `stripeProductId` carries. */
export function sessionProductMetadata(stripeProductId: string): string {
  return stripeProductId === TEAMS_PRODUCT_ID ? TEAMS_SESSION_PRODUCT : stripeProductId;
}

/** What a `checkout.session.*` event says about its session, read defensively by the adapter. */
export interface CheckoutSessionFacts {
  /** Null when the event carries no usable id (never the string "undefined"). */
  readonly id: string | null;
  readonly clientReferenceId: string | null;
  /** `paid`, `unpaid` or `no_payment_required` as Stripe sends it; null when absent. */
  readonly paymentStatus: string | null;
  /** In the currency's minor units; null when absent or not an integer. */
  readonly amountTotal: number | null;
  /** Lower case; null when absent. */
  readonly currency: string | null;
  /** String values only (Stripe metadata values are strings); anything else is left out. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly customerId: string | null;
}

/** The price the intent must have been paid with, or why it cannot be known. */
export type ExpectedPrice =
  | { readonly known: true; readonly unitAmount: number; readonly currency: string }
  | { readonly known: false; readonly reason: string };

export type PaymentVerdict = { readonly accepted: true } | { readonly accepted: false; readonly reason: string };

/**
 * Does this session pay for this intent? Every refusal names what did not match (never the values a
 * caller could have chosen, so the reason is safe to store and log). `no_payment_required` is accepted
 * only when nothing is owed: the expected amount (quantity × unit_amount) is 0.
 */
export function checkSessionPaysIntent(intent: CheckoutIntent, session: CheckoutSessionFacts, expected: ExpectedPrice): PaymentVerdict {
  if (session.id === null) return refuse('the event carries no checkout session id');
  if (session.clientReferenceId !== null && session.clientReferenceId !== intent.uuid) {
    return refuse('client_reference_id does not name this intent');
  }
  const metadataMismatch = mismatchedMetadataKey(intent, session.metadata);
  if (metadataMismatch !== null) return refuse(`session metadata ${metadataMismatch} is missing or does not match the intent`);
  if (!expected.known) return refuse(`the amount cannot be verified: ${expected.reason}`);
  const owed = intent.quantity * expected.unitAmount;
  if (!Number.isSafeInteger(owed)) return refuse('the amount owed is too large to verify');
  if (session.paymentStatus === 'no_payment_required') {
    if (owed !== 0) return refuse('payment_status is no_payment_required but the intent has an amount to pay');
  } else if (session.paymentStatus !== 'paid') {
    return refuse(`payment_status is ${describeStatus(session.paymentStatus)}, not paid`);
  }
  if (session.currency !== expected.currency) return refuse(`the session currency is not the price's (${expected.currency})`);
  if (session.amountTotal !== owed) {
    return refuse(`amount_total ${session.amountTotal ?? 'missing'} is not quantity × unit_amount = ${owed}`);
  }
  return { accepted: true };
}

function mismatchedMetadataKey(intent: CheckoutIntent, metadata: Readonly<Record<string, string>>): string | null {
  const wanted: ReadonlyArray<readonly [string, string]> = [
    [SESSION_METADATA_KEYS.intentUuid, intent.uuid],
    [SESSION_METADATA_KEYS.userId, intent.userId],
    [SESSION_METADATA_KEYS.stripeProductId, sessionProductMetadata(intent.stripeProductId)],
    [SESSION_METADATA_KEYS.quantity, String(intent.quantity)],
  ];
  for (const [key, value] of wanted) {
    if (!Object.hasOwn(metadata, key) || metadata[key] !== value) return key;
  }
  return null;
}

const KNOWN_STATUSES = new Set(['paid', 'unpaid', 'no_payment_required']);

/** Stripe's own statuses are named; anything else is not echoed into the stored reason. */
function describeStatus(status: string | null): string {
  if (status === null) return 'missing';
  return KNOWN_STATUSES.has(status) ? status : 'not a known status';
}

function refuse(reason: string): PaymentVerdict {
  return { accepted: false, reason };
}
