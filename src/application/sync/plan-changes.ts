import type { Academy, AcademyFields } from '../../domain/academy.ts';
import { foldName } from '../../domain/sync-policies.ts';
import type { AcademyUpdate } from '../ports/academy-sync-store.ts';
import { matchAcademies } from './match-academies.ts';
import type { Candidate, Shield } from './normalize-items.ts';
import { uniqueKeysOf } from './unique-keys.ts';

export interface SyncPlan {
  readonly creates: readonly AcademyFields[];
  readonly updates: readonly AcademyUpdate[];
  readonly unchanged: number;
  readonly deactivations: readonly string[];
  /** Candidates refused because a unique key collides with another academy or item. */
  readonly collisions: readonly { readonly index: number; readonly item: string; readonly reason: string }[];
}

/**
 * Spec §4 steps 5–6, decided entirely in memory so the writes never meet a unique
 * violation: match, refuse colliding candidates, then split the rest into creations,
 * updates (only when a field changed) and unchanged, and pick the academies to deactivate.
 */
export function planChanges(existing: readonly Academy[], candidates: readonly Candidate[], shield: Shield): SyncPlan {
  const targets = matchAcademies(existing, candidates);
  const desired = candidates.map((candidate, position) => desiredFields(candidate, targets[position] ?? null));
  const refused = refuseCollisions(existing, candidates, targets, desired);

  const creates: AcademyFields[] = [];
  const updates: AcademyUpdate[] = [];
  const kept = new Set<string>();
  let unchanged = 0;
  candidates.forEach((_, position) => {
    const target = targets[position] ?? null;
    const fields = desired[position] as AcademyFields;
    if (target !== null) kept.add(target.uuid); // refused or not: an academy still upstream is never deactivated
    if (refused.has(position)) return;
    if (target === null) creates.push(fields);
    else if (sameFields(target, fields)) unchanged += 1;
    else updates.push({ uuid: target.uuid, fields });
  });

  const anyValid = refused.size < candidates.length;
  const deactivations = anyValid
    ? existing.filter((a) => a.isActive && !kept.has(a.uuid) && !isShielded(a, shield)).map((a) => a.uuid)
    : [];
  const collisions = [...refused].map(([position, reason]) => {
    const candidate = candidates[position] as Candidate;
    return { index: candidate.index, item: candidate.label, reason };
  });
  return { creates, updates, unchanged, deactivations, collisions };
}

/** The item's fields; an item without a usable uuid keeps the link its academy already has. */
function desiredFields(candidate: Candidate, target: Academy | null): AcademyFields {
  const academy = candidate.academy;
  return { ...academy, catalogAcademyUuid: academy.catalogAcademyUuid ?? target?.catalogAcademyUuid ?? null };
}

/**
 * A candidate is refused when one of its unique keys is held by an academy that keeps
 * its values (not matched, or matched by a refused candidate) or by an earlier accepted
 * candidate. Refusing one can give its academy's old keys back, so rounds repeat until
 * nothing more is refused; refusals only grow, so this ends within `candidates.length` rounds.
 */
function refuseCollisions(
  existing: readonly Academy[],
  candidates: readonly Candidate[],
  targets: readonly (Academy | null)[],
  desired: readonly AcademyFields[],
): Map<number, string> {
  const refused = new Map<number, string>();
  for (let grew = true; grew; ) {
    grew = false;
    const movingAcademies = new Set(targets.flatMap((target, position) => (target !== null && !refused.has(position) ? [target.uuid] : [])));
    const owners = new Map<string, string>();
    for (const academy of existing) {
      if (movingAcademies.has(academy.uuid)) continue;
      for (const key of uniqueKeysOf(academy)) owners.set(key.id, `academy ${JSON.stringify(academy.name)}`);
    }
    candidates.forEach((candidate, position) => {
      if (refused.has(position)) return;
      const keys = uniqueKeysOf(desired[position] as AcademyFields);
      const clash = keys.find((key) => owners.has(key.id));
      if (clash !== undefined) {
        refused.set(position, `${clash.column} ${JSON.stringify(clash.value)} is already used by ${owners.get(clash.id)}`);
        grew = true;
        return;
      }
      for (const key of keys) owners.set(key.id, `item ${candidate.label}`);
    });
  }
  return refused;
}

function isShielded(academy: Academy, shield: Shield): boolean {
  return (
    (academy.catalogAcademyUuid !== null && shield.catalogUuids.has(academy.catalogAcademyUuid)) ||
    shield.foldedNames.has(foldName(academy.name))
  );
}

const COMPARED_FIELDS = [
  'catalogAcademyUuid', 'name', 'longName', 'description', 'marketingUrl', 'thumbnailUrl', 'stripeProductId',
  'stripePriceLookupKey', 'catalogQueryId', 'productKey', 'slug', 'isActive', 'displayOrder',
] as const satisfies readonly (keyof AcademyFields)[];

function sameFields(academy: Academy, fields: AcademyFields): boolean {
  return (
    COMPARED_FIELDS.every((field) => academy[field] === fields[field]) &&
    academy.tags.length === fields.tags.length &&
    academy.tags.every((tag, index) => tag === fields.tags[index])
  );
}
