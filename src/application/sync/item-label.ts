import { ownField } from '../../domain/shapes.ts';
import { canonicalUuid } from '../../domain/sync-policies.ts';

const MAX_NAME_IN_LABEL = 80;

/**
 * How reports name a raw catalog item: its 1-based position in the fetched list, then
 * its uuid and name/title when it has them, e.g. `#3 0c4e…-… "AI Academy"`.
 */
export function itemLabel(item: unknown, index: number): string {
  const parts = [`#${index + 1}`];
  if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
    const record = item as Record<string, unknown>;
    const uuid = canonicalUuid(ownField(record, 'uuid'));
    if (uuid !== null) parts.push(uuid);
    const name = [record['name'], record['title']].find((value): value is string => typeof value === 'string' && value.trim() !== '');
    if (name !== undefined) parts.push(JSON.stringify(shorten(name.trim())));
  }
  return parts.join(' ');
}

function shorten(text: string): string {
  return text.length <= MAX_NAME_IN_LABEL ? text : `${text.slice(0, MAX_NAME_IN_LABEL - 1)}…`;
}
