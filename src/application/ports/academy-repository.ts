import type { Academy } from '../../domain/academy.ts';
import type { AcademyFilter } from '../../domain/academy-filter.ts';

export type { AcademyFilter } from '../../domain/academy-filter.ts';

/** Reads academies (the sync writes them, through its own store); results always come in the default order. */
export interface AcademyRepository {
  /** The academies `matchesFilter` selects (src/domain/academy-filter.ts). */
  list(filter: AcademyFilter): Promise<Academy[]>;
  /** First academy (default order) that `isIdentifiedBy` the identifier: its uuid, catalog_academy_uuid, slug, product_key or stripe_product_id. */
  findByIdentifier(identifier: string): Promise<Academy | null>;
  count(): Promise<number>;
}
