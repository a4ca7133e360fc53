import type { Academy } from './academy.ts';
import { UUID_PATTERN } from './shapes.ts';

/** Which academies the public list shows (spec §3). */
export interface AcademyFilter {
  /** Only the academy with this uuid (its own uuid, any case). */
  readonly academyUuid?: string;
  /** Exact product key. */
  readonly productKey?: string;
  /** The academy must carry every one of these tags (exact, case-sensitive). */
  readonly tags?: readonly string[];
  /** Include inactive academies (default: active only). */
  readonly includeInactive?: boolean;
}

/**
 * The filter as one rule, for whatever holds academies in memory (the catalogue snapshot, the
 * in-memory repository). The PostgreSQL repository states the same rule in SQL; the repository
 * contract suite runs both, so they cannot drift apart.
 */
export function matchesFilter(academy: Academy, filter: AcademyFilter): boolean {
  if (filter.includeInactive !== true && !academy.isActive) return false;
  // uuid columns compare as uuids: any case; a malformed uuid matches nothing.
  if (filter.academyUuid !== undefined && !(UUID_PATTERN.test(filter.academyUuid) && academy.uuid === filter.academyUuid.toLowerCase())) return false;
  if (filter.productKey !== undefined && academy.productKey !== filter.productKey) return false;
  return (filter.tags ?? []).every((tag) => academy.tags.includes(tag));
}

/** The values an identifier is compared with: exactly (slug, product key, Stripe product id), or as a uuid. */
export interface AcademyIdentifiers {
  readonly exact: readonly string[];
  readonly uuids: readonly string[];
}

export function identifiersOf(academy: Academy): AcademyIdentifiers {
  const exact = [academy.slug, academy.productKey, academy.stripeProductId].filter((value): value is string => value !== null && value !== '');
  const uuids = academy.catalogAcademyUuid === null ? [academy.uuid] : [academy.uuid, academy.catalogAcademyUuid];
  return { exact, uuids };
}

/**
 * How an identifier is looked up: `exact` among the exact values, `uuid` (lower-cased, only when it has
 * the UUID shape) among the uuids. null for '', which names none (it would otherwise match every academy
 * without a product id).
 */
export function identifierLookup(identifier: string): { readonly exact: string; readonly uuid: string | undefined } | null {
  if (identifier === '') return null;
  return { exact: identifier, uuid: UUID_PATTERN.test(identifier) ? identifier.toLowerCase() : undefined };
}

/** Whether `identifier` names this academy: its uuid or catalog academy uuid (any case), slug, product key or Stripe product id. */
export function isIdentifiedBy(academy: Academy, identifier: string): boolean {
  const lookup = identifierLookup(identifier);
  if (lookup === null) return false;
  const { exact, uuids } = identifiersOf(academy);
  return exact.includes(lookup.exact) || (lookup.uuid !== undefined && uuids.includes(lookup.uuid));
}
