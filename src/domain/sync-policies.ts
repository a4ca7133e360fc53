// The sync's pure rules (spec §4), split under ./sync/ by concern; import them from here.
export { parseCatalogQueryId, isValidCatalogQueryId, MAX_STORED_INTEGER } from './sync/catalog-query-id.ts';
export { canonicalUuid, foldName } from './sync/identity.ts';
export { passesAllowlist } from './sync/allowlist.ts';
export type { Allowlist } from './sync/allowlist.ts';
export { slugify, SLUG_PATTERN } from './sync/slug.ts';
export { isAbsoluteHttpUrl } from './sync/field-rules.ts';
export { deriveLookupKey } from './sync/lookup-key.ts';
export { OVERRIDE_KEYS } from './sync/overrides.ts';
export { createNormalizationContext } from './sync/normalization-context.ts';
export type { NormalizationContext, NormalizationSettings } from './sync/normalization-context.ts';
export { normalizeCatalogItem } from './sync/normalize-catalog-item.ts';
export type { NormalizationResult, NormalizedAcademy } from './sync/normalize-catalog-item.ts';
