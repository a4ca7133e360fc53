import { sql } from 'kysely';
import type { Kysely } from 'kysely';

// A price generation every replica can read cheaply (docs/decisions/0024): the replica that receives a
// price.* / product.* webhook bumps it, and every replica drops its price cache when it sees it move, as
// it already drops its catalogue snapshot when `version` moves. Kysely<unknown>, like every migration.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table catalogue_state add column price_generation bigint not null default 0`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table catalogue_state drop column if exists price_generation`.execute(db);
}
