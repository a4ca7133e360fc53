import { randomUUID } from 'node:crypto';
import { compareAcademies, ACADEMY_FIELD_DEFAULTS, type Academy, type AcademyFields } from '../../src/domain/academy.ts';
import type { AcademyFilter, AcademyRepository } from '../../src/application/ports/academy-repository.ts';

/** A plain-object AcademyRepository for use-case and HTTP tests; `failWith` simulates a database outage. */
export interface InMemoryAcademyRepository extends AcademyRepository {
  readonly rows: Academy[];
  failWith: Error | null;
  calls: number;
}

export function inMemoryAcademyRepository(seed: readonly Partial<AcademyFields>[] = []): InMemoryAcademyRepository {
  const repo: InMemoryAcademyRepository = {
    rows: [],
    failWith: null,
    calls: 0,
    async list(filter: AcademyFilter) {
      touch();
      return repo.rows
        .filter((a) => filter.includeInactive || a.isActive)
        // uuid columns compare as uuids in PostgreSQL: any case (the contract suite holds the fake to it).
        .filter((a) => filter.academyUuid === undefined || a.uuid === filter.academyUuid.toLowerCase())
        .filter((a) => filter.productKey === undefined || a.productKey === filter.productKey)
        .filter((a) => (filter.tags ?? []).every((tag) => a.tags.includes(tag)))
        .sort(compareAcademies);
    },
    async findByIdentifier(identifier: string) {
      touch();
      if (identifier === '') return null;
      const asUuid = identifier.toLowerCase();
      const matches = repo.rows.filter(
        (a) => [a.uuid, a.catalogAcademyUuid].includes(asUuid) || [a.slug, a.productKey, a.stripeProductId].includes(identifier),
      );
      return matches.sort(compareAcademies)[0] ?? null;
    },
    async count() {
      touch();
      return repo.rows.length;
    },
  };
  function touch(): void {
    repo.calls += 1;
    if (repo.failWith) throw repo.failWith;
  }
  const now = new Date();
  for (const [index, fields] of seed.entries()) {
    repo.rows.push({ ...ACADEMY_FIELD_DEFAULTS, name: `Academy ${index}`, ...fields, uuid: randomUUID(), created: now, modified: now });
  }
  return repo;
}
