import type { CheckoutSessionFacts } from '../../domain/checkout-intent.ts';
import { DomainError } from '../../domain/errors.ts';

/** A verified Stripe event, reduced to what this service acts on (no SDK types past the adapter). */
export type StripeWebhookEvent =
  | {
      /**
       * `checkout.session.completed` and `checkout.session.async_payment_succeeded`: a session that may pay an intent;
       * `checkout.session.async_payment_failed` and `checkout.session.expired`: a session that ended unpaid.
       */
      readonly kind: CheckoutEventKind;
      readonly id: string;
      readonly type: string;
      /** The event's `created`; null when absent. */
      readonly created: Date | null;
      readonly session: CheckoutSessionFacts;
    }
  | { readonly kind: 'catalogue_changed' | 'other'; readonly id: string; readonly type: string; readonly created: Date | null };

export type CheckoutEventKind = 'checkout_completed' | 'checkout_async_payment_succeeded' | 'checkout_async_payment_failed' | 'checkout_expired';

/** Verifies a webhook's signature over the raw body and parses the event, or throws WebhookSignatureError. */
export interface StripeEventVerifier {
  verify(payload: Uint8Array, signatureHeader: string | undefined): StripeWebhookEvent;
}

/** Missing, malformed, stale or wrong signature: the event is not from Stripe (or not for us). */
export class WebhookSignatureError extends DomainError {
  constructor() {
    super('stripe_webhook.invalid_signature', 'The Stripe-Signature header does not verify this payload.');
  }
}

/**
 * Correctly signed, but not an event this service can read (no id, no type, no session object, an id or
 * type the event log cannot store, a `created` that is no date). A 400, not a 5xx: a retry would carry
 * the same bytes, so Stripe must not retry it for days (docs/decisions/0021).
 */
export class InvalidWebhookEventError extends DomainError {
  constructor(detail: string) {
    super('stripe_webhook.invalid_event', detail);
  }
}

/** STRIPE_WEBHOOK_SECRET is not configured, so no event can be verified. */
export class WebhookNotConfiguredError extends DomainError {
  constructor() {
    super('stripe_webhook.not_configured', 'Stripe webhooks are not configured.');
  }
}
