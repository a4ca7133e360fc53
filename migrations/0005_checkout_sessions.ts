import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// Paying an intent through Stripe Checkout (issue 14). Kysely<unknown>, like every migration.
// `stripe_checkout_session_id` and `last_checkout_error` already exist (0002); this adds the attempt
// counter the Idempotency-Key is derived from, the index the reconcile job reads, and the table that
// makes every Stripe event take effect once.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('checkout_intents')
    // How many Checkout Sessions this intent has been given: attempt N uses Idempotency-Key …:N.
    .addColumn('checkout_session_attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await sql`alter table checkout_intents add constraint checkout_intents_session_attempts_non_negative check (checkout_session_attempts >= 0)`.execute(
    db,
  );
  // reconcile-checkout-sessions: created intents that hold a session.
  await db.schema
    .createIndex('checkout_intents_open_session_idx')
    .on('checkout_intents')
    .column('id')
    .where(sql<boolean>`state = 'created' AND stripe_checkout_session_id IS NOT NULL`)
    .execute();

  // One row per Stripe event acted on: the primary key is what makes a replayed or concurrently
  // delivered event take effect once (the second insert waits for the first transaction, then conflicts).
  await db.schema
    .createTable('stripe_events')
    .addColumn('event_id', 'varchar(255)', (col) => col.primaryKey())
    .addColumn('type', 'varchar(255)', (col) => col.notNull())
    .addColumn('checkout_session_id', 'varchar(255)')
    .addColumn('outcome', 'varchar(64)', (col) => col.notNull())
    .addColumn('stripe_created', 'timestamptz')
    .addColumn('received_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('stripe_events_received_at_idx').on('stripe_events').column('received_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('stripe_events').execute();
  await db.schema.dropIndex('checkout_intents_open_session_idx').execute();
  await db.schema.alterTable('checkout_intents').dropColumn('checkout_session_attempts').execute();
}
