import { UUID_PATTERN } from '../shapes.ts';

export { isRecord, ownField } from '../shapes.ts';

/** The lower-case hyphenated form of a UUID (any version), or null for anything else. */
export function canonicalUuid(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const candidate = value.trim().toLowerCase();
  return UUID_PATTERN.test(candidate) ? candidate : null;
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

