import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// 0004's enterprise_reservation_key() folded only ASCII white space ([[:space:]] in the C locale), so a no-break
// space, an ideographic space or an invisible zero-width character made a "new" name that reads like a held
// one ("Victim<U+00A0>Co"). The key now also drops every Unicode space separator and the invisible formatting
// characters, the same set as reservationKey() in src/domain/checkout-intent/create-or-update.ts.
//
// The function is immutable and indexed by two exclusion constraints: they are dropped and added again around
// the change, so their indexes are rebuilt with the new key (and checked: two users holding spellings that now
// fold together stop the migration, which then changes nothing; docs/operations.md says what to do).

const RESERVATION_SEPARATORS = String.raw`[[:space:]._\u00A0\u00AD\u1680\u180E\u2000-\u200F\u2028-\u202F\u205F-\u2064\u3000\uFEFF-]+`;
const ASCII_SEPARATORS = '[[:space:]._-]+';

async function rebuild(db: Kysely<unknown>, separators: string): Promise<void> {
  await sql`alter table checkout_intents drop constraint checkout_intents_enterprise_slug_one_holder`.execute(db);
  await sql`alter table checkout_intents drop constraint checkout_intents_enterprise_name_one_holder`.execute(db);
  await sql`
    create or replace function enterprise_reservation_key(value text) returns text
    language sql immutable strict parallel safe
    as ${sql.raw(`$$ select lower(regexp_replace(value, '${separators}', '', 'g')) $$`)}`.execute(db);
  await sql`
    alter table checkout_intents add constraint checkout_intents_enterprise_slug_one_holder
    exclude using gist (enterprise_reservation_key(enterprise_slug) with =, user_id with <>)
    where (state <> 'expired' and enterprise_slug is not null)`.execute(db);
  await sql`
    alter table checkout_intents add constraint checkout_intents_enterprise_name_one_holder
    exclude using gist (enterprise_reservation_key(enterprise_name) with =, user_id with <>)
    where (state <> 'expired' and enterprise_name is not null)`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await rebuild(db, RESERVATION_SEPARATORS);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await rebuild(db, ASCII_SEPARATORS);
}
