import { parseCatalogQueryId, isStorableCount } from './catalog-query-id.ts';
import { SLUG_MAX_LENGTH, SLUG_PATTERN } from './slug.ts';

/**
 * The §1 rule of each academy field, as checks shared by item normalization and
 * overrides. Text is trimmed; lengths count characters (code points), as PostgreSQL
 * `varchar(n)` does. A value that breaks a limit is rejected, never truncated: a
 * silently shortened name or key would sync something nobody wrote. Text holding
 * U+0000 is rejected too, because PostgreSQL text cannot store it.
 */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export const LIMITS = { name: 255, longName: 512, url: 2048, stripeProductId: 255, lookupKey: 255 } as const;

const accept = <T>(value: T): Checked<T> => ({ ok: true, value });
const reject = <T>(reason: string): Checked<T> => ({ ok: false, reason });

export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/** Trimmed text within `max` characters; `blankAllowed: false` also rejects ''. */
export function checkText(value: unknown, max: number, blankAllowed = true): Checked<string> {
  if (typeof value !== 'string') return reject('must be a string');
  const text = value.trim();
  if (text.includes('\u0000')) return reject('must not contain NUL characters');
  if (!blankAllowed && text === '') return reject('must not be blank');
  if (max !== Infinity && characterCount(text) > max) return reject(`must be at most ${max} characters`);
  return accept(text);
}

/** slug / product_key: `[A-Za-z0-9_-]+`, ≤ 255. */
export function checkSlugValue(value: unknown): Checked<string> {
  const text = checkText(value, SLUG_MAX_LENGTH, false);
  if (!text.ok) return text;
  return SLUG_PATTERN.test(text.value) ? text : reject('must match [A-Za-z0-9_-]+');
}

const HTTP_URL = /^https?:\/\/\S+$/i;

/** marketing_url: '' or an absolute http(s) URL with a host, ≤ 2048, no whitespace inside. */
export function checkMarketingUrl(value: unknown): Checked<string> {
  const text = checkText(value, LIMITS.url);
  if (!text.ok || text.value === '') return text;
  return isAbsoluteHttpUrl(text.value) ? text : reject("must be '' or an absolute http(s) URL");
}

export function isAbsoluteHttpUrl(text: string): boolean {
  if (!HTTP_URL.test(text)) return false;
  try {
    return new URL(text).hostname !== '';
  } catch {
    return false;
  }
}

/** tags given as a list of strings: trimmed, blanks dropped, first occurrence kept. */
export function checkTagList(value: unknown): Checked<string[]> {
  if (!Array.isArray(value)) return reject('must be a list of strings');
  const tags = new Set<string>();
  for (const entry of value) {
    const tag = checkText(entry, Infinity);
    if (!tag.ok) return reject(`must be a list of strings (an entry ${tag.reason})`);
    if (tag.value !== '') tags.add(tag.value);
  }
  return accept([...tags]);
}

export function checkDisplayOrder(value: unknown): Checked<number> {
  return isStorableCount(value) ? accept(value + 0) : reject('must be a non-negative integer');
}

export function checkCatalogQueryId(value: unknown): Checked<number> {
  const id = parseCatalogQueryId(value);
  return id === null ? reject('must be a non-negative integer or a string of digits') : accept(id);
}

export function checkBoolean(value: unknown): Checked<boolean> {
  return typeof value === 'boolean' ? accept(value) : reject('must be true or false');
}

/** For the nullable unique keys, `null` explicitly unsets the field (§1: unset is NULL). */
export function orNull<T>(check: (value: unknown) => Checked<T>): (value: unknown) => Checked<T | null> {
  return (value) => (value === null ? accept(null) : check(value));
}
