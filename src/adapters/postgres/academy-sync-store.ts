import { sql } from 'kysely';
import type { Kysely, RawBuilder, Transaction } from 'kysely';
import { AcademySyncConflict } from '../../application/ports/academy-sync-store.ts';
import type { AcademySyncStore, AcademySyncTransaction, AcademyUpdate } from '../../application/ports/academy-sync-store.ts';
import { toAcademy, toRow } from './academy-repository.ts';
import { isUniqueViolation } from './database.ts';
import type { Database } from './database.ts';

/** `pg_advisory_xact_lock` key of the sync: the ASCII bytes of "acadsync" as one bigint. */
export const SYNC_LOCK_KEY = 7_017_575_214_651_485_795n;

/**
 * Every batch travels as ONE jsonb parameter unpacked by `jsonb_to_recordset`, so a
 * write is one statement whatever the number of rows, never nears the 65535-parameter
 * limit, and both drivers (pg, PGlite) only ever bind a string.
 */
const RECORD_COLUMNS = sql.raw(`
  catalog_academy_uuid uuid, name text, long_name text, description text, marketing_url text,
  thumbnail_url text, tags jsonb, stripe_product_id text, stripe_price_lookup_key text,
  catalog_query_id integer, product_key text, slug text, is_active boolean, display_order integer`);

// jsonb array → text[], keeping the order of the list.
const TAGS_FROM_JSON = sql.raw('array(select tag from jsonb_array_elements_text(v.tags) with ordinality as t(tag, n) order by n)');

/** AcademySyncStore over PostgreSQL (or PGlite): one transaction under a transaction-level advisory lock. */
export function postgresAcademySyncStore(db: Kysely<Database>): AcademySyncStore {
  return {
    runExclusive(work) {
      return db.transaction().execute(async (trx) => {
        // Released by COMMIT/ROLLBACK; a second sync waits here, then reads what the first committed.
        await sql`select pg_advisory_xact_lock(${sql.raw(SYNC_LOCK_KEY.toString())})`.execute(trx);
        return work(syncTransaction(trx));
      });
    },
  };
}

function syncTransaction(trx: Transaction<Database>): AcademySyncTransaction {
  return {
    async allAcademies() {
      const rows = await trx.selectFrom('academies').selectAll().orderBy('uuid').execute();
      return rows.map(toAcademy);
    },

    async insertMany(fields) {
      if (fields.length === 0) return;
      await write(sql`
        insert into academies (catalog_academy_uuid, name, long_name, description, marketing_url, thumbnail_url, tags,
          stripe_product_id, stripe_price_lookup_key, catalog_query_id, product_key, slug, is_active, display_order)
        select v.catalog_academy_uuid, v.name, v.long_name, v.description, v.marketing_url, v.thumbnail_url, ${TAGS_FROM_JSON},
          v.stripe_product_id, v.stripe_price_lookup_key, v.catalog_query_id, v.product_key, v.slug, v.is_active, v.display_order
        from jsonb_to_recordset(${jsonParameter(fields.map(toRow))}::jsonb) as v(${RECORD_COLUMNS})`);
    },

    async updateMany(updates) {
      if (updates.length === 0) return;
      const records = jsonParameter(updates.map(toUpdateRecord));
      // PostgreSQL checks non-deferrable unique keys row by row, so two rows swapping a
      // slug (or one taking over another's) would fail mid-statement. The rows whose keys
      // change first give theirs up (the placeholder name is unique by uuid), then all are set.
      await write(sql`
        update academies as a set name = '~sync~' || a.uuid::text, slug = null, product_key = null,
          stripe_price_lookup_key = null, catalog_academy_uuid = null
        from jsonb_to_recordset(${records}::jsonb) as v(uuid uuid, ${RECORD_COLUMNS})
        where a.uuid = v.uuid and (lower(a.name) is distinct from lower(v.name) or a.slug is distinct from v.slug
          or a.product_key is distinct from v.product_key or a.stripe_price_lookup_key is distinct from v.stripe_price_lookup_key
          or a.catalog_academy_uuid is distinct from v.catalog_academy_uuid)`);
      await write(sql`
        update academies as a set catalog_academy_uuid = v.catalog_academy_uuid, name = v.name, long_name = v.long_name,
          description = v.description, marketing_url = v.marketing_url, thumbnail_url = v.thumbnail_url, tags = ${TAGS_FROM_JSON},
          stripe_product_id = v.stripe_product_id, stripe_price_lookup_key = v.stripe_price_lookup_key,
          catalog_query_id = v.catalog_query_id, product_key = v.product_key, slug = v.slug, is_active = v.is_active,
          display_order = v.display_order, modified = now()
        from jsonb_to_recordset(${records}::jsonb) as v(uuid uuid, ${RECORD_COLUMNS})
        where a.uuid = v.uuid`);
    },

    async deactivate(uuids) {
      if (uuids.length === 0) return;
      await write(sql`
        update academies set is_active = false, modified = now()
        where is_active and uuid in (select value::uuid from jsonb_array_elements_text(${jsonParameter(uuids)}::jsonb))`);
    },
  };

  async function write(statement: RawBuilder<unknown>): Promise<void> {
    try {
      await statement.execute(trx);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const constraint = typeof error === 'object' && error !== null && 'constraint' in error ? String(error.constraint) : 'a unique key';
      throw new AcademySyncConflict(`the sync's writes collided on ${constraint}; nothing was changed`, { cause: error });
    }
  }
}

function jsonParameter(value: unknown): string {
  return JSON.stringify(value);
}

function toUpdateRecord(update: AcademyUpdate): Record<string, unknown> {
  return { uuid: update.uuid, ...toRow(update.fields) };
}
