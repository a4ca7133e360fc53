/** The AcademyRepository contract (tests/contracts/academy-repository.contract.ts) on both implementations. */
import t from 'tap';
import { postgresAcademyRepository, toRow } from '../../src/adapters/postgres/academy-repository.ts';
import { ACADEMY_FIELD_DEFAULTS } from '../../src/domain/academy.ts';
import { academyRepositoryContract } from '../contracts/academy-repository.contract.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
const { db } = testDb;

t.test(`PostgreSQL adapter (${testDb.kind})`, async (t) => {
  academyRepositoryContract(t, async (seed) => {
    await db.deleteFrom('academies').execute();
    for (const fields of seed) await db.insertInto('academies').values(toRow({ ...ACADEMY_FIELD_DEFAULTS, ...fields })).execute();
    return postgresAcademyRepository(db);
  });
});

t.test('in-memory repository (tests/helpers)', async (t) => {
  academyRepositoryContract(t, async (seed) => inMemoryAcademyRepository(seed));
});
