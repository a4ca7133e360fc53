import type { AcademyFields } from '../../domain/academy.ts';
import { foldName } from '../../domain/sync-policies.ts';

/** One value of a column the database keeps unique (§1), as the collision check compares it. */
export interface UniqueKey {
  readonly column: string;
  readonly value: string;
  /** `column` and `value` in one string, for maps. */
  readonly id: string;
}

type KeyedFields = Pick<AcademyFields, 'name' | 'slug' | 'productKey' | 'stripePriceLookupKey' | 'catalogAcademyUuid'>;

/** The unique keys an academy holds: name (case-folded, like `lower(name)`) and every set slug, product key, lookup key and catalog uuid. */
export function uniqueKeysOf(fields: KeyedFields): UniqueKey[] {
  const keys: [string, string | null][] = [
    ['name', foldName(fields.name)],
    ['slug', fields.slug],
    ['product_key', fields.productKey],
    ['stripe_price_lookup_key', fields.stripePriceLookupKey],
    ['catalog_academy_uuid', fields.catalogAcademyUuid],
  ];
  return keys.flatMap(([column, value]) => (value === null ? [] : [{ column, value, id: `${column}\u0000${value}` }]));
}
