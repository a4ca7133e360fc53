import type { StripeEventRecord } from './ports/stripe-event-log.ts';
import type { UnitOfWorkScope } from './ports/unit-of-work.ts';

/**
 * What handling a Stripe event (or a reconciled session) did. Every outcome is a 200 to Stripe: retrying
 * cannot change any of them. `payment_refused`: the session does not prove this intent was paid (recorded,
 * no state change); `awaiting_payment`: a completed session whose delayed payment has not arrived yet;
 * `session_cleared`: an expired session forgotten; `payment_failed`: a delayed payment failed (recorded,
 * session forgotten); `stale_session`: about a session that is not the intent's current one, or an intent
 * no longer payable — nothing changed; `duplicate`: this event id already took effect.
 */
export type WebhookOutcome =
  | 'marked_paid'
  | 'already_paid'
  | 'already_past_paid'
  | 'unknown_intent'
  | 'payment_conflict'
  | 'payment_refused'
  | 'awaiting_payment'
  | 'session_cleared'
  | 'payment_failed'
  | 'stale_session'
  | 'duplicate'
  | 'prices_invalidated'
  | 'ignored';

export interface Applied {
  readonly outcome: WebhookOutcome;
  readonly intentUuid: string | null;
  readonly reason?: string;
}

/**
 * Runs `work` inside the caller's unit of work only if `event` is new: the event's record and its effect
 * commit together, so a redelivered (or concurrently delivered) event takes effect exactly once. Without
 * an event (the reconcile job), `work` just runs: its effects are idempotent on the intent's own state.
 */
export async function onceIn(
  scope: UnitOfWorkScope,
  event: StripeEventRecord | undefined,
  now: Date,
  intentUuid: string | null,
  work: () => Promise<Applied>,
): Promise<Applied> {
  if (event && !(await scope.stripeEvents.claim(event, now))) return { outcome: 'duplicate', intentUuid };
  const applied = await work();
  if (event) await scope.stripeEvents.settle(event.id, applied.outcome);
  return applied;
}
