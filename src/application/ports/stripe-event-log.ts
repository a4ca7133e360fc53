/** What is kept of one Stripe event: enough to recognise a redelivery and to tell support what it did. */
export interface StripeEventRecord {
  readonly id: string;
  readonly type: string;
  /** The checkout session the event is about, when it is about one. */
  readonly checkoutSessionId: string | null;
  /** When Stripe created the event (its `created`); null when absent. */
  readonly stripeCreated: Date | null;
}

/**
 * The events already acted on, keyed by Stripe's event id. Used inside a unit of work, so an event's
 * record commits or rolls back with its effect: a redelivery finds the record, a failed attempt leaves none.
 */
export interface StripeEventLog {
  /**
   * Records the event as being handled; false when it was already recorded. A concurrent delivery of the
   * same event waits here until the first one's unit of work ends, then gets false (or true if that one rolled back).
   */
  claim(event: StripeEventRecord, receivedAt: Date): Promise<boolean>;
  /** What handling the claimed event did (same unit of work). */
  settle(eventId: string, outcome: string): Promise<void>;
}

/** Keeps the event log bounded: the retention rule of the reconcile job (docs/decisions/0021). */
export interface StripeEventRetention {
  /** Deletes up to `limit` events received before `cutoff`, oldest first; returns how many. */
  deleteReceivedBefore(cutoff: Date, limit: number): Promise<number>;
}
