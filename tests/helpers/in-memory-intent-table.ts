import { Buffer } from 'node:buffer';
import { UUID_PATTERN } from '../../src/domain/shapes.ts';
import {
  ActiveIntentConflictError,
  SlugReservationError,
  isActive,
  isCheckoutIntentState,
  isTeamsIntent,
  reservationKey,
  type CheckoutIntent,
  type JsonValue,
  type TermsMetadata,
} from '../../src/domain/checkout-intent.ts';
import { databaseError } from './in-memory-transactions.ts';

// The `checkout_intents` table's own rules (migrations 0002-0005), for the in-memory repository: what its columns
// accept and how they give a value back (the same refusals, with the SQLSTATE the driver reports: a raw error the
// caller does not translate, as from PostgreSQL), and the uniqueness rules its indexes and constraints enforce.

const INT32 = 2_147_483_647;
const NUL = '\u0000';
const VARCHAR_255 = ['stripeProductId', 'enterpriseName', 'enterpriseSlug', 'stripeCustomerId', 'stripeCheckoutSessionId'] as const;
const TEXT = ['userId', 'lastCheckoutError', 'lastProvisioningError'] as const;

/** The row as PostgreSQL would store and return it, or the error it would raise. */
export function storedRow(intent: CheckoutIntent): CheckoutIntent {
  for (const column of [...VARCHAR_255, ...TEXT]) {
    const value = intent[column];
    if (value === null) continue;
    if (value.includes(NUL)) throw databaseError('22021', 'invalid byte sequence for encoding "UTF8": 0x00');
    if ((VARCHAR_255 as readonly string[]).includes(column) && [...value].length > 255) {
      throw databaseError('22001', 'value too long for type character varying(255)');
    }
  }
  for (const column of ['expiresAt', 'created', 'modified'] as const) {
    if (Number.isNaN(intent[column].getTime())) throw databaseError('22007', 'invalid input syntax for type timestamp with time zone');
  }
  integer(intent.quantity);
  integer(intent.checkoutSessionAttempts);
  if (intent.country !== null && [...intent.country].length > 2) throw databaseError('22001', 'value too long for type character(2)');
  if (intent.enterpriseUuid !== null && !UUID_PATTERN.test(intent.enterpriseUuid)) throw databaseError('22P02', 'invalid input syntax for type uuid');
  const termsMetadata = jsonb(intent.termsMetadata);

  // PostgreSQL checks a table's constraints in the order of their names.
  check(intent.country === null || /^[A-Z]{2}$/.test(intent.country), 'checkout_intents_country_alpha2');
  check(intent.quantity > 0, 'checkout_intents_quantity_positive');
  check(intent.checkoutSessionAttempts >= 0, 'checkout_intents_session_attempts_non_negative');
  check(isCheckoutIntentState(intent.state), 'checkout_intents_state_known');
  check(isJsonObject(termsMetadata), 'checkout_intents_terms_metadata_object');
  // btrim() trims spaces only.
  check(intent.userId.replace(/^ +| +$/g, '') !== '', 'checkout_intents_user_id_not_blank');

  return copyOf({ ...intent, enterpriseUuid: intent.enterpriseUuid?.toLowerCase() ?? null, termsMetadata: termsMetadata as TermsMetadata });
}

/** A copy sharing nothing with the stored row (the driver parses every row afresh). */
export function copyOf(intent: CheckoutIntent): CheckoutIntent {
  return structuredClone(intent);
}

function integer(value: number): void {
  if (!Number.isInteger(value)) throw databaseError('22P02', 'invalid input syntax for type integer');
  if (Math.abs(value) > INT32) throw databaseError('22003', 'value is out of range for type integer');
}

function check(holds: boolean, constraint: string): void {
  if (!holds) throw databaseError('23514', `new row for relation "checkout_intents" violates check constraint "${constraint}"`, constraint);
}

function isJsonObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON written as text (JSON.stringify, as the adapter does), read back as jsonb returns it: keys in jsonb's order. */
function jsonb(value: unknown): JsonValue {
  return jsonbOrder(JSON.parse(JSON.stringify(value)) as JsonValue);
}

/**
 * jsonb keeps one value per key and sorts keys shorter first, then bytewise (PostgreSQL's jsonb documentation);
 * it refuses \u0000 in a string or key.
 */
function jsonbOrder(value: JsonValue): JsonValue {
  if (typeof value === 'string' && value.includes(NUL)) throw databaseError('22P05', 'unsupported Unicode escape sequence');
  if (Array.isArray(value)) return value.map(jsonbOrder);
  if (typeof value !== 'object' || value === null) return value;
  if (Object.keys(value).some((key) => key.includes(NUL))) throw databaseError('22P05', 'unsupported Unicode escape sequence');
  const keys = Object.keys(value).sort((a, b) => {
    const [left, right] = [Buffer.from(a), Buffer.from(b)];
    return left.length - right.length || Buffer.compare(left, right);
  });
  return Object.fromEntries(keys.map((key) => [key, jsonbOrder((value as Record<string, JsonValue>)[key] ?? null)]));
}

/** The database's rules on a pair of rows, in the order PostgreSQL checks them, with the error the adapter turns each into. */
export const CONSTRAINTS: ReadonlyArray<{ breaks(row: CheckoutIntent, other: CheckoutIntent): boolean; error(): Error }> = [
  // checkout_intents_one_active_academy_key and _teams_key: one active intent per user and product (and slug, for
  // an academy; NULL and '' folded together).
  {
    breaks: (row, other) =>
      row.userId === other.userId &&
      row.stripeProductId === other.stripeProductId &&
      isActive(row) &&
      isActive(other) &&
      (isTeamsIntent(row) || (row.enterpriseSlug ?? '') === (other.enterpriseSlug ?? '')),
    error: () => new ActiveIntentConflictError(),
  },
  // checkout_intents_enterprise_slug_one_holder and _name_one_holder: one user per slug or name, in any state but
  // expired (the constraints cannot see time, so a lapsed created intent still holds until it is moved).
  {
    breaks: (row, other) =>
      row.userId !== other.userId && row.state !== 'expired' && other.state !== 'expired' && sameReservationKey(row.enterpriseSlug, other.enterpriseSlug),
    error: () => new SlugReservationError(),
  },
  {
    breaks: (row, other) =>
      row.userId !== other.userId && row.state !== 'expired' && other.state !== 'expired' && sameReservationKey(row.enterpriseName, other.enterpriseName),
    error: () => new SlugReservationError(),
  },
];

/**
 * The database's enterprise_reservation_key() comparison (NULL matches nothing). reservationKey() drops the same
 * separators (migration 0008); letter case beyond ASCII may still fold differently (the database folds per its
 * locale), which the contract suite leaves out.
 */
export function sameReservationKey(left: string | null, right: string | null): boolean {
  return left !== null && right !== null && reservationKey(left) === reservationKey(right);
}

export function holdsReservationOf(
  intent: CheckoutIntent,
  reservation: { readonly enterpriseSlug: string | null; readonly enterpriseName: string | null },
): boolean {
  return sameReservationKey(intent.enterpriseSlug, reservation.enterpriseSlug) || sameReservationKey(intent.enterpriseName, reservation.enterpriseName);
}
