import {
  CheckoutIntentNotFoundError,
  IntentNotPayableError,
  InvalidCheckoutIntentRequestError,
  TEAMS_PRODUCT_ID,
  TooManyOpenIntentsError,
  planCreateOrUpdate,
  planOpensIntent,
  repostTakesReservation,
  reservationKey,
  reservationSought,
  validateCreateIntentRequest,
  type CheckoutIntent,
  type CreateIntentRequest,
} from '../domain/checkout-intent.ts';
import type { AcademyRepository } from './ports/academy-repository.ts';
import type { CheckoutIntentRepository, IntentPage } from './ports/checkout-intent-repository.ts';
import type { CheckoutSessionGateway } from './ports/checkout-session-gateway.ts';
import type { Clock } from './ports/clock.ts';
import type { Principal } from './ports/token-verifier.ts';
import type { UnitOfWork } from './ports/unit-of-work.ts';

export interface CheckoutIntentDeps {
  readonly intents: CheckoutIntentRepository;
  readonly unitOfWork: UnitOfWork;
  readonly clock: Clock;
  /** INTENT_RESERVATION_DURATION_MINUTES. */
  readonly reservationMinutes: number;
}

export interface CreateOrUpdateIntentDeps extends CheckoutIntentDeps {
  /** The catalogue: an academy intent must name an active academy's stripe_product_id. */
  readonly academies: AcademyRepository;
  /** MAX_OPEN_INTENTS_PER_USER: created intents one user may hold at once. */
  readonly maxOpenIntentsPerUser: number;
  /** Ends a session a changed quantity makes stale; null when Stripe Checkout is not configured. */
  readonly sessions?: Pick<CheckoutSessionGateway, 'retrieve' | 'expire'> | null;
}

export interface CurrentIntentQuery {
  readonly userId: string | null | undefined;
  readonly enterpriseSlug?: string | undefined;
  /** '' = Teams only; undefined = any product. */
  readonly stripeProductId?: string | undefined;
}

export type CurrentIntent = (query: CurrentIntentQuery) => Promise<CheckoutIntent | null>;
export type CreateOrUpdateIntent = (request: CreateIntentRequest) => Promise<{ intent: CheckoutIntent; created: boolean }>;
export type ListIntents = (
  viewer: Principal,
  query: { readonly userId?: string | undefined; readonly limit: number; readonly offset: number },
) => Promise<IntentPage>;
export type GetIntent = (viewer: Principal, uuid: string) => Promise<CheckoutIntent>;

/** §5 `for_user`: no user → none; the repository applies the state, expiry and filter rules. */
export function makeCurrentIntent(deps: Pick<CheckoutIntentDeps, 'intents' | 'clock'>): CurrentIntent {
  return async ({ userId, enterpriseSlug, stripeProductId }) => {
    if (userId === null || userId === undefined || userId.trim() === '') return null;
    return deps.intents.current({ userId, enterpriseSlug, stripeProductId, now: deps.clock.now() });
  };
}

/**
 * §5 create-or-update, in one transaction holding the user's lock: the read of the latest intent,
 * the reservation check and the write cannot interleave with another call for the same user,
 * so parallel calls end with one intent (docs/decisions/0007-intent-concurrency.md).
 */
export function makeCreateOrUpdateIntent(deps: CreateOrUpdateIntentDeps): CreateOrUpdateIntent {
  return async (request) => {
    const valid = validateCreateIntentRequest(request); // a bad request never opens a transaction
    if (valid.stripeProductId !== TEAMS_PRODUCT_ID && !(await isSoldProduct(deps.academies, valid.stripeProductId))) {
      throw new InvalidCheckoutIntentRequestError('stripe_product_id', 'stripe_product_id must be an active academy\'s product, or "" for Teams.');
    }
    return deps.unitOfWork.run(async ({ intents, locks }) => {
      await locks.lockUser(valid.userId);
      const now = deps.clock.now(); // after the wait for the lock
      await intents.expireCreated(now, valid.userId);
      // Locked and read again: the session endpoint and the webhook change this row under its row lock, not
      // the user's, so planning from an unlocked copy could write back a session or state they just replaced.
      const latest = await intents.latestForProduct(valid.userId, valid.stripeProductId);
      const existing = latest && (await intents.findByUuid(latest.uuid, { forUpdate: true }));

      let slugHeldByOtherUser = false;
      if (repostTakesReservation(existing)) {
        const sought = reservationSought(existing, valid);
        await locks.lockReservations(reservationKeys(sought));
        await intents.releaseLapsedReservations(sought, now);
        slugHeldByOtherUser = await intents.isReservedByAnotherUser(valid.userId, sought, now);
      }

      const plan = planCreateOrUpdate(existing, valid, { now, reservationMinutes: deps.reservationMinutes, slugHeldByOtherUser });
      // The user's lock makes the count exact.
      if (planOpensIntent(plan) && (await intents.countOpen(valid.userId)) >= deps.maxOpenIntentsPerUser) {
        throw new TooManyOpenIntentsError(deps.maxOpenIntentsPerUser);
      }
      switch (plan.action) {
        case 'return_unchanged':
          return { intent: plan.intent, created: false };
        case 'create':
          return { intent: await intents.insert(plan.fields, now), created: true };
        case 'update': {
          const detach = await endSessionOfOtherQuantity(deps.sessions ?? null, plan.intent, plan.fields.quantity);
          const fields = detach ? { ...plan.fields, stripeCheckoutSessionId: null } : plan.fields;
          return { intent: await intents.update({ ...plan.intent, ...fields }), created: false };
        }
      }
    });
  };
}

/**
 * A new quantity makes the intent's current Checkout Session charge the wrong amount: it is expired at
 * Stripe (inside the caller's transaction, as the session endpoint replaces one) so a second tab cannot
 * pay it and be refused; true when the intent must let it go. A session already complete means a payment
 * is on its way: the update is refused until it is confirmed. Stripe failing fails the update (a 502;
 * nothing changed), never leaving a payable session for the old quantity.
 */
async function endSessionOfOtherQuantity(
  sessions: Pick<CheckoutSessionGateway, 'retrieve' | 'expire'> | null,
  intent: CheckoutIntent,
  quantity: number,
): Promise<boolean> {
  const sessionId = intent.stripeCheckoutSessionId;
  if (sessionId === null || quantity === intent.quantity) return false;
  if (!sessions) return true;
  const current = await sessions.retrieve(sessionId);
  if (current?.status === 'complete') {
    throw new IntentNotPayableError('A payment of this checkout intent is complete or processing; wait for its confirmation.');
  }
  if (current?.status === 'open') await sessions.expire(sessionId);
  return true;
}

/** Users see their own intents; an admin sees everyone's, or one user's with `userId`. */
export function makeListIntents(deps: Pick<CheckoutIntentDeps, 'intents'>): ListIntents {
  return async (viewer, { userId, limit, offset }) => {
    if (viewer.isAdmin) return deps.intents.list({ userId, limit, offset });
    // A user filtering on someone else gets nothing, not an error that confirms the other user exists.
    if (userId !== undefined && userId !== viewer.userId) return { total: 0, intents: [] };
    return deps.intents.list({ userId: viewer.userId, limit, offset });
  };
}

/** Another user's intent is reported as not found, so uuids cannot be probed. */
export function makeGetIntent(deps: Pick<CheckoutIntentDeps, 'intents'>): GetIntent {
  return async (viewer, uuid) => {
    const intent = await deps.intents.findByUuid(uuid);
    if (!intent || (!viewer.isAdmin && intent.userId !== viewer.userId)) throw new CheckoutIntentNotFoundError();
    return intent;
  };
}

/** Lock names for the sought slug and name, normalized so `Victim Co` and `victim-co` wait for each other. */
function reservationKeys(sought: { enterpriseSlug: string | null; enterpriseName: string | null }): string[] {
  const keys: string[] = [];
  if (sought.enterpriseSlug !== null) keys.push(`slug:${reservationKey(sought.enterpriseSlug)}`);
  if (sought.enterpriseName !== null) keys.push(`name:${reservationKey(sought.enterpriseName)}`);
  return keys;
}

/** An active academy sells this product (the catalogue snapshot: no query per request while nothing changed). */
async function isSoldProduct(academies: AcademyRepository, stripeProductId: string): Promise<boolean> {
  return (await academies.list({})).some((academy) => academy.stripeProductId === stripeProductId);
}
