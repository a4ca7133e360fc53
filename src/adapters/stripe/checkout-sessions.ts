import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import {
  CheckoutGatewayUnavailable,
  type CheckoutSession,
  type CheckoutSessionGateway,
  type NewCheckoutSession,
} from '../../application/ports/checkout-session-gateway.ts';
import { sessionProductMetadata } from '../../domain/checkout-intent.ts';
import { describeStripeFailure } from './failure.ts';

/**
 * Checkout Sessions through the official SDK. Every call is one request (the client does no retries):
 * the caller's transaction decides what a failure means, and `create` carries the Idempotency-Key.
 */
export function stripeCheckoutSessions(stripe: Stripe): CheckoutSessionGateway {
  const call = async <T>(what: string, request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (error) {
      throw new CheckoutGatewayUnavailable(`Stripe ${what} failed (${describeStripeFailure(error)})`, { cause: error });
    }
  };
  return {
    async create(session) {
      const created = await call('checkout.sessions.create', () =>
        stripe.checkout.sessions.create(
          {
            mode: 'subscription',
            line_items: [{ price: session.priceId, quantity: session.quantity }],
            client_reference_id: session.intentUuid,
            // The keys issue 15's webhook checks against the intent: set here, by the server, never by the client.
            metadata: {
              intent_uuid: session.intentUuid,
              user_id: session.userId,
              // Never '' (Stripe would drop the key): a Teams intent's is TEAMS_SESSION_PRODUCT.
              stripe_product_id: sessionProductMetadata(session.stripeProductId),
              quantity: String(session.quantity),
            },
            success_url: session.successUrl,
            cancel_url: session.cancelUrl,
            expires_at: Math.floor(session.expiresAt.getTime() / 1000),
          },
          { idempotencyKey: keyForParameters(session) },
        ),
      );
      return toCheckoutSession(created);
    },
    async retrieve(sessionId) {
      try {
        return toCheckoutSession(await stripe.checkout.sessions.retrieve(sessionId));
      } catch (error) {
        if ((error as { statusCode?: unknown }).statusCode === 404) return null;
        throw new CheckoutGatewayUnavailable(`Stripe checkout.sessions.retrieve failed (${describeStripeFailure(error)})`, { cause: error });
      }
    },
    async expire(sessionId) {
      return toCheckoutSession(await call('checkout.sessions.expire', () => stripe.checkout.sessions.expire(sessionId)));
    },
  };
}

/**
 * The caller's key (one per intent and attempt) plus a digest of what is sent under it. Stripe refuses a
 * key reused with other parameters (`idempotency_error`) for 24 hours, and the attempt only moves once a
 * session is stored: after a lost answer, a retry with other parameters (a new quantity, an expiry clamped
 * a minute later) would otherwise fail until Stripe forgets the key. The same parameters still get the
 * same session; other parameters get a new one (the lost one was never shown to the learner).
 */
function keyForParameters(session: NewCheckoutSession): string {
  const { idempotencyKey, ...parameters } = session;
  const digest = createHash('sha256').update(JSON.stringify(parameters)).digest('base64url').slice(0, 22);
  return `${idempotencyKey}:${digest}`;
}

/** Reads defensively: Stripe's answer is still data from outside. */
export function toCheckoutSession(session: Stripe.Checkout.Session): CheckoutSession {
  return {
    id: session.id,
    url: typeof session.url === 'string' ? session.url : null,
    status: statusOf(session.status),
    paymentStatus: session.payment_status === 'paid' ? 'paid' : session.payment_status === 'no_payment_required' ? 'no_payment_required' : 'unpaid',
    expiresAt: new Date(Number(session.expires_at) * 1000),
    clientReferenceId: typeof session.client_reference_id === 'string' ? session.client_reference_id : null,
    customerId: customerIdOf(session.customer),
    amountTotal: typeof session.amount_total === 'number' ? session.amount_total : null,
    currency: typeof session.currency === 'string' ? session.currency : null,
    metadata: stringValues(session.metadata),
  };
}

/** A status this code does not know counts as complete: never reused, never replaced (no second payment). */
function statusOf(status: unknown): CheckoutSession['status'] {
  if (status === 'open') return 'open';
  if (status === 'expired') return 'expired';
  return 'complete';
}

export function customerIdOf(customer: unknown): string | null {
  if (typeof customer === 'string') return customer;
  if (typeof customer === 'object' && customer !== null && typeof (customer as { id?: unknown }).id === 'string') {
    return (customer as { id: string }).id;
  }
  return null;
}

function stringValues(metadata: unknown): Record<string, string> {
  if (typeof metadata !== 'object' || metadata === null) return {};
  return Object.fromEntries(Object.entries(metadata).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
