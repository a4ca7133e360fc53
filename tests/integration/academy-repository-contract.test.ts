/** The AcademyRepository contract (tests/contracts/academy-repository.contract.ts) on both implementations. */
import t from 'tap';
import { postgresAcademyRepository, toRow } from '../../src/adapters/postgres/academy-repository.ts';
import { ACADEMY_FIELD_DEFAULTS } from '../../src/domain/academy.ts';
import { postgresCatalogueState } from '../../src/adapters/postgres/catalogue-state.ts';
import { academySnapshot } from '../../src/application/read-model/academy-snapshot.ts';
import { catalogueStateWatcher } from '../../src/application/read-model/catalogue-state-watcher.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { systemClock } from '../../src/application/ports/clock.ts';
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

t.test(`the catalogue snapshot over the PostgreSQL adapter (${testDb.kind})`, async (t) => {
  // Filtered in memory with the domain's rules: it must answer exactly as the SQL does.
  academyRepositoryContract(t, async (seed) => {
    await db.deleteFrom('academies').execute();
    for (const fields of seed) await db.insertInto('academies').values(toRow({ ...ACADEMY_FIELD_DEFAULTS, ...fields })).execute();
    const watcher = catalogueStateWatcher(postgresCatalogueState(db), { clock: systemClock, checkIntervalMs: 0 });
    return academySnapshot(postgresAcademyRepository(db), { watcher, logger: silentLogger });
  });
});

t.test('in-memory repository (tests/helpers)', async (t) => {
  academyRepositoryContract(t, async (seed) => inMemoryAcademyRepository(seed));
});
