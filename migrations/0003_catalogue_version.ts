import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// A catalogue version every replica can read cheaply (docs/decisions/0010): one row, bumped by
// a statement-level trigger on `academies`, so ANY writer — the sync, another replica, psql —
// invalidates every in-process snapshot. Kysely<unknown>, like every migration.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table catalogue_state (
      singleton boolean primary key default true constraint catalogue_state_one_row check (singleton),
      version bigint not null default 0
    )`.execute(db);
  await sql`insert into catalogue_state default values`.execute(db);
  // Statement level: a batched sync write bumps once per statement, not once per row; the bumps of one
  // transaction become visible together at commit (and vanish with a rollback).
  await sql`
    create function catalogue_state_bump() returns trigger language plpgsql as $$
    begin
      update catalogue_state set version = version + 1;
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger academies_bump_catalogue_version
    after insert or update or delete on academies
    for each statement execute function catalogue_state_bump()`.execute(db);
  await sql`
    create trigger academies_truncate_bumps_catalogue_version
    after truncate on academies
    for each statement execute function catalogue_state_bump()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists academies_truncate_bumps_catalogue_version on academies`.execute(db);
  await sql`drop trigger if exists academies_bump_catalogue_version on academies`.execute(db);
  await sql`drop function if exists catalogue_state_bump()`.execute(db);
  await sql`drop table if exists catalogue_state`.execute(db);
}
