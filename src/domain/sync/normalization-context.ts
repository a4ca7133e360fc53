import { canonicalUuid, foldName, isRecord } from './identity.ts';
import { parseCatalogQueryId } from './catalog-query-id.ts';

/**
 * What normalization needs besides the item (spec §4 steps 3–4). The maps are keyed
 * by canonical UUID and by folded name (see `foldName`), so lookups never touch
 * object prototypes; their values stay `unknown` because each is validated, and
 * reported when ignored, per item.
 */
export interface NormalizationContext {
  readonly defaultCatalogQueryId: number | null;
  readonly catalogQueryIdByUuid: ReadonlyMap<string, unknown>;
  readonly catalogQueryIdByName: ReadonlyMap<string, unknown>;
  readonly overridesByUuid: ReadonlyMap<string, unknown>;
  readonly overridesByName: ReadonlyMap<string, unknown>;
}

/** The settings as configuration holds them (JSON objects from the environment). */
export interface NormalizationSettings {
  readonly defaultCatalogQueryId?: unknown;
  readonly catalogQueryIdByUuid?: unknown;
  readonly catalogQueryIdByName?: unknown;
  readonly overridesByUuid?: unknown;
  readonly overridesByName?: unknown;
}

/**
 * Builds the context from raw settings. Keys that are not UUIDs in the by-uuid
 * dicts are dropped here: configuration rejects them at start-up (§8), so this
 * only guards against a caller that skipped it.
 */
export function createNormalizationContext(settings: NormalizationSettings): NormalizationContext {
  return {
    defaultCatalogQueryId: parseCatalogQueryId(settings.defaultCatalogQueryId),
    catalogQueryIdByUuid: keyedBy(settings.catalogQueryIdByUuid, canonicalUuid),
    catalogQueryIdByName: keyedBy(settings.catalogQueryIdByName, foldName),
    overridesByUuid: keyedBy(settings.overridesByUuid, canonicalUuid),
    overridesByName: keyedBy(settings.overridesByName, foldName),
  };
}

function keyedBy(dict: unknown, toKey: (key: string) => string | null): ReadonlyMap<string, unknown> {
  const map = new Map<string, unknown>();
  if (!isRecord(dict)) return map;
  for (const [key, value] of Object.entries(dict)) {
    const canonical = toKey(key);
    if (canonical !== null && !map.has(canonical)) map.set(canonical, value);
  }
  return map;
}
