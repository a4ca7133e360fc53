import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// Issue 15: enterprise slugs and names are reserved as people read them — case, spaces, dots, dashes and
// underscores do not make a new name — and the database, not only the code, keeps two users from holding
// the same one. Kysely<unknown>, like every migration.
//
// One user may hold a slug on several intents (one per product), so a plain unique index cannot say
// "no two *users*": an exclusion constraint does (same normalized key WITH =, user_id WITH <>), which
// needs btree_gist for the text equality/inequality operators (a trusted extension: the database owner
// may create it; docs/operations.md).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create extension if not exists btree_gist`.execute(db);
  // The one definition of "the same name", used by the constraints below and by the reservation queries.
  await sql`
    create function enterprise_reservation_key(value text) returns text
    language sql immutable strict parallel safe
    as $$ select lower(regexp_replace(value, '[[:space:]._-]+', '', 'g')) $$`.execute(db);
  // A created intent past its reservation holds nothing (the expire job would move it); settle them first
  // so they cannot block the constraints. Paid, fulfilled and errored intents keep their names.
  await sql`update checkout_intents set state = 'expired', modified = now() where state = 'created' and expires_at <= now()`.execute(db);
  await sql`
    alter table checkout_intents add constraint checkout_intents_enterprise_slug_one_holder
    exclude using gist (enterprise_reservation_key(enterprise_slug) with =, user_id with <>)
    where (state <> 'expired' and enterprise_slug is not null)`.execute(db);
  await sql`
    alter table checkout_intents add constraint checkout_intents_enterprise_name_one_holder
    exclude using gist (enterprise_reservation_key(enterprise_name) with =, user_id with <>)
    where (state <> 'expired' and enterprise_name is not null)`.execute(db);
  // Open intents per user (MAX_OPEN_INTENTS_PER_USER) are counted on every create.
  await sql`create index checkout_intents_user_open_idx on checkout_intents (user_id) where state = 'created'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index checkout_intents_user_open_idx`.execute(db);
  await sql`alter table checkout_intents drop constraint checkout_intents_enterprise_name_one_holder`.execute(db);
  await sql`alter table checkout_intents drop constraint checkout_intents_enterprise_slug_one_holder`.execute(db);
  await sql`drop function enterprise_reservation_key(text)`.execute(db);
}
