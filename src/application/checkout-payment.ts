import {
  ActiveIntentConflictError,
  PaidIntentMismatchError,
  SESSION_METADATA_KEYS,
  TEAMS_PRODUCT_ID,
  checkSessionPaysIntent,
  isErroredState,
  markPaidByPayment,
  recordCheckoutError,
  releaseSession,
  type CheckoutIntent,
  type CheckoutSessionFacts,
  type ExpectedPrice,
} from '../domain/checkout-intent.ts';
import type { AcademyRepository } from './ports/academy-repository.ts';
import type { Clock } from './ports/clock.ts';
import type { PriceSource } from './ports/price-source.ts';
import type { StripeEventRecord } from './ports/stripe-event-log.ts';
import type { UnitOfWork } from './ports/unit-of-work.ts';
import { onceIn, type Applied } from './stripe-event-once.ts';

export interface CheckoutPaymentDeps {
  readonly unitOfWork: UnitOfWork;
  /**
   * Where the amount a session must total comes from. Not the catalogue's cache: a failing source
   * rejects (→ 502, Stripe retries) instead of answering "no price", which would refuse a real payment.
   */
  readonly prices: PriceSource;
  /** Finds the academy an intent's `stripe_product_id` names (inactive ones too: the money may already have moved). */
  readonly academies: AcademyRepository;
  /** TEAMS_STRIPE_PRICE_LOOKUP_KEY; unset → a Teams payment cannot be verified and is refused (recorded). */
  readonly teamsPriceLookupKey?: string | undefined;
  readonly clock: Clock;
}

/**
 * A session that may pay its intent (a `completed` or `async_payment_succeeded` event, or what the reconcile
 * job read from Stripe): marks the intent paid when the session proves it (decision 13). A payment is applied
 * even when the session is not the intent's current one: the money has moved (decision 21). With `event`,
 * the effect and the event's record commit together, once.
 */
export async function applyPayment(
  deps: CheckoutPaymentDeps,
  session: CheckoutSessionFacts,
  completedOnly: boolean,
  event?: StripeEventRecord,
): Promise<Applied> {
  // The server-set metadata names the intent first; client_reference_id (which a Payment Link URL can set) only as a fallback.
  const intentUuid = intentUuidOf(session);
  if (intentUuid === null) return { outcome: 'unknown_intent', intentUuid };
  // Delayed methods (SEPA, ACH…): completed while the money is still on its way; async_payment_succeeded follows.
  if (completedOnly && session.paymentStatus === 'unpaid') return { outcome: 'awaiting_payment', intentUuid };

  // The price is fetched before the row is locked: the webhook holds no row lock across a call to Stripe. (The session
  // endpoint and a quantity change do: decision 0027 says why.)
  const unlocked = await deps.unitOfWork.run(({ intents }) => intents.findByUuid(intentUuid));
  if (!unlocked) return { outcome: 'unknown_intent', intentUuid };
  const expected = await expectedPrice(deps, unlocked);
  try {
    return await deps.unitOfWork.run((scope) =>
      onceIn(scope, event, deps.clock.now(), intentUuid, async (): Promise<Applied> => {
        const { intents } = scope;
        const intent = await intents.findByUuid(intentUuid, { forUpdate: true });
        if (!intent) return { outcome: 'unknown_intent', intentUuid };
        // Fulfilment (or its failure) already happened: a late replay changes nothing, and going back to paid would
        // undo it; another session paid as well is a second charge an operator must see.
        if (intent.state === 'fulfilled' || isErroredState(intent.state)) {
          if (intent.stripeCheckoutSessionId !== null && intent.stripeCheckoutSessionId !== session.id) return { outcome: 'payment_conflict', intentUuid };
          return { outcome: 'already_past_paid', intentUuid };
        }
        const now = deps.clock.now();
        const verdict = checkSessionPaysIntent(intent, session, expected);
        if (!verdict.accepted) {
          // Kept on an unpaid intent for support; a paid one is left alone (its modified time drives the stalled job).
          // The refused session, if it is the intent's current one, is let go: it will never pay this intent, and
          // holding it would refuse every new session (the refusal is logged at error, for a refund).
          if (intent.state !== 'paid') {
            const message = `Stripe session not applied: ${verdict.reason}.`;
            const released = session.id === null ? intent : releaseSession(intent, session.id, now, message);
            const noted = released !== intent ? released : recordCheckoutError(intent, message, now);
            if (noted !== intent) await intents.update(noted);
          }
          return { outcome: 'payment_refused', intentUuid, reason: verdict.reason };
        }
        const payment = { sessionId: session.id, customerId: session.customerId };
        const paid = markPaidByPayment(intent, payment, now);
        if (paid === intent) return { outcome: 'already_paid', intentUuid };
        await intents.update(paid);
        return { outcome: intent.state === 'paid' ? 'already_paid' : 'marked_paid', intentUuid };
      }),
    );
  } catch (error) {
    // Two payments for one intent, or a reopened intent refused by the unique index: an operator must look.
    if (error instanceof PaidIntentMismatchError || error instanceof ActiveIntentConflictError) {
      return { outcome: 'payment_conflict', intentUuid };
    }
    throw error;
  }
}

/** The intent a session names: our server-set metadata first, client_reference_id only as a fallback. */
export function intentUuidOf(session: CheckoutSessionFacts): string | null {
  return session.metadata[SESSION_METADATA_KEYS.intentUuid] ?? session.clientReferenceId;
}

/**
 * The price the session should have charged: an academy intent's academy's current price, a Teams
 * intent's TEAMS_STRIPE_PRICE_LOOKUP_KEY price. A price source that fails rejects (Stripe retries).
 */
async function expectedPrice(deps: CheckoutPaymentDeps, intent: CheckoutIntent): Promise<ExpectedPrice> {
  let lookupKey: string | null | undefined;
  if (intent.stripeProductId === TEAMS_PRODUCT_ID) {
    lookupKey = deps.teamsPriceLookupKey;
    if (!lookupKey) return { known: false, reason: 'no Teams price is configured (TEAMS_STRIPE_PRICE_LOOKUP_KEY)' };
  } else {
    const academies = await deps.academies.list({ includeInactive: true });
    const academy = academies.find((candidate) => candidate.stripeProductId === intent.stripeProductId);
    if (!academy) return { known: false, reason: 'no academy sells this stripe_product_id' };
    lookupKey = academy.stripePriceLookupKey;
    if (!lookupKey) return { known: false, reason: "the academy has no price lookup key" };
  }
  const price = (await deps.prices.pricesForLookupKeys([lookupKey])).get(lookupKey);
  if (!price) return { known: false, reason: 'no usable price for the lookup key' };
  if (intent.stripeProductId !== TEAMS_PRODUCT_ID && price.productId !== intent.stripeProductId) {
    return { known: false, reason: "the academy's price belongs to another product" };
  }
  return { known: true, unitAmount: price.unitAmount, currency: price.currency };
}
