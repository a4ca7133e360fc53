import {
  CheckoutIntentNotFoundError,
  InvalidCheckoutIntentRequestError,
  assertTransition,
  expire,
  markBackofficeError,
  markFulfilled,
  markPaid,
  markProvisioningError,
  markStalled,
  reopen,
  stalledCutoff,
  type CheckoutIntent,
  type CheckoutIntentState,
} from '../domain/checkout-intent.ts';
import type { CheckoutIntentDeps } from './checkout-intents.ts';

export interface TransitionRequest {
  readonly state: CheckoutIntentState;
  readonly stripeCheckoutSessionId?: string | null | undefined;
  readonly stripeCustomerId?: string | null | undefined;
  /** The message recorded by the errored states. */
  readonly error?: string | null | undefined;
}

export type TransitionIntent = (uuid: string, request: TransitionRequest) => Promise<CheckoutIntent>;
export type ExpireIntents = (now?: Date) => Promise<number>;
export type MarkStalledIntents = (now?: Date, stalledSeconds?: number) => Promise<number>;

const MAX_ERROR_MESSAGE = 10_000;

export function stalledMessage(stalledSeconds: number): string {
  return `Fulfillment stalled: paid but not fulfilled within ${stalledSeconds} seconds.`;
}

/** One state change through the domain's transition rules, on the row locked for the rest of the transaction. */
export function makeTransitionIntent(deps: CheckoutIntentDeps): TransitionIntent {
  return async (uuid, request) =>
    deps.unitOfWork.run(async ({ intents }) => {
      const intent = await intents.findByUuid(uuid, { forUpdate: true });
      if (!intent) throw new CheckoutIntentNotFoundError();
      const next = applyTransition(intent, request, deps.clock.now(), deps.reservationMinutes);
      // The domain hands back the same object when nothing changes: a replay writes nothing.
      return next === intent ? intent : intents.update(next);
    });
}

/** Job: created intents past `expires_at` → expired. */
export function makeExpireIntents(deps: Pick<CheckoutIntentDeps, 'intents' | 'clock'>): ExpireIntents {
  assertTransition('created', 'expired'); // the bulk update below is this transition
  return async (now = deps.clock.now()) => deps.intents.expireCreated(now);
}

/** Job: paid intents untouched for `stalledSeconds` → errored_fulfillment_stalled, with a message. */
export function makeMarkStalledIntents(
  deps: Pick<CheckoutIntentDeps, 'intents' | 'clock'> & { readonly stalledFulfillmentSeconds: number },
): MarkStalledIntents {
  assertTransition('paid', 'errored_fulfillment_stalled');
  return async (now = deps.clock.now(), stalledSeconds = deps.stalledFulfillmentSeconds) =>
    deps.intents.markStalledPaid(stalledCutoff(now, stalledSeconds), stalledMessage(stalledSeconds), now);
}

function applyTransition(intent: CheckoutIntent, request: TransitionRequest, now: Date, reservationMinutes: number): CheckoutIntent {
  switch (request.state) {
    case 'paid':
      return markPaid(intent, { sessionId: request.stripeCheckoutSessionId, customerId: request.stripeCustomerId }, now);
    case 'fulfilled':
      return markFulfilled(intent, now);
    case 'errored_backoffice':
      return markBackofficeError(intent, errorMessage(request.error), now);
    case 'errored_provisioning':
      return markProvisioningError(intent, errorMessage(request.error), now);
    case 'errored_fulfillment_stalled':
      return markStalled(intent, request.error?.trim() ? errorMessage(request.error) : 'Fulfillment stalled.', now);
    case 'expired':
      return expire(intent, now);
    case 'created':
      return reopen(intent, now, reservationMinutes);
  }
}

function errorMessage(error: string | null | undefined): string {
  const message = error?.trim() ?? '';
  if (message === '' || message.length > MAX_ERROR_MESSAGE) {
    throw new InvalidCheckoutIntentRequestError('error', `error must be a non-blank message of at most ${MAX_ERROR_MESSAGE} characters.`);
  }
  return message;
}
