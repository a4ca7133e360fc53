import { MAX_INT32 } from '../shapes.ts';

/** PostgreSQL `integer` holds catalog_query_id and display_order, so larger values are not storable. */
export const MAX_STORED_INTEGER = MAX_INT32;

const ASCII_DIGITS = /^[0-9]+$/;

/**
 * A catalog query id as enterprise-catalog or an operator may write it (spec §4):
 * a non-negative integer, or a string of ASCII digits (surrounding blanks ignored).
 * Booleans, blanks, floats, negatives and values beyond the stored integer range are not ids.
 */
export function parseCatalogQueryId(value: unknown): number | null {
  if (typeof value === 'number') return isStorableCount(value) ? value + 0 : null; // `+ 0` turns -0 into 0
  if (typeof value !== 'string') return null;
  const digits = value.trim();
  if (!ASCII_DIGITS.test(digits)) return null;
  const parsed = Number(digits);
  return isStorableCount(parsed) ? parsed : null;
}

export function isValidCatalogQueryId(value: unknown): boolean {
  return parseCatalogQueryId(value) !== null;
}

/** A non-negative integer that fits the PostgreSQL `integer` column. */
export function isStorableCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_STORED_INTEGER;
}
