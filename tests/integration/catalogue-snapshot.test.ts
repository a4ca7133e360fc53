import t from 'tap';
import { sql, type KyselyPlugin } from 'kysely';
import pg from 'pg';
import { postgresAcademyRepository } from '../../src/adapters/postgres/academy-repository.ts';
import { postgresCatalogueState } from '../../src/adapters/postgres/catalogue-state.ts';
import { academySnapshot } from '../../src/application/read-model/academy-snapshot.ts';
import { catalogueStateWatcher } from '../../src/application/read-model/catalogue-state-watcher.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { systemClock } from '../../src/application/ports/clock.ts';
import { createTestDatabase } from '../helpers/test-database.ts';
import { academyItem, syncRig } from '../helpers/sync-harness.ts';

const testDatabase = await createTestDatabase();
t.teardown(() => testDatabase.close());
const { db } = testDatabase;

/** Counts every statement run through the Kysely instance it is plugged into. */
function statementCounter() {
  const counter = { statements: 0 };
  const plugin: KyselyPlugin = {
    transformQuery(args) {
      counter.statements += 1;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return { counter, db: db.withPlugin(plugin) };
}

/** Runs SQL as "someone else": another connection on a real server, the same engine on PGlite (single connection). */
async function runElsewhere(statement: string): Promise<void> {
  if (!testDatabase.url) {
    await sql.raw(statement).execute(db);
    return;
  }
  const client = new pg.Client({ connectionString: testDatabase.url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const CHECK_INTERVAL_MS = 200;

function snapshotOver(countedDb = db, clock = systemClock) {
  const watcher = catalogueStateWatcher(postgresCatalogueState(countedDb), { clock, checkIntervalMs: CHECK_INTERVAL_MS });
  return academySnapshot(postgresAcademyRepository(countedDb), { watcher, logger: silentLogger });
}

const catalogueVersion = async () => (await postgresCatalogueState(db).current()).catalogueVersion;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('after a sync changes an academy the list shows it within the version-check interval', async (t) => {
  const rig = await syncRig(t, db, { academies: [academyItem(1), academyItem(2)] });
  await rig.sync()();
  const repo = snapshotOver();
  t.same((await repo.list({})).map((a) => a.description), ['Short 1', 'Short 2'], 'the synced catalogue');
  rig.fake.setAcademies([academyItem(1), academyItem(2, { short_description: 'Changed' })]);
  const report = await rig.sync()();
  t.equal(report.updated, 1, 'the sync updated one academy');
  await pause(CHECK_INTERVAL_MS + 50);
  t.same((await repo.list({})).map((a) => a.description), ['Short 1', 'Changed'], 'the list shows the change');
  t.equal((await repo.findByIdentifier('academy-2'))?.description, 'Changed', 'and so does the detail');
});

t.test('a direct SQL update from another connection is seen within the version-check interval', async (t) => {
  const rig = await syncRig(t, db, { academies: [academyItem(1)] });
  await rig.sync()();
  const repo = snapshotOver();
  t.equal((await repo.findByIdentifier('academy-1'))?.name, 'Academy 1', 'the academy as synced');
  await runElsewhere(`update academies set name = 'Renamed by hand' where slug = 'academy-1'`);
  await pause(CHECK_INTERVAL_MS + 50);
  t.equal((await repo.findByIdentifier('academy-1'))?.name, 'Renamed by hand', 'the manual change is served');
});

t.test('in steady state a request runs no SQL statement; one version read per interval', async (t) => {
  const rig = await syncRig(t, db, { academies: [academyItem(1), academyItem(2), academyItem(3)] });
  await rig.sync()();
  const { counter, db: countedDb } = statementCounter();
  let now = 0;
  const repo = snapshotOver(countedDb, { now: () => new Date(now) });
  await repo.list({});
  await repo.findByIdentifier('academy-2');
  t.equal(counter.statements, 2, 'warming up: one state read and one load of every academy; the lookup ran none');
  for (let i = 0; i < 500; i += 1) {
    await repo.list({ tags: [`tag-${i}`] });
    await repo.findByIdentifier(`academy-${i}`);
  }
  t.equal(counter.statements, 2, 'a thousand more lookups, each of another filter or identifier, ran no statement');
  now += CHECK_INTERVAL_MS;
  await repo.list({});
  t.equal(counter.statements, 3, 'once the interval passed: one state read, and no reload since nothing changed');
});

t.test('a sync that changes nothing leaves the version, and so the snapshot, alone', async (t) => {
  const rig = await syncRig(t, db, { academies: [academyItem(1), academyItem(2)] });
  await rig.sync()();
  const before = await catalogueVersion();
  const report = await rig.sync()();
  t.equal(report.unchanged, 2, 'the second sync found nothing to change');
  t.equal(await catalogueVersion(), before, 'the version did not move');
});

t.test('every kind of write to academies moves the version', async (t) => {
  await syncRig(t, db);
  const seen = [await catalogueVersion()];
  for (const statement of [
    `insert into academies (name) values ('Version probe')`,
    `update academies set description = 'x' where name = 'Version probe'`,
    `delete from academies where name = 'Version probe'`,
    'truncate academies',
  ]) {
    await runElsewhere(statement);
    seen.push(await catalogueVersion());
  }
  t.equal(new Set(seen).size, seen.length, `insert, update, delete and truncate each gave a new version (${seen.join(' → ')})`);
});
