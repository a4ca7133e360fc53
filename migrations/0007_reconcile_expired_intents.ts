import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// reconcile-checkout-sessions reads expired intents that still hold a session too (a session can outlive
// its intent's reservation, and its payment reopens the intent): the partial index of 0005 follows.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('checkout_intents_open_session_idx').execute();
  await db.schema
    .createIndex('checkout_intents_open_session_idx')
    .on('checkout_intents')
    .column('id')
    .where(sql<boolean>`state IN ('created', 'expired') AND stripe_checkout_session_id IS NOT NULL`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('checkout_intents_open_session_idx').execute();
  await db.schema
    .createIndex('checkout_intents_open_session_idx')
    .on('checkout_intents')
    .column('id')
    .where(sql<boolean>`state = 'created' AND stripe_checkout_session_id IS NOT NULL`)
    .execute();
}
