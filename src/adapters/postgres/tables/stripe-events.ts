import type { ColumnType } from 'kysely';

/** `stripe_events` (migration 0005): one row per Stripe event acted on, keyed by Stripe's event id. */
export interface StripeEventsTable {
  event_id: string;
  type: string;
  checkout_session_id: string | null;
  outcome: string;
  stripe_created: ColumnType<Date | null, Date | string | null, Date | string | null>;
  received_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
