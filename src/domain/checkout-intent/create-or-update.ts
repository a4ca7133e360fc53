import { FailedIntentExistsError, InvalidCheckoutIntentRequestError, SlugReservationError } from './errors.ts';
import type { CheckoutIntent, NewCheckoutIntent, TermsMetadata } from './intent.ts';
import { TEAMS_PRODUCT_ID } from './intent.ts';
import { isOpen, reservationEnd } from './lifetime.ts';
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

/** The request after validateCreateIntentRequest: country upper-cased, name trimmed, product defaulted. */
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

/**
 * The request's rules, checked once per request; throws InvalidCheckoutIntentRequestError
 * (`checkout_intent.invalid_request`) naming the first field that breaks one.
 *
 * The shape was checked at the edge, by the HTTP body schema (CreateIntentBodySchema), and is not checked again
 * here: quantity an integer in 1..MAX_INT32, enterprise_slug matching SLUG_PATTERN, enterprise_name and
 * stripe_product_id at most 255 characters, terms_metadata a JSON object. The rules are what a schema does not
 * say: a user, slug and name together, a readable name, a country code, bounded terms, a product id as written.
 */
export function validateCreateIntentRequest(request: CreateIntentRequest): ValidCreateIntentRequest {
  if (request.userId.trim() === '') invalid('user_id', 'A checkout intent needs a user.');
  return {
    userId: request.userId,
    quantity: request.quantity,
    enterprise: validateEnterprise(request.enterpriseSlug ?? null, request.enterpriseName ?? null),
    country: validateCountry(request.country ?? null),
    termsMetadata: request.termsMetadata === null || request.termsMetadata === undefined ? null : boundedTerms(request.termsMetadata, ''),
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

/** What a re-post does with the user's latest intent for the product (spec §5), whatever the request says. */
export type RepostDecision = 'create' | 'reopen' | 'return_unchanged' | 'refuse_failed';

/**
 * The order matters: a paid or fulfilled intent wins over everything (the user already bought), then a failure
 * blocks; a created intent (inside or past its reservation) or an expired one is reopened.
 */
export function decideRepost(existing: Pick<CheckoutIntent, 'state'> | null): RepostDecision {
  if (!existing) return 'create';
  if (existing.state === 'paid' || existing.state === 'fulfilled') return 'return_unchanged';
  if (isErroredState(existing.state)) return 'refuse_failed';
  return 'reopen';
}

/** Only a new or reopened intent takes an enterprise reservation; one returned unchanged or refused is decided without it. */
export function repostTakesReservation(existing: Pick<CheckoutIntent, 'state'> | null): boolean {
  const decision = decideRepost(existing);
  return decision === 'create' || decision === 'reopen';
}

/** A new intent, or an expired one reopened, is one more open intent (what MAX_OPEN_INTENTS_PER_USER counts). */
export function planOpensIntent(plan: CreateOrUpdatePlan): boolean {
  return plan.action === 'create' || (plan.action === 'update' && !isOpen(plan.intent));
}

/**
 * Spec §5 create-or-update, as a pure decision on the user's latest intent for the same product and a request
 * validateCreateIntentRequest has already checked; then the slug reservation is checked.
 */
export function planCreateOrUpdate(
  existing: CheckoutIntent | null,
  valid: ValidCreateIntentRequest,
  context: PlanContext,
): CreateOrUpdatePlan {
  if (existing && (existing.userId !== valid.userId || existing.stripeProductId !== valid.stripeProductId)) {
    throw new Error('planCreateOrUpdate: the existing intent belongs to another user or product.');
  }
  const decision = decideRepost(existing);
  if (decision === 'return_unchanged' && existing) return { action: 'return_unchanged', intent: existing };
  if (decision === 'refuse_failed' && existing) throw new FailedIntentExistsError(existing.state);
  if (context.slugHeldByOtherUser) throw new SlugReservationError();

  const { now } = context;
  const expiresAt = reservationEnd(now, context.reservationMinutes);
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
  const trimmedName = name.trim();
  if (trimmedName === '' || CONTROL.test(trimmedName)) {
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
 * What separates words without making a new name: white space of any kind (every Unicode space
 * separator), dots, dashes, underscores, and the invisible formatting characters (soft hyphen,
 * zero-width spaces and joiners, direction marks, word joiner, BOM). The database's
 * enterprise_reservation_key() (migrations/0008) drops the same set.
 */
const RESERVATION_SEPARATORS = /[\s._\u00A0\u00AD\u1680\u180E\u2000-\u200F\u2028-\u202F\u205F-\u2064\u3000\uFEFF-]+/gu;

/**
 * Slugs and names as people read them: case, spaces, dots, dashes, underscores and invisible characters
 * do not make a new one (`VICTIM-CO`, `victim co`, `Victim_Co`, `Victim\u00A0Co` are all `victimco`). The
 * database's enterprise_reservation_key() is the authority; this one names the advisory locks that
 * serialise reservations.
 */
export function reservationKey(text: string): string {
  return text.toLowerCase().replace(RESERVATION_SEPARATORS, '');
}

function validateProductId(productId: string): string {
  if (productId.trim() !== productId) {
    invalid('stripe_product_id', 'stripe_product_id must be at most 255 characters without surrounding spaces.');
  }
  return productId;
}

function invalid(field: string, message: string): never {
  throw new InvalidCheckoutIntentRequestError(field, message);
}
