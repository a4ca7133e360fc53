import { MAX_INT32 } from '../shapes.ts';
import { SLUG_PATTERN } from '../sync/slug.ts';
import { FailedIntentExistsError, InvalidCheckoutIntentRequestError, SlugReservationError } from './errors.ts';
import type { CheckoutIntent, NewCheckoutIntent, TermsMetadata } from './intent.ts';
import { TEAMS_PRODUCT_ID } from './intent.ts';
import { isErroredState } from './states.ts';

/** A create-or-update request as the use case receives it; null and undefined both mean "omitted". */
export interface CreateIntentRequest {
  readonly userId: string;
  readonly quantity: number;
  readonly enterpriseSlug?: string | null | undefined;
  readonly enterpriseName?: string | null | undefined;
  readonly country?: string | null | undefined;
  readonly termsMetadata?: TermsMetadata | null | undefined;
  /** '' (the default) is a Teams intent. */
  readonly stripeProductId?: string | undefined;
}

/** The request after validation: country upper-cased, name trimmed, product defaulted. */
export interface ValidCreateIntentRequest {
  readonly userId: string;
  readonly quantity: number;
  readonly enterprise: { readonly slug: string; readonly name: string } | null;
  readonly country: string | null;
  readonly termsMetadata: TermsMetadata | null;
  readonly stripeProductId: string;
}

export interface PlanContext {
  readonly now: Date;
  readonly reservationMinutes: number;
  /** Another user's non-expired intent holds the slug or name of `reservationSought` (the use case asks the repository). */
  readonly slugHeldByOtherUser: boolean;
}

/** The columns a reopened intent writes; everything else is kept. */
export type ReopenedFields = Pick<
  CheckoutIntent,
  'quantity' | 'expiresAt' | 'enterpriseSlug' | 'enterpriseName' | 'country' | 'termsMetadata' | 'modified'
> & { readonly state: 'created' };

export type CreateOrUpdatePlan =
  | { readonly action: 'return_unchanged'; readonly intent: CheckoutIntent }
  | { readonly action: 'create'; readonly fields: NewCheckoutIntent }
  | { readonly action: 'update'; readonly intent: CheckoutIntent; readonly fields: ReopenedFields };

/** terms_metadata bounds (issue 15): serialized JSON size in UTF-8 bytes, and top-level keys. */
export const MAX_TERMS_METADATA_BYTES = 4_096;
export const MAX_TERMS_METADATA_KEYS = 50;
const COUNTRY = /^[A-Za-z]{2}$/;
const CONTROL = /\p{Cc}/u;
const MAX_TEXT = 255;
// Postgres `integer`: a larger quantity would fail in the database as a 500, not a 400.
const MAX_QUANTITY = MAX_INT32;

/** Throws InvalidCheckoutIntentRequestError (`checkout_intent.invalid_request`) naming the first bad field. */
export function validateCreateIntentRequest(request: CreateIntentRequest): ValidCreateIntentRequest {
  const { quantity } = request;
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
    invalid('quantity', 'quantity must be a positive integer.');
  }
  if (request.userId.trim() === '') invalid('user_id', 'A checkout intent needs a user.');
  return {
    userId: request.userId,
    quantity,
    enterprise: validateEnterprise(request.enterpriseSlug ?? null, request.enterpriseName ?? null),
    country: validateCountry(request.country ?? null),
    termsMetadata: validateTerms(request.termsMetadata ?? null),
    stripeProductId: validateProductId(request.stripeProductId ?? TEAMS_PRODUCT_ID),
  };
}

/** The slug and name the intent will hold after the plan: the requested ones, else the existing ones. */
export function reservationSought(
  existing: CheckoutIntent | null,
  request: ValidCreateIntentRequest,
): { readonly enterpriseSlug: string | null; readonly enterpriseName: string | null } {
  if (request.enterprise) return { enterpriseSlug: request.enterprise.slug, enterpriseName: request.enterprise.name };
  return { enterpriseSlug: existing?.enterpriseSlug ?? null, enterpriseName: existing?.enterpriseName ?? null };
}

/**
 * Spec §5 create-or-update, as a pure decision on the user's latest intent for the same product.
 * The order matters: a paid or fulfilled intent wins over everything (the user already bought),
 * then a failure blocks, then the slug reservation is checked.
 */
export function planCreateOrUpdate(
  existing: CheckoutIntent | null,
  request: CreateIntentRequest,
  context: PlanContext,
): CreateOrUpdatePlan {
  const valid = validateCreateIntentRequest(request);
  if (existing && (existing.userId !== valid.userId || existing.stripeProductId !== valid.stripeProductId)) {
    throw new Error('planCreateOrUpdate: the existing intent belongs to another user or product.');
  }
  if (existing && (existing.state === 'paid' || existing.state === 'fulfilled')) {
    return { action: 'return_unchanged', intent: existing };
  }
  if (existing && isErroredState(existing.state)) throw new FailedIntentExistsError(existing.state);
  if (context.slugHeldByOtherUser) throw new SlugReservationError();

  const { now } = context;
  const expiresAt = new Date(now.getTime() + context.reservationMinutes * 60_000);
  const { enterpriseSlug, enterpriseName } = reservationSought(existing, valid);
  if (!existing) {
    return {
      action: 'create',
      fields: {
        userId: valid.userId,
        stripeProductId: valid.stripeProductId,
        state: 'created',
        enterpriseName,
        enterpriseSlug,
        enterpriseUuid: null,
        stripeCustomerId: null,
        stripeCheckoutSessionId: null,
        quantity: valid.quantity,
        country: valid.country,
        expiresAt,
        lastCheckoutError: null,
        lastProvisioningError: null,
        termsMetadata: valid.termsMetadata ?? {},
        checkoutSessionAttempts: 0,
      },
    };
  }
  // Only created (possibly past its reservation) or expired intents reach here: reopen as created.
  return {
    action: 'update',
    intent: existing,
    fields: {
      state: 'created',
      quantity: valid.quantity,
      expiresAt,
      enterpriseSlug,
      enterpriseName,
      country: valid.country ?? existing.country,
      termsMetadata: boundedTerms({ ...existing.termsMetadata, ...valid.termsMetadata }, ' once merged with the stored terms'),
      modified: now,
    },
  };
}

function validateEnterprise(slug: string | null, name: string | null): ValidCreateIntentRequest['enterprise'] {
  if (slug === null && name === null) return null;
  if (slug === null) invalid('enterprise_slug', 'enterprise_slug and enterprise_name must be given together.');
  if (name === null) invalid('enterprise_name', 'enterprise_slug and enterprise_name must be given together.');
  if (!SLUG_PATTERN.test(slug) || slug.length > MAX_TEXT) {
    invalid('enterprise_slug', 'enterprise_slug must be letters, digits, "-" or "_" (at most 255).');
  }
  const trimmedName = name.trim();
  if (trimmedName === '' || trimmedName.length > MAX_TEXT || CONTROL.test(trimmedName)) {
    invalid('enterprise_name', 'enterprise_name must be non-blank, at most 255 characters, without control characters.');
  }
  return { slug, name: trimmedName };
}

function validateCountry(country: string | null): string | null {
  if (country === null) return null;
  const trimmed = country.trim();
  if (!COUNTRY.test(trimmed)) invalid('country', 'country must be an ISO 3166-1 alpha-2 code.');
  return trimmed.toUpperCase();
}

function validateTerms(terms: TermsMetadata | null): TermsMetadata | null {
  if (terms === null) return null;
  if (typeof terms !== 'object' || Array.isArray(terms)) invalid('terms_metadata', 'terms_metadata must be a JSON object.');
  return boundedTerms(terms, '');
}

/** The stored terms stay small whatever a caller sends, alone or merged over several updates. */
function boundedTerms(terms: TermsMetadata, context: string): TermsMetadata {
  if (Object.keys(terms).length > MAX_TERMS_METADATA_KEYS) {
    invalid('terms_metadata', `terms_metadata must have at most ${MAX_TERMS_METADATA_KEYS} keys${context}.`);
  }
  if (utf8Length(JSON.stringify(terms)) > MAX_TERMS_METADATA_BYTES) {
    invalid('terms_metadata', `terms_metadata must be at most ${MAX_TERMS_METADATA_BYTES} bytes as JSON${context}.`);
  }
  return terms;
}

/** UTF-8 byte length without a Buffer (the domain imports nothing from Node). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/**
 * Slugs and names as people read them: case, spaces, dots, dashes and underscores do not make a new one
 * (`VICTIM-CO`, `victim co`, `Victim_Co` are all `victimco`). The database's enterprise_reservation_key()
 * (migrations/0004) is the authority; this one names the advisory locks that serialise reservations.
 */
export function reservationKey(text: string): string {
  return text.toLowerCase().replace(/[\s._-]+/gu, '');
}

function validateProductId(productId: string): string {
  if (productId.length > MAX_TEXT || productId.trim() !== productId) {
    invalid('stripe_product_id', 'stripe_product_id must be at most 255 characters without surrounding spaces.');
  }
  return productId;
}

function invalid(field: string, message: string): never {
  throw new InvalidCheckoutIntentRequestError(field, message);
}
