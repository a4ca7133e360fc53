import { canonicalUuid, foldName, isRecord, ownField } from './identity.ts';

export interface Allowlist {
  readonly uuids: readonly string[];
  readonly names: readonly string[];
}

/**
 * Spec §4 step 2: with both lists empty every item passes; otherwise an item passes
 * when its uuid is listed (compared as canonical UUIDs) or its `name` or `title` is
 * listed (compared with `foldName`: trimmed, `toLowerCase()`).
 */
export function passesAllowlist(item: unknown, allowlist: Allowlist): boolean {
  if (allowlist.uuids.length === 0 && allowlist.names.length === 0) return true;
  if (!isRecord(item)) return false;
  const uuid = canonicalUuid(ownField(item, 'uuid'));
  if (uuid !== null && allowlist.uuids.some((listed) => canonicalUuid(listed) === uuid)) return true;
  const names = new Set(allowlist.names.map(foldName));
  return ['name', 'title'].some((key) => {
    const value = ownField(item, key);
    return typeof value === 'string' && value.trim() !== '' && names.has(foldName(value));
  });
}
