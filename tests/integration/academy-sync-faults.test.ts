import t from 'tap';
import type { KyselyPlugin, OperationNode, RootOperationNode } from 'kysely';
import { postgresAcademySyncStore } from '../../src/adapters/postgres/academy-sync-store.ts';
import { CatalogSourceUnavailable } from '../../src/application/ports/catalog-source.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { makeSyncAcademies } from '../../src/application/sync-academies.ts';
import { API_PATH, TOKEN_PATH } from '../helpers/fake-catalog.ts';
import type { FaultMode } from '../helpers/fake-catalog.ts';
import { NO_SETTINGS, academyItem, snapshot, syncRig } from '../helpers/sync-harness.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

const testDatabase = await createTestDatabase();
t.teardown(() => testDatabase.close());
const { db } = testDatabase;

// The rig's client makes 1 + 2 attempts per request.
const ATTEMPTS = 3;

const faults: { name: string; path: string; mode: FaultMode; attempts: number; message: RegExp }[] = [
  { name: 'a 500 on page two', path: 'academies/?page=2', mode: { type: 'status', status: 500 }, attempts: ATTEMPTS, message: /HTTP 500/ },
  { name: 'a timeout', path: 'academies/', mode: { type: 'hang' }, attempts: ATTEMPTS, message: /timed out/ },
  { name: 'a malformed page', path: 'academies/?page=2', mode: { type: 'non-object' }, attempts: 1, message: /page 2 is not a \{results/ },
  { name: 'a page that is not JSON', path: 'academies/', mode: { type: 'not-json' }, attempts: 1, message: /not JSON/ },
  { name: 'a token endpoint failure', path: 'token', mode: { type: 'status', status: 503 }, attempts: ATTEMPTS, message: /token request/ },
  { name: 'a failing catalogs listing', path: 'enterprise-catalogs/', mode: { type: 'status', status: 502 }, attempts: ATTEMPTS, message: /enterprise-catalogs/ },
];

for (const fault of faults) {
  t.test(`${fault.name} aborts the sync with nothing changed, after the bounded retries`, async (t) => {
    const rig = await syncRig(t, db, { academies: [1, 2, 3].map((n) => academyItem(n)) });
    await rig.sync()();
    // Upstream changed in every way a sync would write: a rename, a new item, a vanished one.
    rig.fake.setAcademies([academyItem(1, { title: 'Renamed' }), academyItem(2), academyItem(4), academyItem(5)]);
    const before = await snapshot(db);
    // The first sync's token is still cached: revoking it makes the client go back to the token endpoint.
    if (fault.path === 'token') rig.fake.revokeTokens();
    rig.fake.fail(fault.path, fault.mode);
    const failedAt = rig.fake.requests.length;

    const error = await rig.sync()().then(
      () => null,
      (caught: unknown) => caught,
    );
    t.ok(error instanceof CatalogSourceUnavailable, 'the sync rejects with CatalogSourceUnavailable');
    t.match((error as Error).message, fault.message, 'naming what failed');
    t.same(await snapshot(db), before, 'no academy changed');
    const path = fault.path === 'token' ? TOKEN_PATH : `${API_PATH}${fault.path.split('?')[0]}`;
    const page = new URL(fault.path === 'token' ? TOKEN_PATH : fault.path, 'http://x/').searchParams.get('page');
    const hits = rig.fake.requests.slice(failedAt).filter((r) => r.path === path && (page === null || r.query['page'] === page));
    t.equal(hits.length, fault.attempts, `the failing request was tried ${fault.attempts} time(s)`);
  });
}

t.test('a transient 503 on page two is retried and the sync completes', async (t) => {
  const rig = await syncRig(t, db, { academies: [1, 2, 3].map((n) => academyItem(n)) });
  rig.fake.fail('academies/?page=2', { type: 'status', status: 503 }, 1);
  const report = await rig.sync()();
  t.equal(report.created, 3, 'all three academies arrive after one retry');
});

t.test('two syncs started together both finish and the result equals one sync', async (t) => {
  const rig = await syncRig(t, db, { academies: [1, 2, 3, 4].map((n) => academyItem(n)) });
  const reports = await Promise.all([rig.sync()(), rig.sync()()]);
  const together = (await snapshot(db)).map(withoutIdentity).sort(byCatalogUuid);
  const counts = reports.map((r) => [r.created, r.unchanged]).sort();
  t.same(counts, [[0, 4], [4, 0]], 'one sync created everything, the other found it unchanged');

  await db.deleteFrom('academies').execute();
  await rig.sync()();
  t.same(together, (await snapshot(db)).map(withoutIdentity).sort(byCatalogUuid), 'the table equals what a single sync makes');
});

t.test('a dry run waits for a running sync and then reports nothing left to do', async (t) => {
  const rig = await syncRig(t, db, { academies: [1, 2].map((n) => academyItem(n)) });
  const [real, dry] = await Promise.all([rig.sync()(), rig.sync()({ dryRun: true })]);
  t.equal(real.created, 2, 'the real sync created both');
  t.ok(dry.created === 2 || dry.unchanged === 2, 'the dry run saw either the state before or after, never half of it');
});

t.test('the number of statements of a sync does not grow with the number of academies', async (t) => {
  const countFor = async (size: number, change: (n: number) => Record<string, unknown>): Promise<{ statements: string[]; ms: number }> => {
    const rig = await syncRig(t, db, { academies: Array.from({ length: size }, (_, n) => academyItem(n + 1)), pageSize: 1000 });
    await rig.sync()();
    rig.fake.setAcademies(Array.from({ length: size }, (_, n) => academyItem(n + 1, change(n + 1))));
    const statements: string[] = [];
    const store = postgresAcademySyncStore(db.withPlugin(statementRecorder(statements)));
    const sync = makeSyncAcademies({ source: rig.source, store, settings: NO_SETTINGS, logger: silentLogger });
    const started = Date.now();
    await sync();
    return { statements, ms: Date.now() - started };
  };
  // Every item renamed and re-slugged: the update path, including the key hand-over step.
  const rename = (n: number) => ({ title: `Renamed ${n}`, slug: `renamed-${n}` });
  const small = await countFor(5, rename);
  const large = await countFor(500, rename);
  t.ok(large.statements.length <= small.statements.length, `500 updates take no more statements than 5 (${large.statements.length} vs ${small.statements.length})`);
  t.ok(large.ms < 5_000, `500 updates finish in under 5 s (${large.ms} ms)`);

  const unchanged = await countFor(500, () => ({}));
  t.notOk(unchanged.statements.some((s) => /^\s*(insert|update|delete)/i.test(s)), 'a no-op resync writes nothing');
  t.equal(unchanged.statements.length, 2, 'a no-op resync takes the lock and reads, nothing more');
});

/** Records each statement's SQL head (raw statements) or node kind (built ones). */
function statementRecorder(into: string[]): KyselyPlugin {
  return {
    transformQuery({ node }: { node: RootOperationNode }) {
      into.push(describe(node));
      return node;
    },
    async transformResult({ result }) {
      return result;
    },
  };
}

function describe(node: OperationNode): string {
  if (node.kind === 'RawNode' && 'sqlFragments' in node) return (node.sqlFragments as readonly string[]).join('?').trim();
  return node.kind;
}

function withoutIdentity(row: unknown): unknown {
  const { uuid: _uuid, created: _created, modified: _modified, ...rest } = row as Record<string, unknown>;
  return rest;
}

function byCatalogUuid(a: unknown, b: unknown): number {
  return String((a as Record<string, unknown>)['catalog_academy_uuid']).localeCompare(String((b as Record<string, unknown>)['catalog_academy_uuid']));
}
