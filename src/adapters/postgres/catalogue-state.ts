import { sql, type Kysely } from 'kysely';
import type { CatalogueState } from '../../application/ports/catalogue-state.ts';
import type { Database } from './database.ts';

const MISSING_ROW = 'catalogue_state has no row: is migration 0003_catalogue_version applied?';

/**
 * CatalogueState over the one `catalogue_state` row: `version` is bumped by a trigger on every write to
 * `academies` (migration 0003), `price_generation` by a replica that got a price webhook (migration 0006).
 */
export function postgresCatalogueState(db: Kysely<Database>): CatalogueState {
  return {
    async current() {
      const row = await db
        .selectFrom('catalogue_state')
        .select([sql<string>`version::text`.as('catalogueVersion'), sql<string>`price_generation::text`.as('priceGeneration')])
        .executeTakeFirst();
      if (row === undefined) throw new Error(MISSING_ROW);
      return row;
    },
    async bumpPriceGeneration() {
      const row = await db
        .updateTable('catalogue_state')
        .set({ price_generation: sql`price_generation + 1` })
        .returning(sql<string>`price_generation::text`.as('generation'))
        .executeTakeFirst();
      if (row === undefined) throw new Error(MISSING_ROW);
      return row.generation;
    },
  };
}
