import { sql, type Kysely } from 'kysely';
import type { PriceGeneration } from '../../application/ports/price-generation.ts';
import type { Database } from './database.ts';

/** PriceGeneration over `catalogue_state.price_generation` (migration 0006), one row every replica reads. */
export function postgresPriceGeneration(db: Kysely<Database>): PriceGeneration {
  return {
    async current() {
      const row = await db
        .selectFrom('catalogue_state')
        .select(sql<string>`price_generation::text`.as('generation'))
        .executeTakeFirst();
      if (row === undefined) throw new Error('catalogue_state has no row: is migration 0003_catalogue_version applied?');
      return row.generation;
    },
    async bump() {
      const row = await db
        .updateTable('catalogue_state')
        .set({ price_generation: sql`price_generation + 1` })
        .returning(sql<string>`price_generation::text`.as('generation'))
        .executeTakeFirst();
      if (row === undefined) throw new Error('catalogue_state has no row: is migration 0003_catalogue_version applied?');
      return row.generation;
    },
  };
}
