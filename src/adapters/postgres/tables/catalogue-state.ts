import type { ColumnType } from 'kysely';

/** One row, bumped by a trigger on `academies` (migration 0003); never written by the service itself. */
export interface CatalogueStateTable {
  singleton: ColumnType<boolean, never, never>;
  // bigint: pg hands it back as a string, PGlite as a number or bigint; selected as text.
  version: ColumnType<string, never, never>;
}
