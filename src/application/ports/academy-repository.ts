import type { Academy } from '../../domain/academy.ts';

export interface AcademyFilter {
  /** Only the academy with this uuid (its own uuid). */
  readonly academyUuid?: string;
  /** Exact product key. */
  readonly productKey?: string;
  /** The academy must carry every one of these tags (exact, case-sensitive). */
  readonly tags?: readonly string[];
  /** Include inactive academies (default: active only). */
  readonly includeInactive?: boolean;
}

/** Reads academies (the sync writes them, through its own store); results always come in the default order. */
export interface AcademyRepository {
  list(filter: AcademyFilter): Promise<Academy[]>;
  /** First academy (default order) whose uuid, catalog_academy_uuid, slug, product_key or stripe_product_id equals `identifier`. */
  findByIdentifier(identifier: string): Promise<Academy | null>;
  count(): Promise<number>;
}
