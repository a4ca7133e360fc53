import { LIMITS } from './field-rules.ts';

const SUFFIX = '-price';

/**
 * Spec §4: `<slug>-<first 8 chars of uuid, or slug>-price`; null when there is no slug.
 * This value is ours, not upstream's, so an over-long result is shortened (keeping the
 * `-price` ending) instead of invalidating the item.
 */
export function deriveLookupKey(slug: string | null, catalogUuid: string | null): string | null {
  if (slug === null) return null;
  const key = `${slug}-${catalogUuid === null ? slug : catalogUuid.slice(0, 8)}${SUFFIX}`;
  return key.length <= LIMITS.lookupKey ? key : `${key.slice(0, LIMITS.lookupKey - SUFFIX.length)}${SUFFIX}`;
}
