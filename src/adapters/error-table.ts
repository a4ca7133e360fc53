import { DomainError } from '../domain/errors.ts';

/**
 * How one coded failure is answered, at both edges: over HTTP (status, body, headers) and by a job
 * (`error_code` in its `{"ok": false}` object). The one place where an expected failure's code meets
 * a status; the HTTP error handler and src/cli/failure.ts both read it, and nothing else maps errors.
 */
export interface ErrorAnswer {
  readonly status: number;
  readonly body: (error: DomainError) => object;
  readonly headers?: Readonly<Record<string, string>>;
  /** The public error_code: in the HTTP body where it has one, and what a job prints. */
  readonly errorCode?: string;
  /** A dependency failed, not the caller: the HTTP handler logs the error whole, at error level, with this message. */
  readonly logged?: string;
}

const NOT_FOUND = { status: 404, body: () => ({ detail: 'Not found.' }) } as const;

/** `{error_code, detail}`: the detail is the error's message unless a fixed one is given. */
function coded(status: number, errorCode: string, options: { detail?: string; logged?: string } = {}): ErrorAnswer {
  const { detail, logged } = options;
  return { status, errorCode, body: (error) => ({ error_code: errorCode, detail: detail ?? error.message }), ...(logged ? { logged } : {}) };
}

/** `{detail}` with a fixed text (DRF's bodies, kept for the original service's front ends). */
function detailOnly(status: number, detail: string, headers?: Record<string, string>): ErrorAnswer {
  return { status, body: () => ({ detail }), ...(headers ? { headers } : {}) };
}

const CHALLENGE = { 'www-authenticate': 'JWT realm="api"' };
const AUTH_UNAVAILABLE = coded(503, 'authentication_unavailable', { detail: 'Retry later.' });
/** The signing keys could not be fetched (JWKS down): logged, unlike a missing configuration (logged where found). */
const KEYS_UNAVAILABLE: ErrorAnswer = { ...AUTH_UNAVAILABLE, logged: 'token keys unavailable' };

const ERROR_TABLE: Readonly<Record<string, ErrorAnswer>> = {
  'academy.not_found': NOT_FOUND,
  // Checkout intents (spec §5): the error_code values are the original service's, kept for its front ends.
  'checkout_intent.not_found': NOT_FOUND,
  'checkout_intent.slug_reservation': coded(409, 'slug_reservation'),
  'checkout_intent.failed_exists': coded(409, 'failed_checkout_intent'),
  'checkout_intent.active_conflict': coded(409, 'active_checkout_intent'),
  'checkout_intent.paid_mismatch': coded(409, 'paid_intent_mismatch'),
  'checkout_intent.too_many_open': coded(409, 'too_many_open_intents'),
  'checkout_intent.invalid_transition': coded(422, 'invalid_state_transition'),
  // Field errors, keyed by the field the domain names (InvalidCheckoutIntentRequestError.field).
  'checkout_intent.invalid_request': {
    status: 400,
    body: (error) => ({ [fieldOf(error) ?? 'non_field_errors']: [error.message] }),
  },
  'checkout_intent.not_payable': coded(409, 'intent_not_payable'),
  'checkout_session.price_unavailable': coded(409, 'price_unavailable'),
  'checkout_session.not_configured': coded(503, 'checkout_not_configured'),
  'checkout_reconcile.not_configured': coded(503, 'stripe_not_configured'),
  'stripe_webhook.invalid_signature': coded(400, 'invalid_signature'),
  // Signed, but unreadable: a 4xx so Stripe does not retry the same bytes for days (decision 0021).
  'stripe_webhook.invalid_event': coded(400, 'invalid_event'),
  'stripe_webhook.not_configured': coded(503, 'webhook_not_configured'),
  // Dependencies. A sync failure rolled its transaction back, so nothing changed.
  'catalog.unavailable': coded(502, 'catalog_unavailable'),
  'academy_sync.conflict': coded(409, 'academy_sync_conflict'),
  'stripe.unavailable': coded(502, 'stripe_unavailable', { detail: 'Stripe did not answer; nothing was recorded. Retry later.', logged: 'stripe checkout failed' }),
  'database.locked': coded(503, 'database_locked'),
  // Prices checked against Stripe itself (a webhook's payment): a 502, so Stripe retries the delivery.
  'prices.unavailable': coded(502, 'academy_service_unavailable', { detail: 'Retry later.', logged: 'price source failed' }),
  // Authentication (the bodies are DRF's; a 401 carries the challenge).
  'auth.not_configured': AUTH_UNAVAILABLE,
  'auth.unavailable': KEYS_UNAVAILABLE,
  'auth.not_authenticated': detailOnly(401, 'Authentication credentials were not provided.', CHALLENGE),
  'auth.invalid_token': detailOnly(401, 'Given token not valid for any token type.', CHALLENGE),
  'auth.forbidden': detailOnly(403, 'You do not have permission to perform this action.'),
};

/** The answer for an expected failure; undefined for anything else (a bug, the database down: a 502). */
export function errorAnswer(error: unknown): ErrorAnswer | undefined {
  return error instanceof DomainError ? ERROR_TABLE[error.code] : undefined;
}

function fieldOf(error: DomainError): string | undefined {
  return 'field' in error && typeof error.field === 'string' ? error.field : undefined;
}
