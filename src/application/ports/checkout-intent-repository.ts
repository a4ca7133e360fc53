import type { CheckoutIntent, NewCheckoutIntent } from '../../domain/checkout-intent.ts';

export interface CurrentIntentQuery {
  readonly userId: string;
  /** Only intents for this enterprise slug; undefined = any. */
  readonly enterpriseSlug?: string | undefined;
  /** '' = Teams only; undefined = any product. */
  readonly stripeProductId?: string | undefined;
  /** The time isCurrent() is judged at. */
  readonly now: Date;
}

export interface IntentListQuery {
  /** Only this user's intents; undefined = everyone's (admins). */
  readonly userId?: string | undefined;
  readonly limit: number;
  readonly offset: number;
}

export interface IntentPage {
  readonly total: number;
  readonly intents: CheckoutIntent[];
}

/**
 * Reads and writes checkout intents. Writes that would break a §5 uniqueness rule throw ActiveIntentConflictError
 * (one active intent per user and product, see isActive()), or SlugReservationError (one user per enterprise slug or
 * name, any state but expired): the database refuses them, whatever the caller checked. The time rules (what is
 * expired, current, holding a reservation, stalled) are the domain's (checkout-intent/lifetime.ts); every method
 * that selects by them selects exactly what those functions say.
 */
export interface CheckoutIntentRepository {
  /** §5 `for_user`: the newest (created, then id) intent matching the filters that isCurrent() at `now`. */
  current(query: CurrentIntentQuery): Promise<CheckoutIntent | null>;
  /** The user's newest intent for this product in any state: the one create-or-update works on. */
  latestForProduct(userId: string, stripeProductId: string): Promise<CheckoutIntent | null>;
  /** Null for an unknown uuid or a string that is not a UUID. `forUpdate` row-locks it until the unit of work ends. */
  findByUuid(uuid: string, options?: { readonly forUpdate?: boolean }): Promise<CheckoutIntent | null>;
  /** Newest first. */
  list(query: IntentListQuery): Promise<IntentPage>;
  /** Another user's intent that holdsEnterpriseReservation() at `now` holds this slug or name (compared as people read them). */
  isReservedByAnotherUser(
    userId: string,
    reservation: { readonly enterpriseSlug: string | null; readonly enterpriseName: string | null },
    now: Date,
  ): Promise<boolean>;
  /**
   * created → expired for any user's intents that isExpired() at `now` and hold this slug or name (compared as
   * people read them): a lapsed reservation must not keep blocking the database's one-holder rule.
   */
  releaseLapsedReservations(
    reservation: { readonly enterpriseSlug: string | null; readonly enterpriseName: string | null },
    now: Date,
  ): Promise<number>;
  /**
   * Up to `limit` intents that awaitsSessionOutcome(), in random order (the reconcile job: an ordered batch
   * would re-check the same open sessions every run and never reach the rest).
   */
  withSessionToReconcile(limit: number): Promise<CheckoutIntent[]>;
  /** How many of the user's intents are open (isOpen()). */
  countOpen(userId: string): Promise<number>;
  insert(fields: NewCheckoutIntent, now: Date): Promise<CheckoutIntent>;
  /** Writes every mutable field of `intent` (by id) and returns the stored row. */
  update(intent: CheckoutIntent): Promise<CheckoutIntent>;
  /** created → expired for the intents that isExpired() at `now` (only this user's when given); returns the count. */
  expireCreated(now: Date, userId?: string): Promise<number>;
  /** paid → errored_fulfillment_stalled for the intents that isStalled() at the cutoff `modifiedBefore`; returns the count. */
  markStalledPaid(modifiedBefore: Date, message: string, now: Date): Promise<number>;
  /** How many intents are in each state (states without intents are absent). */
  countByState(): Promise<ReadonlyMap<string, number>>;
}
