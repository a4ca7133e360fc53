/** The shared price generation (migration 0006, docs/decisions/0024) on the real engine: PostgreSQL or PGlite. */
import t from 'tap';
import { postgresPriceGeneration } from '../../src/adapters/postgres/price-generation.ts';
import { postgresCatalogueVersion } from '../../src/adapters/postgres/catalogue-version.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
const generation = postgresPriceGeneration(testDb.db);

t.test('a bump moves the generation every reader sees, and returns what it moved to', async (t) => {
  const before = await generation.current();
  t.match(before, /^\d+$/, 'a decimal token');
  const bumped = await generation.bump();
  t.equal(bumped, String(BigInt(before) + 1n), 'bump answers the next value');
  t.equal(await postgresPriceGeneration(testDb.db).current(), bumped, 'a second reader (another replica) reads it');
});

t.test('concurrent bumps are each counted (none is lost to a race)', async (t) => {
  const before = BigInt(await generation.current());
  const answers = await Promise.all(Array.from({ length: 10 }, () => generation.bump()));
  t.equal(new Set(answers).size, 10, 'ten distinct new values');
  t.equal(await generation.current(), String(before + 10n), 'moved by ten');
});

t.test('the price generation and the catalogue version move independently', async (t) => {
  const version = postgresCatalogueVersion(testDb.db);
  const catalogueBefore = await version.current();
  await generation.bump();
  t.equal(await version.current(), catalogueBefore, 'a price change does not drop the catalogue snapshot');
});
