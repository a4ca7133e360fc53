import {
  CheckoutIntentNotFoundError,
  IntentNotPayableError,
  SESSION_REUSE_MARGIN_MS,
  assertPayable,
  attachSession,
  isTeamsIntent,
  sessionExpiry,
  sessionIdempotencyKey,
  type CheckoutIntent,
} from '../domain/checkout-intent.ts';
import { DomainError, UnavailableError } from '../domain/errors.ts';
import type { Price } from '../domain/price.ts';
import { CheckoutGatewayUnavailable, type CheckoutSession, type CheckoutSessionGateway } from './ports/checkout-session-gateway.ts';
import type { Clock } from './ports/clock.ts';
import type { Logger } from './ports/logger.ts';
import { PriceSourceUnavailable, type PriceSource } from './ports/price-source.ts';
import type { SellableProducts } from './ports/sellable-products.ts';
import type { Telemetry } from './ports/telemetry.ts';
import type { Principal } from './ports/token-verifier.ts';
import type { UnitOfWork } from './ports/unit-of-work.ts';

/** No usable Stripe price sells this intent's product (no academy, no lookup key, no price at Stripe). */
export class PriceUnavailableError extends DomainError {
  constructor(detail: string) {
    super('checkout_session.price_unavailable', detail);
  }
}

/** STRIPE_SECRET_KEY, CHECKOUT_SUCCESS_URL or CHECKOUT_CANCEL_URL is not set: no session can be made. */
export class CheckoutNotConfiguredError extends DomainError {
  constructor() {
    super('checkout_session.not_configured', 'Stripe Checkout is not configured.');
  }
}

export interface CheckoutSessionSettings {
  /** CHECKOUT_SUCCESS_URL; may contain `{CHECKOUT_SESSION_ID}`, which Stripe fills in. */
  readonly successUrl: string;
  readonly cancelUrl: string;
  /** TEAMS_STRIPE_PRICE_LOOKUP_KEY; undefined → Teams intents cannot be paid. */
  readonly teamsPriceLookupKey: string | undefined;
}

export interface CreateCheckoutSessionDeps {
  /** Null when Stripe Checkout is not configured (no key or no return URLs). */
  readonly gateway: CheckoutSessionGateway | null;
  readonly settings: CheckoutSessionSettings | null;
  readonly unitOfWork: UnitOfWork;
  readonly products: SellableProducts;
  readonly prices: PriceSource;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly telemetry: Pick<Telemetry, 'checkoutSession'>;
}

export type CreateCheckoutSession = (
  viewer: Principal,
  intentUuid: string,
) => Promise<{ readonly session: CheckoutSession; readonly created: boolean }>;

/**
 * Issue 14: a Checkout Session for the owner's payable intent, or its current one while that is open,
 * matches the intent and has more than 5 minutes left. The intent row stays locked from the first read to
 * the write, so two concurrent requests for one intent yield one session (the second finds the first's);
 * the Idempotency-Key covers what the lock cannot: a request that timed out after Stripe made the session.
 */
export function makeCreateCheckoutSession(deps: CreateCheckoutSessionDeps): CreateCheckoutSession {
  return async (viewer, intentUuid) => {
    const { gateway, settings } = deps;
    if (!gateway || !settings) throw new CheckoutNotConfiguredError();
    try {
      // Priced before the row is locked (the product of an intent never changes): the price lookup reads the
      // academies outside the transaction, which under PGlite's single connection would wait for it forever.
      const unlocked = await deps.unitOfWork.run(({ intents }) => intents.findByUuid(intentUuid));
      const price = await priceFor(deps, settings, ownPayable(unlocked, viewer, deps.clock.now()));
      const result = await deps.unitOfWork.run(async ({ intents }) => {
        const now = deps.clock.now();
        const intent = ownPayable(await intents.findByUuid(intentUuid, { forUpdate: true }), viewer, now);
        if (intent.stripeCheckoutSessionId !== null) {
          const current = await gateway.retrieve(intent.stripeCheckoutSessionId);
          if (current && reusable(current, intent, price, now)) return { session: current, created: false };
          if (current?.status === 'complete') {
            throw new IntentNotPayableError('A payment of this checkout intent is complete or processing; wait for its confirmation.');
          }
          // Open but about to expire, or made for another quantity or price: end it so it cannot be paid too.
          if (current?.status === 'open') await gateway.expire(current.id);
        }
        const session = await gateway.create({
          intentUuid: intent.uuid,
          userId: intent.userId,
          stripeProductId: intent.stripeProductId,
          priceId: price.id,
          quantity: intent.quantity,
          successUrl: settings.successUrl,
          cancelUrl: settings.cancelUrl,
          expiresAt: sessionExpiry(intent.expiresAt, now),
          idempotencyKey: sessionIdempotencyKey(intent),
        });
        await intents.update(attachSession(intent, session.id, now));
        return { session, created: true };
      });
      deps.telemetry.checkoutSession(result.created ? 'created' : 'reused');
      if (result.created) deps.logger.info({ intentUuid, checkoutSessionId: result.session.id }, 'checkout session created');
      return result;
    } catch (error) {
      // Refused: a rule said no (the caller's doing); failed: a dependency or a bug.
      deps.telemetry.checkoutSession(error instanceof DomainError && !(error instanceof UnavailableError) ? 'refused' : 'failed');
      throw error;
    }
  };
}

/** The viewer's own payable intent, or the error the endpoint answers (checked again once the row is locked). */
function ownPayable(intent: CheckoutIntent | null, viewer: Principal, now: Date): CheckoutIntent {
  // Another user's intent is not found (as on GET): uuids cannot be probed, admins included (owner only).
  if (!intent || intent.userId !== viewer.userId) throw new CheckoutIntentNotFoundError();
  assertPayable(intent, now);
  return intent;
}

/** The price is never the client's: the academy's lookup key (or the Teams setting), then the price source's usable price. */
async function priceFor(deps: CreateCheckoutSessionDeps, settings: CheckoutSessionSettings, intent: CheckoutIntent): Promise<Price> {
  const lookupKey = isTeamsIntent(intent) ? settings.teamsPriceLookupKey : await deps.products.priceLookupKeyFor(intent.stripeProductId);
  if (!lookupKey) throw new PriceUnavailableError('No price is on sale for this product.');
  let prices: ReadonlyMap<string, Price>;
  try {
    prices = await deps.prices.pricesForLookupKeys([lookupKey]);
  } catch (error) {
    if (error instanceof PriceSourceUnavailable) throw new CheckoutGatewayUnavailable(error.message, { cause: error });
    throw error;
  }
  const price = prices.get(lookupKey);
  if (!price) throw new PriceUnavailableError('The price of this product is not available right now.');
  // The webhook refuses a payment whose price belongs to another product, so no session is made with one.
  if (!isTeamsIntent(intent) && price.productId !== intent.stripeProductId) {
    throw new PriceUnavailableError("The academy's price belongs to another product.");
  }
  return price;
}

/** Open long enough, and made for this intent as it is now (quantity and amount), so paying it pays the intent. */
function reusable(session: CheckoutSession, intent: CheckoutIntent, price: Price, now: Date): boolean {
  return (
    session.status === 'open' &&
    session.expiresAt.getTime() - now.getTime() > SESSION_REUSE_MARGIN_MS &&
    session.metadata['quantity'] === String(intent.quantity) &&
    session.amountTotal === price.unitAmount * intent.quantity &&
    session.currency === price.currency
  );
}
