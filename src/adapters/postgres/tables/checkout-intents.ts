import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** The `checkout_intents` table (spec §5): one column per field, same names; the repository maps to camelCase. */
export interface CheckoutIntentsTable {
  // bigint: pg hands it back as a string, PGlite as a number; the repository normalises.
  id: ColumnType<string | number, never, never>;
  uuid: Generated<string>;
  user_id: string;
  stripe_product_id: Generated<string>;
  state: Generated<string>;
  enterprise_name: string | null;
  enterprise_slug: string | null;
  enterprise_uuid: string | null;
  stripe_customer_id: string | null;
  stripe_checkout_session_id: string | null;
  quantity: number;
  country: string | null;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  last_checkout_error: string | null;
  last_provisioning_error: string | null;
  /** Migration 0005: Checkout Sessions given so far; attempt N's Idempotency-Key ends in N. */
  checkout_session_attempts: Generated<number>;
  // Written as JSON text (both drivers cast it to jsonb), read back as the parsed object.
  terms_metadata: ColumnType<Record<string, unknown>, string | undefined, string>;
  created: Timestamp;
  modified: Timestamp;
}

export type CheckoutIntentRow = Selectable<CheckoutIntentsTable>;
export type NewCheckoutIntentRow = Insertable<CheckoutIntentsTable>;
