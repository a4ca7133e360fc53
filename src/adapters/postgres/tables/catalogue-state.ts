import type { ColumnType, RawBuilder } from 'kysely';

/**
 * One row. `version` is bumped by a trigger on `academies` (migration 0003) and never written by the
 * service; `price_generation` is bumped by the service when Stripe's prices change (migration 0006).
 */
export interface CatalogueStateTable {
  singleton: ColumnType<boolean, never, never>;
  // bigint: pg hands it back as a string, PGlite as a number or bigint; selected as text.
  version: ColumnType<string, never, never>;
  price_generation: ColumnType<string, never, RawBuilder<unknown>>;
}
