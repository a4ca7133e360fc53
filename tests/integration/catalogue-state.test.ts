/** The shared catalogue state (migrations 0003 and 0006, docs/decisions/0024, 0028) on the real engine: PostgreSQL or PGlite. */
import t from 'tap';
import { postgresCatalogueState } from '../../src/adapters/postgres/catalogue-state.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
const state = postgresCatalogueState(testDb.db);
const generation = async () => (await state.current()).priceGeneration;

t.test('one read answers both values, as decimal tokens', async (t) => {
  const current = await state.current();
  t.match(current, { catalogueVersion: /^\d+$/, priceGeneration: /^\d+$/ });
});

t.test('a bump moves the generation every reader sees, and returns what it moved to', async (t) => {
  const before = await generation();
  const bumped = await state.bumpPriceGeneration();
  t.equal(bumped, String(BigInt(before) + 1n), 'bump answers the next value');
  t.equal((await postgresCatalogueState(testDb.db).current()).priceGeneration, bumped, 'a second reader (another replica) reads it');
});

t.test('concurrent bumps are each counted (none is lost to a race)', async (t) => {
  const before = BigInt(await generation());
  const answers = await Promise.all(Array.from({ length: 10 }, () => state.bumpPriceGeneration()));
  t.equal(new Set(answers).size, 10, 'ten distinct new values');
  t.equal(await generation(), String(before + 10n), 'moved by ten');
});

t.test('the price generation and the catalogue version move independently', async (t) => {
  const catalogueBefore = (await state.current()).catalogueVersion;
  await state.bumpPriceGeneration();
  t.equal((await state.current()).catalogueVersion, catalogueBefore, 'a price change does not drop the catalogue snapshot');
});
