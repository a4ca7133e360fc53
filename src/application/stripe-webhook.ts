import { applyPayment, type CheckoutPaymentDeps } from './checkout-payment.ts';
import { applySessionEnded } from './checkout-session-ended.ts';
import type { Logger } from './ports/logger.ts';
import {
  InvalidWebhookEventError,
  WebhookNotConfiguredError,
  WebhookSignatureError,
  type StripeEventVerifier,
  type StripeWebhookEvent,
} from './ports/stripe-events.ts';
import type { Telemetry } from './ports/telemetry.ts';
import type { Applied, WebhookOutcome } from './stripe-event-once.ts';

export type { WebhookOutcome } from './stripe-event-once.ts';

export interface StripeWebhookDeps extends CheckoutPaymentDeps {
  /** Null when STRIPE_WEBHOOK_SECRET is not set. */
  readonly verifier: StripeEventVerifier | null;
  /** Drops the price cache of every replica (docs/decisions/0024); a failure fails the delivery, which Stripe retries. */
  readonly priceCache: { invalidate(): Promise<void> };
  readonly logger: Logger;
  /** Counts every delivery by type and outcome; none when absent. */
  readonly telemetry?: Pick<Telemetry, 'stripeWebhookEvent'> | undefined;
}

export type ReceiveStripeWebhook = (payload: Uint8Array, signatureHeader: string | undefined) => Promise<WebhookOutcome>;

const ERROR_OUTCOMES: ReadonlySet<WebhookOutcome> = new Set(['unknown_intent', 'payment_conflict', 'payment_refused']);

/**
 * Verifies, then acts once per event id: a checkout session that pays for its intent (completed with
 * payment_status paid, or async_payment_succeeded) marks it paid; one that ended unpaid (expired,
 * async_payment_failed) is forgotten by its intent; price.* / product.* drop the price cache.
 */
export function makeReceiveStripeWebhook(deps: StripeWebhookDeps): ReceiveStripeWebhook {
  const count = (type: string, outcome: string) => deps.telemetry?.stripeWebhookEvent(type, outcome);
  return async (payload, signatureHeader) => {
    if (!deps.verifier) throw new WebhookNotConfiguredError();
    let event: StripeWebhookEvent;
    try {
      event = deps.verifier.verify(payload, signatureHeader);
    } catch (error) {
      // A wave of these after a deploy usually means STRIPE_WEBHOOK_SECRET does not match the endpoint's.
      if (error instanceof WebhookSignatureError) count('unverified', 'invalid_signature');
      // Its type is not trusted as a label (it may be the very field that is wrong).
      if (error instanceof InvalidWebhookEventError) count('invalid', 'invalid_event');
      throw error;
    }
    try {
      const outcome = await handle(deps, event);
      count(event.type, outcome);
      return outcome;
    } catch (error) {
      count(event.type, 'failed');
      throw error;
    }
  };
}

async function handle(deps: StripeWebhookDeps, event: StripeWebhookEvent): Promise<WebhookOutcome> {
  const log = { stripeEventId: event.id, stripeEventType: event.type };
  if (!('session' in event)) {
    if (event.kind === 'other') {
      deps.logger.debug(log, 'stripe event ignored');
      return 'ignored';
    }
    await deps.priceCache.invalidate();
    deps.logger.info(log, 'stripe catalogue changed; price cache dropped');
    return 'prices_invalidated';
  }
  const record = { id: event.id, type: event.type, checkoutSessionId: event.session.id, stripeCreated: event.created };
  const pays = event.kind === 'checkout_completed' || event.kind === 'checkout_async_payment_succeeded';
  const applied: Applied = pays
    ? await applyPayment(deps, event.session, event.kind === 'checkout_completed', record)
    : await applySessionEnded(deps, event.session, event.kind === 'checkout_expired' ? 'expired' : 'payment_failed', record);
  const { outcome, reason, intentUuid } = applied;
  const level = ERROR_OUTCOMES.has(outcome) ? 'error' : 'info';
  deps.logger[level]({ ...log, intentUuid, stripeCheckoutSessionId: event.session.id, outcome, reason }, pays ? 'checkout session payment' : 'checkout session ended');
  return outcome;
}
