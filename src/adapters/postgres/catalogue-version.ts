import { sql, type Kysely } from 'kysely';
import type { CatalogueVersion } from '../../application/ports/catalogue-version.ts';
import type { Database } from './database.ts';

/** CatalogueVersion over `catalogue_state`, which a trigger bumps on every write to `academies`. */
export function postgresCatalogueVersion(db: Kysely<Database>): CatalogueVersion {
  return {
    async current() {
      const row = await db
        .selectFrom('catalogue_state')
        .select(sql<string>`version::text`.as('version'))
        .executeTakeFirst();
      if (row === undefined) throw new Error('catalogue_state has no row: is migration 0003_catalogue_version applied?');
      return row.version;
    },
  };
}
