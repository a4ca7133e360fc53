/** The state watcher and the academy snapshot (docs/decisions/0028) over fakes the test controls. */
import t from 'tap';
import { academySnapshot } from '../../src/application/read-model/academy-snapshot.ts';
import { catalogueStateWatcher } from '../../src/application/read-model/catalogue-state-watcher.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { ACADEMY_FIELD_DEFAULTS } from '../../src/domain/academy.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';
import { deferred, fakeCatalogueState } from '../helpers/fake-catalogue-state.ts';

function setup() {
  const inner = inMemoryAcademyRepository([
    { name: 'A', slug: 'a', tags: ['x', 'y'] },
    { name: 'B', slug: 'b', tags: ['x'] },
    { name: 'Old', slug: 'old', isActive: false },
  ]);
  const state = fakeCatalogueState();
  let now = 1_000_000;
  const clock = { now: () => new Date(now) };
  const watcher = catalogueStateWatcher(state, { clock, checkIntervalMs: 1_000 });
  const repo = academySnapshot(inner, { watcher, logger: silentLogger });
  return { inner, state, watcher, repo, advance: (ms: number) => void (now += ms) };
}

const names = (academies: readonly { name: string }[]) => academies.map((academy) => academy.name);

t.test('every filter and identifier is answered from one load of the whole catalogue', async (t) => {
  const { inner, repo } = setup();
  t.same(names(await repo.list({})), ['A', 'B'], 'active ones by default');
  t.same(names(await repo.list({ tags: ['y', 'x'] })), ['A'], 'every given tag');
  t.same(names(await repo.list({ includeInactive: true })), ['A', 'B', 'Old'], 'inactive ones on request');
  t.equal((await repo.findByIdentifier('old'))?.name, 'Old', 'a lookup finds inactive ones too');
  t.equal(await repo.findByIdentifier('nope'), null, 'nothing: null');
  t.equal(inner.calls, 1, 'one inner call for all of them');
});

t.test('the state is read at most once per interval however many requests arrive', async (t) => {
  const { state, repo, advance } = setup();
  for (let i = 0; i < 50; i += 1) await repo.list({});
  t.equal(state.reads, 1, 'one read for the first request, none for the next 49 within the interval');
  advance(999);
  await repo.list({});
  t.equal(state.reads, 1, 'still none 999 ms later');
  advance(1);
  await Promise.all([repo.list({}), repo.list({}), repo.findByIdentifier('a')]);
  t.equal(state.reads, 2, 'one read once the interval has passed, shared by concurrent requests');
});

t.test('a changed catalogue version reloads the academies; an unchanged one keeps them', async (t) => {
  const { inner, state, repo, advance } = setup();
  await repo.list({});
  advance(5_000);
  await repo.list({});
  t.equal(inner.calls, 1, 'same version after the interval: not reloaded');
  inner.rows.push({ ...ACADEMY_FIELD_DEFAULTS, name: 'C', uuid: '00000000-0000-4000-8000-00000000000c', created: new Date(), modified: new Date() });
  state.catalogueVersion = '2';
  advance(500);
  t.same(names(await repo.list({})), ['A', 'B'], 'within the interval the snapshot is still served');
  advance(500);
  t.same(names(await repo.list({})), ['A', 'B', 'C'], 'after it, the change');
  t.equal(inner.calls, 2, 'one reload');
  t.equal(state.reads, 3);
});

t.test('a price generation move alone does not reload the academies', async (t) => {
  const { inner, state, repo, advance } = setup();
  await repo.list({});
  state.priceGeneration += 1;
  advance(1_000);
  await repo.list({});
  t.equal(inner.calls, 1);
});

t.test('concurrent first requests share one load', async (t) => {
  const { inner, repo } = setup();
  await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? repo.list({ tags: ['x'] }) : repo.findByIdentifier('b'))));
  t.equal(inner.calls, 1, 'twenty cold requests, one query');
});

t.test('a failing load is not kept: the error reaches the caller and the next call retries', async (t) => {
  const { inner, repo } = setup();
  inner.failWith = new Error('connection refused');
  await t.rejects(repo.list({}), /connection refused/, 'the load rejects (the route answers 502)');
  inner.failWith = null;
  t.same(names(await repo.list({})), ['A', 'B'], 'the next call loads again and succeeds');
});

t.test('a failing state read rejects instead of vouching for the snapshot, and the next request reads again', async (t) => {
  const { inner, state, repo, advance } = setup();
  await repo.list({});
  state.failWith = new Error('database unreachable');
  advance(1_000);
  await t.rejects(repo.list({}), /database unreachable/, 'a snapshot that cannot be verified is not served');
  await t.rejects(repo.findByIdentifier('a'), /database unreachable/, 'nor is a lookup');
  t.equal(state.reads, 3, 'each request after the failure tried the read again');
  state.failWith = null;
  t.same(names(await repo.list({})), ['A', 'B'], 'once the read succeeds (same version) the snapshot is served again');
  t.equal(inner.calls, 1, 'without reloading the academies');
});

t.test('a load that started under an older version does not replace a newer snapshot', async (t) => {
  const { inner, state, watcher, advance } = setup();
  const gate = deferred();
  let loads = 0;
  // The first load waits for the gate, standing for a query that read the old catalogue.
  const slowInner = {
    ...inner,
    async list(filter: Parameters<typeof inner.list>[0]) {
      loads += 1;
      if (loads === 1) await gate.promise;
      return inner.list(filter);
    },
  };
  const repo = academySnapshot(slowInner, { watcher, logger: silentLogger });
  const stale = repo.list({});
  await new Promise((resolve) => setImmediate(resolve));
  inner.rows.push({ ...ACADEMY_FIELD_DEFAULTS, name: 'C', uuid: '00000000-0000-4000-8000-00000000000c', created: new Date(), modified: new Date() });
  state.catalogueVersion = '2';
  advance(1_000);
  t.same(names(await repo.list({})), ['A', 'B', 'C'], 'the new version loads on its own, not waiting for the old load');
  gate.resolve();
  await stale;
  t.same(names(await repo.list({})), ['A', 'B', 'C'], 'the old load, finishing last, did not replace it');
  t.equal(loads, 2);
});

t.test('a wall clock stepped back does not freeze the state: the next request reads it again', async (t) => {
  const { state, repo, advance } = setup();
  await repo.list({});
  advance(-3_600_000); // NTP or a resumed VM steps the clock back an hour
  await repo.list({});
  t.equal(state.reads, 2, 'read again at once, not an hour later');
  advance(500);
  await repo.list({});
  t.equal(state.reads, 2, 'and then once per interval as usual');
});
