import type { AcademyFields } from '../academy.ts';
import { parseCatalogQueryId } from './catalog-query-id.ts';
import {
  LIMITS,
  checkBoolean,
  checkDisplayOrder,
  checkMarketingUrl,
  checkSlugValue,
  checkText,
} from './field-rules.ts';
import type { Checked } from './field-rules.ts';
import { canonicalUuid, foldName, isRecord, ownField } from './identity.ts';
import type { NormalizationContext } from './normalization-context.ts';
import { applyOverrides } from './overrides.ts';
import type { AcademyDraft } from './overrides.ts';
import { slugify } from './slug.ts';
import { tagsFromItem } from './tags.ts';
import { deriveLookupKey } from './lookup-key.ts';

/** An academy as one catalog item describes it; `catalogAcademyUuid` is the item's canonical uuid or null. */
export type NormalizedAcademy = AcademyFields;

export type NormalizationResult =
  | { readonly ok: true; readonly academy: NormalizedAcademy; readonly warnings: string[] }
  | { readonly ok: false; readonly reason: string };

type Item = Readonly<Record<string, unknown>>;

class InvalidItem extends Error {}

/**
 * Spec §4 step 4 for one raw enterprise-catalog item. Never throws.
 *
 * Policy for item values (overrides are handled by `applyOverrides`):
 * - null and absent are the same;
 * - a text value of the wrong type is skipped with a warning, so the next source applies;
 * - a value that breaks a §1 limit (length, slug charset, display_order, is_active)
 *   makes the item invalid rather than being truncated or coerced;
 * - except the cosmetic URL fields: a bad marketing_url/thumbnail_url becomes '' with a warning;
 * - an invalid item uuid or catalog_query_id is dropped with a warning (the spec falls back to the default).
 */
export function normalizeCatalogItem(item: unknown, context: NormalizationContext): NormalizationResult {
  try {
    if (!isRecord(item)) return { ok: false, reason: 'not an object' };
    const warnings: string[] = [];
    const draft = draftFromItem(item, context, warnings);
    const uuidKey = draft.catalogAcademyUuid;
    const nameKey = foldName(draft.name);
    applyCatalogQueryIdMapping(draft, lookup(context.catalogQueryIdByUuid, context.catalogQueryIdByName, uuidKey, nameKey), warnings);
    const overrides = lookup(context.overridesByUuid, context.overridesByName, uuidKey, nameKey);
    if (overrides !== undefined) applyOverrides(draft, overrides, warnings);
    const stripePriceLookupKey =
      draft.stripePriceLookupKey === undefined ? deriveLookupKey(draft.slug, uuidKey) : draft.stripePriceLookupKey;
    return { ok: true, academy: { ...draft, stripePriceLookupKey }, warnings };
  } catch (error) {
    if (error instanceof InvalidItem) return { ok: false, reason: error.message };
    // Only a hostile value (a throwing getter or proxy) gets here; its error is not trusted to stringify.
    return { ok: false, reason: 'unreadable item' };
  }
}

function draftFromItem(item: Item, context: NormalizationContext, warnings: string[]): AcademyDraft {
  const field = (key: string): unknown => ownField(item, key) ?? undefined;
  const name = requireValid('name', pickText(item, ['name', 'title'], warnings), (v) => checkText(v, LIMITS.name, false));
  if (name === undefined) throw new InvalidItem('missing name');
  const slug = slugFrom(pickText(item, ['slug'], warnings)) ?? slugFrom(name);
  return {
    catalogAcademyUuid: itemUuid(field('uuid'), warnings),
    name,
    longName: requireValid('long_name', pickText(item, ['long_name', 'title', 'name'], warnings), (v) => checkText(v, LIMITS.longName)) ?? '',
    description: requireValid('description', pickText(item, ['description', 'short_description', 'long_description'], warnings), (v) => checkText(v, Infinity)) ?? '',
    marketingUrl: cosmetic('marketing_url', pickText(item, ['marketing_url'], warnings), checkMarketingUrl, warnings),
    thumbnailUrl: cosmetic('thumbnail_url', pickText(item, ['thumbnail_url', 'image'], warnings), (v) => checkText(v, LIMITS.url), warnings),
    tags: tagsFromItem(field('tags'), warnings),
    stripeProductId: requireValid('stripe_product_id', pickText(item, ['stripe_product_id'], warnings), (v) => checkText(v, LIMITS.stripeProductId)) ?? '',
    stripePriceLookupKey: requireValid('stripe_price_lookup_key', pickText(item, ['stripe_price_lookup_key'], warnings), (v) => checkText(v, LIMITS.lookupKey)),
    catalogQueryId: itemCatalogQueryId(field('catalog_query_id'), warnings) ?? context.defaultCatalogQueryId,
    productKey: requireValid('product_key', pickText(item, ['product_key'], warnings), checkSlugValue) ?? slug,
    slug,
    isActive: field('is_active') === undefined ? true : requireValid('is_active', field('is_active'), checkBoolean) ?? true,
    displayOrder: field('display_order') === undefined ? 0 : requireValid('display_order', field('display_order'), checkDisplayOrder) ?? 0,
  };
}

/** First non-blank string among `keys`; present values of another type are skipped with a warning. */
function pickText(item: Item, keys: readonly string[], warnings: string[]): string | undefined {
  for (const key of keys) {
    const value = ownField(item, key);
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') {
      warnings.push(`item ${key} ignored: must be a string`);
      continue;
    }
    if (value.trim() !== '') return value;
  }
  return undefined;
}

type Check<T> = (value: unknown) => Checked<T>;

function requireValid<T>(key: string, value: unknown, check: Check<T>): T | undefined {
  if (value === undefined) return undefined;
  const checked = check(value);
  if (!checked.ok) throw new InvalidItem(`${key} ${checked.reason}`);
  return checked.value;
}

function cosmetic(key: string, value: string | undefined, check: Check<string>, warnings: string[]): string {
  if (value === undefined) return '';
  const checked = check(value);
  if (checked.ok) return checked.value;
  warnings.push(`item ${key} ignored: ${checked.reason}`);
  return '';
}

function slugFrom(text: string | undefined): string | null {
  return text === undefined ? null : slugify(text) || null;
}

function itemUuid(value: unknown, warnings: string[]): string | null {
  if (value === undefined) return null;
  const uuid = canonicalUuid(value);
  if (uuid === null) warnings.push('item uuid ignored: not a UUID');
  return uuid;
}

function itemCatalogQueryId(value: unknown, warnings: string[]): number | null {
  if (value === undefined) return null;
  const id = parseCatalogQueryId(value);
  if (id === null) warnings.push('item catalog_query_id ignored: not a valid catalog query id');
  return id;
}

/** Spec §4: the by-uuid entry when there is one, else the by-name entry — never both. */
function lookup(byUuid: ReadonlyMap<string, unknown>, byName: ReadonlyMap<string, unknown>, uuid: string | null, name: string): unknown {
  if (uuid !== null && byUuid.has(uuid)) return byUuid.get(uuid);
  return byName.get(name);
}

function applyCatalogQueryIdMapping(draft: AcademyDraft, mapped: unknown, warnings: string[]): void {
  if (mapped === undefined) return;
  const id = parseCatalogQueryId(mapped);
  if (id === null) warnings.push('catalog_query_id mapping ignored: not a valid catalog query id');
  else draft.catalogQueryId = id;
}
