import { Type, type TObject, type TString, type TUnsafe } from '@sinclair/typebox';

/**
 * The error family (docs/decisions/0022): every failure body is one of three shapes — field
 * errors, `{detail}`, or `{error_code, detail}` — and each `{error_code, detail}` schema names the
 * codes its operations can answer as an enum, so a generated client can switch over them.
 */

/** `{"detail": "..."}` — 401, 403, 404, 405, 413, 429, 431 and other client errors (the original DRF shape). */
export const DetailErrorSchema = Type.Object(
  { detail: Type.String({ description: 'What went wrong, in English, for people; do not parse it' }) },
  { $id: 'DetailError', description: 'A client error without a machine-readable code', examples: [{ detail: 'Not found.' }] },
);

/** DRF-style field errors: `{"academy_uuid": ["Must be a valid UUID."]}`. */
export const FieldErrorsSchema = Type.Record(Type.String(), Type.Array(Type.String()), {
  $id: 'FieldErrors',
  description:
    'Invalid input: each key is the offending field or parameter (`non_field_errors` when none applies), each value the messages about it',
  examples: [{ academy_uuid: ['Must be a valid UUID.'] }],
});

/** A `{error_code, detail}` schema whose `error_code` is one of `codes`; the example is the first code with `exampleDetail`. */
function codedError<const Codes extends readonly [string, ...string[]]>(
  id: string,
  description: string,
  codes: Codes,
  exampleDetail = 'Retry later.',
): TObject<{ error_code: TUnsafe<Codes[number]>; detail: TString }> {
  return Type.Object(
    {
      error_code: Type.Unsafe<Codes[number]>({ type: 'string', enum: [...codes], description: 'Stable code to branch on' }),
      detail: Type.String({ description: 'What went wrong, in English, for people; do not parse it' }),
    },
    { $id: id, description, examples: [{ error_code: codes[0], detail: exampleDetail }] },
  );
}

export const ServiceFailureErrorSchema = codedError(
  'ServiceFailureError',
  'The database (or another dependency) failed; nothing is said about the cause. Retry later.',
  ['academy_service_unavailable'],
);
export const AuthenticationUnavailableErrorSchema = codedError(
  'AuthenticationUnavailableError',
  'No JWT key is configured, or the JWKS could not be fetched: no token can be verified now',
  ['authentication_unavailable'],
);
export const AcademySyncConflictErrorSchema = codedError(
  'AcademySyncConflictError',
  'Another sync is running, or the catalog data collides with itself; nothing changed',
  ['academy_sync_conflict'],
  'Another academy already has this slug.',
);
export const AcademySyncUpstreamErrorSchema = codedError(
  'AcademySyncUpstreamError',
  'enterprise-catalog (`catalog_unavailable`) or the database failed; the sync rolled back, nothing changed',
  ['catalog_unavailable', 'academy_service_unavailable'],
  'enterprise-catalog did not answer.',
);
export const CheckoutIntentConflictErrorSchema = codedError(
  'CheckoutIntentConflictError',
  'The intent cannot be created or updated: the slug is reserved by someone else, a failed or active intent exists, the caller has too many open intents, or (`intent_not_payable`) a new quantity was asked while a payment of the current Checkout Session is complete or processing',
  ['slug_reservation', 'failed_checkout_intent', 'active_checkout_intent', 'too_many_open_intents', 'intent_not_payable'],
  'This enterprise slug or name is not available.',
);
export const TransitionConflictErrorSchema = codedError(
  'TransitionConflictError',
  'A paid intent was given another Checkout Session, or the move would make a second active intent',
  ['paid_intent_mismatch', 'active_checkout_intent'],
  'The intent is paid by another Checkout Session.',
);
export const InvalidStateTransitionErrorSchema = codedError(
  'InvalidStateTransitionError',
  'The state table of spec §5 does not allow this move',
  ['invalid_state_transition'],
  'Cannot transition checkout intent from paid to created.',
);
export const CheckoutSessionConflictErrorSchema = codedError(
  'CheckoutSessionConflictError',
  '`intent_not_payable`: the intent is not `created`, is past its `expires_at`, or a payment is complete or processing; `price_unavailable`: the product has no price to charge',
  ['intent_not_payable', 'price_unavailable'],
  'This intent cannot be paid now.',
);
export const CheckoutSessionUpstreamErrorSchema = codedError(
  'CheckoutSessionUpstreamError',
  '`stripe_unavailable`: Stripe failed and nothing was recorded; or the database failed. Retry later.',
  ['stripe_unavailable', 'academy_service_unavailable'],
  'Stripe did not answer; nothing was recorded. Retry later.',
);
export const CheckoutSessionUnavailableErrorSchema = codedError(
  'CheckoutSessionUnavailableError',
  'Authentication (`authentication_unavailable`) or Stripe Checkout (`checkout_not_configured`) is not configured',
  ['authentication_unavailable', 'checkout_not_configured'],
  'Retry later.',
);
export const WebhookSignatureErrorSchema = codedError(
  'WebhookSignatureError',
  'Missing or bad `Stripe-Signature` (`invalid_signature`), or a signed body that is not a readable event (`invalid_event`: no object, ' +
    'no or an over-long `id`/`type`, no `data.object` on a checkout.session event, an invalid `created`); nothing changed',
  ['invalid_signature', 'invalid_event'],
  'No valid Stripe-Signature.',
);
export const WebhookNotConfiguredErrorSchema = codedError(
  'WebhookNotConfiguredError',
  'STRIPE_WEBHOOK_SECRET is not set',
  ['webhook_not_configured'],
  'STRIPE_WEBHOOK_SECRET is not set.',
);

export const ERROR_SCHEMAS = [
  DetailErrorSchema,
  FieldErrorsSchema,
  ServiceFailureErrorSchema,
  AuthenticationUnavailableErrorSchema,
  AcademySyncConflictErrorSchema,
  AcademySyncUpstreamErrorSchema,
  CheckoutIntentConflictErrorSchema,
  TransitionConflictErrorSchema,
  InvalidStateTransitionErrorSchema,
  CheckoutSessionConflictErrorSchema,
  CheckoutSessionUpstreamErrorSchema,
  CheckoutSessionUnavailableErrorSchema,
  WebhookSignatureErrorSchema,
  WebhookNotConfiguredErrorSchema,
];

export const SERVICE_UNAVAILABLE_BODY = { error_code: 'academy_service_unavailable', detail: 'Retry later.' } as const;
