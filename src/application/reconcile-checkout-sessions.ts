import type { CheckoutSessionFacts } from '../domain/checkout-intent.ts';
import { DomainError, UnavailableError } from '../domain/errors.ts';
import { applyPayment, type CheckoutPaymentDeps } from './checkout-payment.ts';
import { applySessionEnded } from './checkout-session-ended.ts';
import { CheckoutGatewayUnavailable, type CheckoutSession, type CheckoutSessionGateway } from './ports/checkout-session-gateway.ts';
import type { CheckoutIntentRepository } from './ports/checkout-intent-repository.ts';
import type { Logger } from './ports/logger.ts';
import type { StripeEventRetention } from './ports/stripe-event-log.ts';
import type { CheckoutIntent } from '../domain/checkout-intent.ts';

/** Intents hold sessions to check, but STRIPE_SECRET_KEY is not set: nothing can be asked of Stripe. */
export class ReconcileNotConfiguredError extends DomainError {
  constructor(count: number) {
    super('checkout_reconcile.not_configured', `${count} checkout intent(s) hold a Stripe session, but STRIPE_SECRET_KEY is not set.`);
  }
}

/** At most this many stripe_events rows are deleted per run (a backlog is worked off over several runs). */
export const MAX_EVENTS_DELETED_PER_RUN = 10_000;

export interface ReconcileDeps extends CheckoutPaymentDeps {
  /** Null without STRIPE_SECRET_KEY. */
  readonly gateway: CheckoutSessionGateway | null;
  readonly intents: CheckoutIntentRepository;
  readonly events: StripeEventRetention;
  /** RECONCILE_CHECKOUT_SESSIONS_BATCH_SIZE: sessions asked of Stripe per run. */
  readonly batchSize: number;
  /** STRIPE_EVENT_RETENTION_DAYS. */
  readonly eventRetentionDays: number;
  readonly logger: Logger;
}

/** What one run did; printed as the job's JSON report. */
export interface ReconcileReport {
  /** Sessions asked of Stripe. */
  readonly checked: number;
  readonly marked_paid: number;
  /** Expired sessions forgotten by their intent (a new one can be made). */
  readonly cleared: number;
  /** Still open at Stripe: nothing to do yet. */
  readonly open: number;
  /** Complete, but a delayed payment is still on its way. */
  readonly awaiting_payment: number;
  /** Already settled meanwhile (the webhook or a learner got there first). */
  readonly unchanged: number;
  /** Paid sessions that do not prove the intent's payment, or conflict with it: logged as errors. */
  readonly refused: number;
  /** Stripe does not know the session (404): left alone, logged. */
  readonly unknown_at_stripe: number;
  /** Stripe failed for this session: tried again next run. */
  readonly failed: number;
  readonly events_deleted: number;
}

type Tally = { -readonly [K in keyof ReconcileReport]: number };

/**
 * `reconcile-checkout-sessions` (issue 14): what a lost webhook would have done, from what Stripe says
 * now. Old stripe_events rows are deleted first (docs/decisions/0021: retention), which also makes a
 * database outage the job's first failure.
 */
export function makeReconcileCheckoutSessions(deps: ReconcileDeps): () => Promise<ReconcileReport> {
  return async () => {
    const cutoff = new Date(deps.clock.now().getTime() - deps.eventRetentionDays * 86_400_000);
    const eventsDeleted = await deps.events.deleteReceivedBefore(cutoff, MAX_EVENTS_DELETED_PER_RUN);
    const candidates = await deps.intents.withSessionToReconcile(deps.batchSize);
    const tally: Tally = { checked: 0, marked_paid: 0, cleared: 0, open: 0, awaiting_payment: 0, unchanged: 0, refused: 0, unknown_at_stripe: 0, failed: 0, events_deleted: eventsDeleted };
    if (candidates.length === 0) return tally;
    if (!deps.gateway) throw new ReconcileNotConfiguredError(candidates.length);
    let lastFailure: unknown;
    // One at a time: gentle on Stripe's rate limit, and a batch is small.
    for (const intent of candidates) {
      tally.checked += 1;
      try {
        tally[await reconcileOne(deps, deps.gateway, intent)] += 1;
      } catch (error) {
        // Stripe (the session, or the price a paid one is checked against) failing for one session must not
        // cost the rest of the batch its turn: counted, and the next run tries again.
        if (!(error instanceof UnavailableError)) throw error;
        lastFailure = error;
        tally.failed += 1;
        deps.logger.warn({ intentUuid: intent.uuid, err: error }, 'reconcile: Stripe failed for this session; next run tries again');
      }
    }
    // Every session failed: the job fails as `stripe_unavailable`, whichever Stripe call it was.
    if (tally.failed === tally.checked) {
      throw lastFailure instanceof CheckoutGatewayUnavailable ? lastFailure : new CheckoutGatewayUnavailable(`Stripe failed for every session: ${String((lastFailure as Error).message)}`, { cause: lastFailure });
    }
    return tally;
  };
}

async function reconcileOne(deps: ReconcileDeps, gateway: CheckoutSessionGateway, intent: CheckoutIntent): Promise<keyof Tally> {
  const sessionId = intent.stripeCheckoutSessionId ?? '';
  const session = await gateway.retrieve(sessionId);
  const log = { intentUuid: intent.uuid, stripeCheckoutSessionId: sessionId };
  if (!session) {
    deps.logger.error(log, 'reconcile: Stripe does not know this session (another account or mode?); left alone');
    return 'unknown_at_stripe';
  }
  if (session.status === 'open') return 'open';
  const applied =
    session.status === 'expired'
      ? await applySessionEnded(deps, factsOf(session), 'expired')
      : await applyPayment(deps, factsOf(session), true);
  const bucket = BUCKETS[applied.outcome] ?? 'unchanged';
  const level = bucket === 'refused' ? 'error' : 'info';
  deps.logger[level]({ ...log, outcome: applied.outcome, reason: applied.reason }, 'reconcile: session applied');
  return bucket;
}

const BUCKETS: Readonly<Record<string, keyof Tally>> = {
  marked_paid: 'marked_paid',
  session_cleared: 'cleared',
  awaiting_payment: 'awaiting_payment',
  payment_refused: 'refused',
  payment_conflict: 'refused',
  unknown_intent: 'refused',
};

/** Stripe's session as the webhook would have carried it. */
function factsOf(session: CheckoutSession): CheckoutSessionFacts {
  return {
    id: session.id,
    clientReferenceId: session.clientReferenceId,
    paymentStatus: session.paymentStatus,
    amountTotal: session.amountTotal,
    currency: session.currency?.toLowerCase() ?? null,
    metadata: session.metadata,
    customerId: session.customerId,
  };
}
