/**
 * Shapes every layer checks the same way, defined once: the HTTP schemas, the configuration, the
 * repositories and the sync all import them from here.
 */

/** A UUID of any version, hyphenated, in either case (callers that store it lower-case it first). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The largest PostgreSQL `integer`: a quantity, display order or catalog query id above it is refused as input, never a database error. */
export const MAX_INT32 = 2_147_483_647;

/** Own properties only, so keys like `constructor` or `__proto__` never reach the prototype. */
export function ownField(record: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
