import type { Academy } from '../../domain/academy.ts';
import { foldName } from '../../domain/sync-policies.ts';
import type { Candidate } from './normalize-items.ts';

/**
 * Spec §4 step 5: each candidate's stored academy, by catalog_academy_uuid first (for
 * every candidate), then by case-folded name. An academy is matched at most once: a
 * second candidate naming it becomes a creation, which the collision check then refuses.
 */
export function matchAcademies(existing: readonly Academy[], candidates: readonly Candidate[]): (Academy | null)[] {
  const byCatalogUuid = new Map<string, Academy>();
  const byName = new Map<string, Academy>();
  for (const academy of existing) {
    if (academy.catalogAcademyUuid !== null) byCatalogUuid.set(academy.catalogAcademyUuid, academy);
    byName.set(foldName(academy.name), academy);
  }
  const claimed = new Set<string>();
  const claim = (academy: Academy | undefined): Academy | null => {
    if (academy === undefined || claimed.has(academy.uuid)) return null;
    claimed.add(academy.uuid);
    return academy;
  };
  const targets = candidates.map(({ academy }) =>
    academy.catalogAcademyUuid === null ? null : claim(byCatalogUuid.get(academy.catalogAcademyUuid)),
  );
  return targets.map((target, position) => target ?? claim(byName.get(foldName(candidates[position]?.academy.name ?? ''))));
}
