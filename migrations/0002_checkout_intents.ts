import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// Spec §5. Kysely<unknown>, like every migration: it must not depend on today's table types.

const STATES = [
  'created',
  'paid',
  'fulfilled',
  'errored_backoffice',
  'errored_fulfillment_stalled',
  'errored_provisioning',
  'expired',
] as const;

const stateList = sql.join(STATES.map((state) => sql.lit(state)));

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('checkout_intents')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('uuid', 'uuid', (col) => col.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'text', (col) => col.notNull())
    // '' is a Teams trial; anything else is an academy's Stripe product.
    .addColumn('stripe_product_id', 'varchar(255)', (col) => col.notNull().defaultTo(''))
    .addColumn('state', 'varchar(32)', (col) => col.notNull().defaultTo('created'))
    .addColumn('enterprise_name', 'varchar(255)')
    .addColumn('enterprise_slug', 'varchar(255)')
    .addColumn('enterprise_uuid', 'uuid')
    .addColumn('stripe_customer_id', 'varchar(255)')
    .addColumn('stripe_checkout_session_id', 'varchar(255)')
    .addColumn('quantity', 'integer', (col) => col.notNull())
    .addColumn('country', 'char(2)')
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('last_checkout_error', 'text')
    .addColumn('last_provisioning_error', 'text')
    .addColumn('terms_metadata', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('modified', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('checkout_intents_uuid_key', ['uuid'])
    .addCheckConstraint('checkout_intents_state_known', sql`state IN (${stateList})`)
    .addCheckConstraint('checkout_intents_quantity_positive', sql`quantity > 0`)
    .addCheckConstraint('checkout_intents_country_alpha2', sql`country ~ '^[A-Z]{2}$'`)
    .addCheckConstraint('checkout_intents_terms_metadata_object', sql`jsonb_typeof(terms_metadata) = 'object'`)
    .addCheckConstraint('checkout_intents_user_id_not_blank', sql`btrim(user_id) <> ''`)
    .execute();

  // The two rules of §5, enforced here so no code path (or psql session) can break them.
  // A NULL slug would make every row distinct in a unique index, so NULL and '' are folded together.
  await db.schema
    .createIndex('checkout_intents_one_active_academy_key')
    .on('checkout_intents')
    .unique()
    .expression(sql`user_id, coalesce(enterprise_slug, ''), stripe_product_id`)
    .where(sql<boolean>`stripe_product_id <> '' AND state IN ('created', 'paid')`)
    .execute();
  await db.schema
    .createIndex('checkout_intents_one_active_teams_key')
    .on('checkout_intents')
    .unique()
    .column('user_id')
    .where(sql<boolean>`stripe_product_id = '' AND state IN ('created', 'paid', 'fulfilled')`)
    .execute();

  // One index per lookup: for_user and the list (newest first), the two jobs, reservations, the webhook.
  await db.schema
    .createIndex('checkout_intents_user_created_idx')
    .on('checkout_intents')
    .expression(sql`user_id, created DESC, id DESC`)
    .execute();
  await db.schema.createIndex('checkout_intents_state_expires_idx').on('checkout_intents').columns(['state', 'expires_at']).execute();
  await db.schema.createIndex('checkout_intents_state_modified_idx').on('checkout_intents').columns(['state', 'modified']).execute();
  await db.schema.createIndex('checkout_intents_enterprise_slug_idx').on('checkout_intents').column('enterprise_slug').execute();
  await db.schema.createIndex('checkout_intents_enterprise_name_idx').on('checkout_intents').column('enterprise_name').execute();
  await db.schema
    .createIndex('checkout_intents_session_idx')
    .on('checkout_intents')
    .column('stripe_checkout_session_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('checkout_intents').execute();
}
