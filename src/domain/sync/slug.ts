/** §1 charset shared by slug and product_key. */
export const SLUG_PATTERN = /^[A-Za-z0-9_-]+$/;
export const SLUG_MAX_LENGTH = 255;

/**
 * Spec §4: lower case, every run of characters outside `[a-z0-9_-]` becomes one `-`,
 * leading and trailing `-` removed, at most 255 characters. Existing `-` are kept as
 * they are (the spec replaces runs of *other* characters), so `a - b` gives `a---b`.
 * May return '' (e.g. a name written only in non-Latin script); callers treat that as unset.
 */
export function slugify(text: string): string {
  const slug = trimDashes(text.toLowerCase().replace(/[^a-z0-9_-]+/g, '-'));
  return trimDashes(slug.slice(0, SLUG_MAX_LENGTH));
}

// A loop rather than /-+$/: that regex backtracks quadratically on long runs of dashes.
function trimDashes(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text[start] === '-') start += 1;
  while (end > start && text[end - 1] === '-') end -= 1;
  return text.slice(start, end);
}
