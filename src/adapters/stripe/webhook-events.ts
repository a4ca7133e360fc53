import Stripe from 'stripe';
import type { CheckoutSessionFacts } from '../../domain/checkout-intent.ts';
import {
  InvalidWebhookEventError,
  WebhookSignatureError,
  type CheckoutEventKind,
  type StripeEventVerifier,
  type StripeWebhookEvent,
} from '../../application/ports/stripe-events.ts';
import { readEnvelope } from './webhook-envelope.ts';

/**
 * Verifies `Stripe-Signature` with the SDK's own helper (`webhooks.constructEvent`: HMAC-SHA256 over
 * the raw bytes, 300 s timestamp tolerance). Offline: the SDK needs no API key for this, so the
 * static helper is used and no client is built when STRIPE_SECRET_KEY is unset.
 */
export function stripeWebhookVerifier(secret: string, webhooks: Stripe['webhooks'] = Stripe.webhooks): StripeEventVerifier {
  return {
    verify(payload, signatureHeader) {
      if (signatureHeader === undefined || signatureHeader.trim() === '') throw new WebhookSignatureError();
      let event: unknown;
      try {
        event = webhooks.constructEvent(Buffer.from(payload), signatureHeader, secret);
      } catch {
        // A bad signature, a stale timestamp, or a body that is not JSON: all mean "not a Stripe event for us".
        throw new WebhookSignatureError();
      }
      return toWebhookEvent(event);
    },
  };
}

/** Reads defensively: a correctly signed event is still data from outside (readEnvelope refuses what cannot be read). */
function toWebhookEvent(event: unknown): StripeWebhookEvent {
  const { id, type, created, object } = readEnvelope(event);
  const kind = Object.hasOwn(CHECKOUT_KINDS, type) ? CHECKOUT_KINDS[type] : undefined;
  if (kind !== undefined) {
    if (object === null) throw new InvalidWebhookEventError(`A ${type} event must carry its session as data.object.`);
    return { kind, id, type, created, session: sessionFacts(object as Partial<Stripe.Checkout.Session>) };
  }
  if (type.startsWith('price.') || type.startsWith('product.')) return { kind: 'catalogue_changed', id, type, created };
  return { kind: 'other', id, type, created };
}

const CHECKOUT_KINDS: Readonly<Record<string, CheckoutEventKind>> = {
  'checkout.session.completed': 'checkout_completed',
  'checkout.session.async_payment_succeeded': 'checkout_async_payment_succeeded',
  'checkout.session.async_payment_failed': 'checkout_async_payment_failed',
  'checkout.session.expired': 'checkout_expired',
};

function sessionFacts(session: Partial<Stripe.Checkout.Session>): CheckoutSessionFacts {
  return {
    id: stripeId(session.id),
    clientReferenceId: typeof session.client_reference_id === 'string' ? session.client_reference_id : null,
    paymentStatus: typeof session.payment_status === 'string' ? session.payment_status : null,
    amountTotal: Number.isSafeInteger(session.amount_total) ? (session.amount_total as number) : null,
    currency: typeof session.currency === 'string' ? session.currency.toLowerCase() : null,
    metadata: stringEntries(session.metadata),
    customerId: stripeId(customerIdOf(session.customer)),
  };
}

// Stripe ids are short printable tokens (`cs_…`, `cus_…`); anything else is treated as absent, so
// nothing like "undefined" or a control character ever reaches the database.
const STRIPE_ID = /^[A-Za-z0-9_]{1,255}$/;

function stripeId(value: unknown): string | null {
  return typeof value === 'string' && STRIPE_ID.test(value) ? value : null;
}

function stringEntries(metadata: unknown): Readonly<Record<string, string>> {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return {};
  return Object.fromEntries(Object.entries(metadata).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function customerIdOf(customer: unknown): unknown {
  if (typeof customer === 'object' && customer !== null) return (customer as { id?: unknown }).id;
  return customer;
}
