import { canonicalUuid, foldName, normalizeCatalogItem, passesAllowlist } from '../../domain/sync-policies.ts';
import type { Allowlist, NormalizationContext, NormalizedAcademy } from '../../domain/sync-policies.ts';
import { ownField } from '../../domain/shapes.ts';
import { itemLabel } from './item-label.ts';
import type { InvalidItemReport } from './sync-report.ts';

/** A normalized item on its way to the database, with its place in the upstream list. */
export interface Candidate {
  readonly index: number;
  readonly label: string;
  readonly academy: NormalizedAcademy;
}

/** Who an unusable item still points at, so its academy is neither updated nor deactivated. */
export interface Shield {
  readonly catalogUuids: ReadonlySet<string>;
  readonly foldedNames: ReadonlySet<string>;
}

export interface NormalizedItems {
  readonly candidates: readonly Candidate[];
  readonly invalid: readonly (InvalidItemReport & { readonly index: number })[];
  readonly warnings: readonly string[];
  readonly filteredOut: number;
  readonly shield: Shield;
}

/** Spec §4 steps 2 and 4 over the fetched list: allowlist, then normalize each kept item. */
export function normalizeItems(items: readonly unknown[], allowlist: Allowlist, context: NormalizationContext): NormalizedItems {
  const candidates: Candidate[] = [];
  const invalid: (InvalidItemReport & { index: number })[] = [];
  const warnings: string[] = [];
  const catalogUuids = new Set<string>();
  const foldedNames = new Set<string>();
  let filteredOut = 0;
  items.forEach((item, index) => {
    if (!passesAllowlist(item, allowlist)) {
      filteredOut += 1;
      return;
    }
    const label = itemLabel(item, index);
    const result = normalizeCatalogItem(item, context);
    if (result.ok) {
      candidates.push({ index, label, academy: result.academy });
      for (const warning of result.warnings) warnings.push(`${label}: ${warning}`);
      return;
    }
    invalid.push({ index, item: label, reason: result.reason });
    shieldIdentity(item, catalogUuids, foldedNames);
  });
  return { candidates, invalid, warnings, filteredOut, shield: { catalogUuids, foldedNames } };
}

function shieldIdentity(item: unknown, catalogUuids: Set<string>, foldedNames: Set<string>): void {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return;
  const record = item as Record<string, unknown>;
  const uuid = canonicalUuid(ownField(record, 'uuid'));
  if (uuid !== null) catalogUuids.add(uuid);
  for (const key of ['name', 'title']) {
    const value = ownField(record, key);
    if (typeof value === 'string' && value.trim() !== '') foldedNames.add(foldName(value));
  }
}
