const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The lower-case hyphenated form of a UUID (any version), or null for anything else. */
export function canonicalUuid(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const candidate = value.trim().toLowerCase();
  return UUID.test(candidate) ? candidate : null;
}

/**
 * How names are compared everywhere in the sync (allowlist, mappings, overrides,
 * matching to stored academies): trimmed, then `toLowerCase()`. The locale-independent
 * `toLowerCase()` (not `toLocaleLowerCase()`) is used so the result never depends on
 * the host's locale, and it agrees with PostgreSQL `lower(name)` for the names the
 * unique index sees in practice.
 */
export function foldName(name: string): string {
  return name.trim().toLowerCase();
}

/** Own properties only, so keys like `constructor` or `__proto__` never reach the prototype. */
export function ownField(record: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
