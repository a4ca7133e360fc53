import {
  ActiveIntentConflictError,
  PaidIntentMismatchError,
  assertTransition,
  isErroredState,
  markPaid,
  type CheckoutIntent,
} from '../domain/checkout-intent.ts';
import type { Clock } from './ports/clock.ts';
import type { Logger } from './ports/logger.ts';
import { WebhookNotConfiguredError, type StripeEventVerifier, type StripeWebhookEvent } from './ports/stripe-events.ts';
import type { UnitOfWork } from './ports/unit-of-work.ts';

export interface StripeWebhookDeps {
  /** Null when STRIPE_WEBHOOK_SECRET is not set. */
  readonly verifier: StripeEventVerifier | null;
  readonly unitOfWork: UnitOfWork;
  readonly priceCache: { invalidate(): void };
  readonly clock: Clock;
  readonly logger: Logger;
}

/** What the webhook did; every outcome is a 200 so Stripe stops retrying (retrying cannot change any of them). */
export type WebhookOutcome =
  | 'marked_paid'
  | 'already_paid'
  | 'already_past_paid'
  | 'unknown_intent'
  | 'payment_conflict'
  | 'prices_invalidated'
  | 'ignored';

export type ReceiveStripeWebhook = (payload: Uint8Array, signatureHeader: string | undefined) => Promise<WebhookOutcome>;

/** Verifies, then acts: checkout.session.completed marks the intent paid; price.* / product.* drop the price cache. */
export function makeReceiveStripeWebhook(deps: StripeWebhookDeps): ReceiveStripeWebhook {
  return async (payload, signatureHeader) => {
    if (!deps.verifier) throw new WebhookNotConfiguredError();
    const event = deps.verifier.verify(payload, signatureHeader);
    const log = { stripeEventId: event.id, stripeEventType: event.type };
    switch (event.kind) {
      case 'catalogue_changed':
        deps.priceCache.invalidate();
        deps.logger.info(log, 'stripe catalogue changed; price cache dropped');
        return 'prices_invalidated';
      case 'other':
        deps.logger.debug(log, 'stripe event ignored');
        return 'ignored';
      case 'checkout_completed': {
        const outcome = await markIntentPaid(deps, event);
        const level = outcome === 'unknown_intent' || outcome === 'payment_conflict' ? 'error' : 'info';
        deps.logger[level]({ ...log, intentUuid: event.intentUuid, outcome }, 'checkout session completed');
        return outcome;
      }
    }
  };
}

type CheckoutCompleted = Extract<StripeWebhookEvent, { kind: 'checkout_completed' }>;

async function markIntentPaid(deps: StripeWebhookDeps, event: CheckoutCompleted): Promise<WebhookOutcome> {
  if (event.intentUuid === null) return 'unknown_intent';
  const intentUuid = event.intentUuid;
  try {
    return await deps.unitOfWork.run(async ({ intents }) => {
      const intent = await intents.findByUuid(intentUuid, { forUpdate: true });
      if (!intent) return 'unknown_intent';
      // Fulfilment (or its failure) already happened: this is a late replay, and going back to paid would undo it.
      if (intent.state === 'fulfilled' || isErroredState(intent.state)) return 'already_past_paid';
      const now = deps.clock.now();
      const payment = { sessionId: event.sessionId, customerId: event.customerId };
      const paid = markPaid(reopenedIfExpired(intent), payment, now);
      if (paid === intent) return 'already_paid';
      await intents.update(paid);
      return intent.state === 'paid' ? 'already_paid' : 'marked_paid';
    });
  } catch (error) {
    // Two payments for one intent, or a reopened intent refused by the unique index: an operator must look.
    if (error instanceof PaidIntentMismatchError || error instanceof ActiveIntentConflictError) return 'payment_conflict';
    throw error;
  }
}

/**
 * The money has moved even if the expire job got there first: expired → created → paid, both legal
 * transitions (docs/decisions/0007-intent-concurrency.md). The partial unique index still has the last word.
 */
function reopenedIfExpired(intent: CheckoutIntent): CheckoutIntent {
  if (intent.state !== 'expired') return intent;
  assertTransition('expired', 'created');
  return { ...intent, state: 'created' };
}
