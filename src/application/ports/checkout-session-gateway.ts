import { UnavailableError } from '../../domain/errors.ts';
/** A Stripe Checkout Session, reduced to what paying an intent needs (no SDK types past the adapter). */
export interface CheckoutSession {
  readonly id: string;
  /** The hosted payment page; null once the session is complete or expired. */
  readonly url: string | null;
  readonly status: 'open' | 'complete' | 'expired';
  readonly paymentStatus: 'paid' | 'unpaid' | 'no_payment_required';
  readonly expiresAt: Date;
  readonly clientReferenceId: string | null;
  readonly customerId: string | null;
  readonly amountTotal: number | null;
  readonly currency: string | null;
  readonly metadata: Readonly<Record<string, string>>;
}

/** What a new session is made of; every value is decided by the service, none by the client. */
export interface NewCheckoutSession {
  readonly intentUuid: string;
  readonly userId: string;
  /** '' for a Teams intent. */
  readonly stripeProductId: string;
  readonly priceId: string;
  readonly quantity: number;
  readonly successUrl: string;
  readonly cancelUrl: string;
  readonly expiresAt: Date;
  /** Sent as Stripe's Idempotency-Key: the same key never makes a second session. */
  readonly idempotencyKey: string;
}

/** Creates, reads and expires Checkout Sessions (Stripe in production). */
export interface CheckoutSessionGateway {
  create(session: NewCheckoutSession): Promise<CheckoutSession>;
  /** Null when Stripe does not know the id. */
  retrieve(sessionId: string): Promise<CheckoutSession | null>;
  /** Ends an open session so it can no longer be paid; returns it as Stripe now has it. */
  expire(sessionId: string): Promise<CheckoutSession>;
}

/** Stripe failed, timed out or refused the call; nothing was recorded. */
export class CheckoutGatewayUnavailable extends UnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('stripe.unavailable', message, options);
  }
}
