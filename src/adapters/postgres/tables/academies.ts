import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/**
 * The `academies` table as PostgreSQL holds it (spec §1). Column names are the
 * public contract with operators and other tools, so they stay snake_case here
 * and only the repository maps them to the domain's camelCase.
 */
export interface AcademiesTable {
  uuid: Generated<string>;
  catalog_academy_uuid: string | null;
  name: string;
  long_name: Generated<string>;
  description: Generated<string>;
  marketing_url: Generated<string>;
  thumbnail_url: Generated<string>;
  // Both drivers hand text[] back as a JS array; writes accept any string list.
  tags: ColumnType<string[], readonly string[] | undefined, readonly string[]>;
  stripe_product_id: Generated<string>;
  stripe_price_lookup_key: string | null;
  catalog_query_id: number | null;
  product_key: string | null;
  slug: string | null;
  is_active: Generated<boolean>;
  display_order: Generated<number>;
  created: ColumnType<Date, Date | string | undefined, Date | string>;
  modified: ColumnType<Date, Date | string | undefined, Date | string>;
}

export type AcademyRow = Selectable<AcademiesTable>;
export type NewAcademyRow = Insertable<AcademiesTable>;
