import Stripe from 'stripe';
import {
  WebhookSignatureError,
  type StripeEventVerifier,
  type StripeWebhookEvent,
} from '../../application/ports/stripe-events.ts';

/**
 * Verifies `Stripe-Signature` with the SDK's own helper (`webhooks.constructEvent`: HMAC-SHA256 over
 * the raw bytes, 300 s timestamp tolerance). Offline: the SDK needs no API key for this, so the
 * static helper is used and no client is built when STRIPE_SECRET_KEY is unset.
 */
export function stripeWebhookVerifier(secret: string, webhooks: Stripe['webhooks'] = Stripe.webhooks): StripeEventVerifier {
  return {
    verify(payload, signatureHeader) {
      if (signatureHeader === undefined || signatureHeader.trim() === '') throw new WebhookSignatureError();
      let event: Stripe.Event;
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

/** Reads defensively: a correctly signed event is still data from outside. */
function toWebhookEvent(event: Stripe.Event): StripeWebhookEvent {
  const { id, type } = event;
  if (type === 'checkout.session.completed') {
    const session = event.data.object as Partial<Stripe.Checkout.Session>;
    return {
      kind: 'checkout_completed',
      id,
      type,
      intentUuid: typeof session.client_reference_id === 'string' ? session.client_reference_id : null,
      sessionId: String(session.id),
      customerId: customerIdOf(session.customer),
    };
  }
  if (type.startsWith('price.') || type.startsWith('product.')) return { kind: 'catalogue_changed', id, type };
  return { kind: 'other', id, type };
}

function customerIdOf(customer: unknown): string | null {
  if (typeof customer === 'string') return customer;
  if (typeof customer === 'object' && customer !== null && typeof (customer as { id?: unknown }).id === 'string') {
    return (customer as { id: string }).id;
  }
  return null;
}
