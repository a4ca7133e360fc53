import { checkText } from './field-rules.ts';
import { isRecord, ownField } from './identity.ts';

/**
 * Item tags (spec §4): strings, or the `title` of enterprise-catalog tag objects
 * `{id, title, description}`; trimmed, blanks dropped, first occurrence kept
 * (case-sensitive, as the `tag` filter is). Unusable entries are skipped with one warning.
 */
export function tagsFromItem(value: unknown, warnings: string[]): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    warnings.push('item tags ignored: must be a list');
    return [];
  }
  const tags = new Set<string>();
  let skipped = 0;
  for (const entry of value) {
    const text = checkText(isRecord(entry) ? ownField(entry, 'title') : entry, Infinity);
    if (!text.ok) skipped += 1;
    else if (text.value !== '') tags.add(text.value);
  }
  if (skipped > 0) warnings.push(`item tags: ${skipped} entr${skipped === 1 ? 'y' : 'ies'} skipped (neither a string nor a tag with a string title)`);
  return [...tags];
}
