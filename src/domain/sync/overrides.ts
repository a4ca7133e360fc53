import type { AcademyFields } from '../academy.ts';
import {
  LIMITS,
  checkBoolean,
  checkCatalogQueryId,
  checkDisplayOrder,
  checkMarketingUrl,
  checkSlugValue,
  checkTagList,
  checkText,
  orNull,
} from './field-rules.ts';
import type { Checked } from './field-rules.ts';
import { isRecord } from './identity.ts';

/** A normalized academy under construction; an undefined lookup key means "derive it". */
export type AcademyDraft = {
  -readonly [K in keyof AcademyFields]: K extends 'stripePriceLookupKey' ? string | null | undefined : AcademyFields[K];
};

type ApplyOverride = (draft: AcademyDraft, value: unknown) => string | null;

function setField<K extends keyof AcademyDraft>(field: K, check: (value: unknown) => Checked<AcademyDraft[K]>): ApplyOverride {
  return (draft, value) => {
    const checked = check(value);
    if (!checked.ok) return checked.reason;
    draft[field] = checked.value;
    return null;
  };
}

/**
 * The allowed override keys (spec §4) and the §1 rule each value must meet.
 * `null` is accepted only for the nullable fields, where it unsets them.
 */
const OVERRIDE_RULES: ReadonlyMap<string, ApplyOverride> = new Map([
  ['name', setField('name', (v) => checkText(v, LIMITS.name, false))],
  ['long_name', setField('longName', (v) => checkText(v, LIMITS.longName))],
  ['description', setField('description', (v) => checkText(v, Infinity))],
  ['marketing_url', setField('marketingUrl', checkMarketingUrl)],
  ['thumbnail_url', setField('thumbnailUrl', (v) => checkText(v, LIMITS.url))],
  ['tags', setField('tags', checkTagList)],
  ['stripe_product_id', setField('stripeProductId', (v) => checkText(v, LIMITS.stripeProductId))],
  ['stripe_price_lookup_key', setField('stripePriceLookupKey', orNull((v) => checkText(v, LIMITS.lookupKey, false)))],
  ['product_key', setField('productKey', orNull(checkSlugValue))],
  ['slug', setField('slug', orNull(checkSlugValue))],
  ['display_order', setField('displayOrder', checkDisplayOrder)],
  ['catalog_query_id', setField('catalogQueryId', orNull(checkCatalogQueryId))],
  ['is_active', setField('isActive', checkBoolean)],
]);

export const OVERRIDE_KEYS: readonly string[] = [...OVERRIDE_RULES.keys()];

/**
 * Applies one override dict to the draft, key by key: a value that fails its rule,
 * or an unknown key, is skipped and explained in `warnings`; the rest still apply.
 */
export function applyOverrides(draft: AcademyDraft, overrides: unknown, warnings: string[]): void {
  if (!isRecord(overrides)) {
    warnings.push('field overrides ignored: must be an object');
    return;
  }
  for (const [key, value] of Object.entries(overrides)) {
    const apply = OVERRIDE_RULES.get(key);
    const reason = apply === undefined ? 'not an overridable field' : apply(draft, value);
    if (reason !== null) warnings.push(`override ${JSON.stringify(key)} ignored: ${reason}`);
  }
}
