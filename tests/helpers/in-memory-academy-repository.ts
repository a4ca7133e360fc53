import { randomUUID } from 'node:crypto';
import { compareAcademies, ACADEMY_FIELD_DEFAULTS, type Academy, type AcademyFields } from '../../src/domain/academy.ts';
import type { AcademyFilter, AcademyRepository } from '../../src/application/ports/academy-repository.ts';
import { isIdentifiedBy, matchesFilter } from '../../src/domain/academy-filter.ts';

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
    // The domain's own rules, as the catalogue snapshot uses them: the contract suite holds both to the SQL.
    async list(filter: AcademyFilter) {
      touch();
      return repo.rows.filter((academy) => matchesFilter(academy, filter)).sort(compareAcademies);
    },
    async findByIdentifier(identifier: string) {
      touch();
      return repo.rows.filter((academy) => isIdentifiedBy(academy, identifier)).sort(compareAcademies)[0] ?? null;
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
