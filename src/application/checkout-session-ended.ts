import { releaseSession, type CheckoutSessionFacts } from '../domain/checkout-intent.ts';
import { intentUuidOf } from './checkout-payment.ts';
import type { Clock } from './ports/clock.ts';
import type { StripeEventRecord } from './ports/stripe-event-log.ts';
import type { UnitOfWork } from './ports/unit-of-work.ts';
import { onceIn, type Applied } from './stripe-event-once.ts';

export interface SessionEndedDeps {
  readonly unitOfWork: UnitOfWork;
  readonly clock: Clock;
}

/**
 * A session that ended unpaid: `expired`, or its delayed payment `failed` (recorded as the last checkout
 * error). Only the intent's current session of a `created` intent is forgotten, so the learner can ask for
 * a new one; anything else (another session, an intent already paid: an `expired` arriving after a
 * `completed`) changes nothing.
 */
export async function applySessionEnded(
  deps: SessionEndedDeps,
  session: CheckoutSessionFacts,
  how: 'expired' | 'payment_failed',
  event?: StripeEventRecord,
): Promise<Applied> {
  const intentUuid = intentUuidOf(session);
  const sessionId = session.id;
  if (intentUuid === null || sessionId === null) return { outcome: 'unknown_intent', intentUuid };
  return deps.unitOfWork.run((scope) =>
    onceIn(scope, event, deps.clock.now(), intentUuid, async (): Promise<Applied> => {
      const intent = await scope.intents.findByUuid(intentUuid, { forUpdate: true });
      if (!intent) return { outcome: 'unknown_intent', intentUuid };
      const error = how === 'payment_failed' ? `The payment of Stripe Checkout Session ${sessionId} failed; a new session can be made.` : undefined;
      const released = releaseSession(intent, sessionId, deps.clock.now(), error);
      if (released === intent) return { outcome: 'stale_session', intentUuid };
      await scope.intents.update(released);
      return { outcome: how === 'payment_failed' ? 'payment_failed' : 'session_cleared', intentUuid };
    }),
  );
}
