import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// Migrations take Kysely<unknown>: they must keep working after the Database
// interface moves on, so they never depend on today's table types.

const SLUG_PATTERN = '^[A-Za-z0-9_-]+$';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('academies')
    .addColumn('uuid', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('catalog_academy_uuid', 'uuid')
    .addColumn('name', 'varchar(255)', (col) => col.notNull())
    .addColumn('long_name', 'varchar(512)', (col) => col.notNull().defaultTo(''))
    .addColumn('description', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('marketing_url', 'varchar(2048)', (col) => col.notNull().defaultTo(''))
    .addColumn('thumbnail_url', 'varchar(2048)', (col) => col.notNull().defaultTo(''))
    .addColumn('tags', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('stripe_product_id', 'varchar(255)', (col) => col.notNull().defaultTo(''))
    .addColumn('stripe_price_lookup_key', 'varchar(255)')
    .addColumn('catalog_query_id', 'integer')
    .addColumn('product_key', 'varchar(255)')
    .addColumn('slug', 'varchar(255)')
    .addColumn('is_active', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('display_order', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('modified', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    // Named constraints so a refused write says which rule it broke.
    // Unique constraints allow many NULLs: "unset" is NULL, never '' (spec §1).
    .addUniqueConstraint('academies_catalog_academy_uuid_key', ['catalog_academy_uuid'])
    .addUniqueConstraint('academies_stripe_price_lookup_key_key', ['stripe_price_lookup_key'])
    .addUniqueConstraint('academies_product_key_key', ['product_key'])
    .addUniqueConstraint('academies_slug_key', ['slug'])
    .addCheckConstraint('academies_marketing_url_http', sql`marketing_url = '' OR marketing_url ~* '^https?://'`)
    .addCheckConstraint('academies_stripe_price_lookup_key_not_blank', sql`stripe_price_lookup_key <> ''`)
    .addCheckConstraint('academies_catalog_query_id_non_negative', sql`catalog_query_id >= 0`)
    .addCheckConstraint('academies_product_key_slug', sql`product_key ~ ${sql.lit(SLUG_PATTERN)}`)
    .addCheckConstraint('academies_slug_slug', sql`slug ~ ${sql.lit(SLUG_PATTERN)}`)
    .addCheckConstraint('academies_display_order_non_negative', sql`display_order >= 0`)
    .execute();

  // "Unique ignoring case" needs an expression index; a plain UNIQUE would let Foo and foo coexist.
  await db.schema
    .createIndex('academies_name_lower_key')
    .on('academies')
    .unique()
    .expression(sql`lower(name)`)
    .execute();
  // `tags @> ARRAY[...]` (the list filter) is answered by a GIN index.
  await db.schema.createIndex('academies_tags_gin').on('academies').using('gin').column('tags').execute();
  await db.schema.createIndex('academies_stripe_product_id_idx').on('academies').column('stripe_product_id').execute();
  // Matches the repository's ORDER BY exactly (name in the "C" collation, see the repository).
  await db.schema
    .createIndex('academies_default_order_idx')
    .on('academies')
    .expression(sql`display_order, name COLLATE "C", uuid`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Dropping the table drops its indexes and constraints with it.
  await db.schema.dropTable('academies').execute();
}
