import t from 'tap';
import { memoizedAcademyRepository } from '../../src/application/memoized-academy-repository.ts';
import type { CatalogueVersion } from '../../src/application/ports/catalogue-version.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { ACADEMY_FIELD_DEFAULTS } from '../../src/domain/academy.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';

/** A CatalogueVersion whose answer, failure and timing the test controls. */
interface FakeVersion extends CatalogueVersion {
  value: string;
  calls: number;
  failWith: Error | null;
  /** When set, `current()` waits for it (to hold a check in flight). */
  gate: Promise<void> | null;
}

function fakeVersion(initial = '1'): FakeVersion {
  const fake: FakeVersion = {
    value: initial,
    calls: 0,
    failWith: null,
    gate: null,
    async current() {
      fake.calls += 1;
      if (fake.gate) await fake.gate;
      if (fake.failWith) throw fake.failWith;
      return fake.value;
    },
  };
  return fake;
}

function setup(options: { maxEntries?: number } = {}) {
  const inner = inMemoryAcademyRepository([
    { name: 'A', slug: 'a', tags: ['x', 'y'] },
    { name: 'B', slug: 'b', tags: ['x'] },
  ]);
  const version = fakeVersion();
  let now = 1_000_000;
  const clock = { now: () => new Date(now) };
  const repo = memoizedAcademyRepository(inner, { version, clock, logger: silentLogger, checkIntervalMs: 1_000, ...options });
  return { inner, version, repo, advance: (ms: number) => void (now += ms) };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

t.test('a repeated list with the same filter is answered from memory with the same array', async (t) => {
  const { inner, repo } = setup();
  const first = await repo.list({ tags: ['x'] });
  const second = await repo.list({ tags: ['x'] });
  t.equal(second, first, 'the very same array instance comes back');
  t.equal(inner.calls, 1, 'the inner repository was asked once');
});

t.test('filters that select the same academies share one entry and different filters do not', async (t) => {
  const { inner, repo } = setup();
  await repo.list({ tags: ['y', 'x'] });
  await repo.list({ tags: ['x', 'y', 'x'], includeInactive: false });
  t.equal(inner.calls, 1, 'tag order, repeats and an explicit includeInactive=false do not make a new key');
  await repo.list({ tags: ['x', 'y'], includeInactive: true });
  await repo.list({ tags: ['x', 'y'], productKey: 'a' });
  t.equal(inner.calls, 3, 'includeInactive and productKey are part of the key');
});

t.test('findByIdentifier answers are remembered, including "not found"', async (t) => {
  const { inner, repo } = setup();
  const a = await repo.findByIdentifier('a');
  t.equal(await repo.findByIdentifier('a'), a, 'the same academy object comes back');
  t.equal(await repo.findByIdentifier('nope'), null, 'no match is null');
  t.equal(await repo.findByIdentifier('nope'), null, 'and stays null');
  t.equal(inner.calls, 2, 'one inner call per identifier');
});

t.test('the version is read at most once per interval however many requests arrive', async (t) => {
  const { version, repo, advance } = setup();
  for (let i = 0; i < 50; i += 1) await repo.list({});
  t.equal(version.calls, 1, 'one read for the first request, none for the next 49 within the interval');
  advance(999);
  await repo.list({});
  t.equal(version.calls, 1, 'still none 999 ms later');
  advance(1);
  await Promise.all([repo.list({}), repo.list({}), repo.findByIdentifier('a')]);
  t.equal(version.calls, 2, 'one read once the interval has passed, shared by concurrent requests');
});

t.test('a changed version drops every remembered answer', async (t) => {
  const { inner, version, repo, advance } = setup();
  const before = await repo.list({});
  await repo.findByIdentifier('a');
  inner.rows.push({ ...ACADEMY_FIELD_DEFAULTS, name: 'C', uuid: 'c-uuid', created: new Date(), modified: new Date() });
  version.value = '2';
  advance(500);
  t.equal(await repo.list({}), before, 'within the interval the snapshot is still served');
  advance(500);
  const after = await repo.list({});
  t.not(after, before, 'after the interval a new array is read');
  t.same(after.map((academy) => academy.name), ['A', 'B', 'C'], 'with the change');
  await repo.findByIdentifier('a');
  t.equal(inner.calls, 4, 'list and find were both read again');
});

t.test('an unchanged version keeps the snapshot', async (t) => {
  const { inner, version, repo, advance } = setup();
  const before = await repo.list({});
  advance(5_000);
  t.equal(await repo.list({}), before, 'the same array after the check');
  t.equal(version.calls, 2, 'the version was checked again');
  t.equal(inner.calls, 1, 'but the academies were not read again');
});

t.test('concurrent misses of one key share one query', async (t) => {
  const { inner, repo } = setup();
  const results = await Promise.all(Array.from({ length: 20 }, () => repo.list({ tags: ['x'] })));
  t.equal(inner.calls, 1, 'twenty cold requests, one query');
  t.ok(results.every((result) => result === results[0]), 'all got the same array');
});

t.test('the number of remembered answers is bounded, least recently used evicted first', async (t) => {
  const { inner, repo } = setup({ maxEntries: 3 });
  for (const key of ['k1', 'k2', 'k3']) await repo.list({ productKey: key });
  await repo.list({ productKey: 'k1' });
  await repo.list({ productKey: 'k4' });
  const callsBefore = inner.calls;
  await repo.list({ productKey: 'k1' });
  t.equal(inner.calls, callsBefore, 'k1 was used recently, so it stayed');
  await repo.list({ productKey: 'k2' });
  t.equal(inner.calls, callsBefore + 1, 'k2 was the least recently used, so it was evicted');
});

t.test('a failing repository is not remembered: the error reaches the caller and the next call retries', async (t) => {
  const { inner, repo } = setup();
  inner.failWith = new Error('connection refused');
  await t.rejects(repo.list({}), /connection refused/, 'the miss rejects (the route answers 502)');
  inner.failWith = null;
  const names = (await repo.list({})).map((academy) => academy.name);
  t.same(names, ['A', 'B'], 'the next call reads again and succeeds');
});

t.test('a failing version check rejects instead of vouching for the snapshot, and the next request checks again', async (t) => {
  const { inner, version, repo, advance } = setup();
  const before = await repo.list({});
  version.failWith = new Error('database unreachable');
  advance(1_000);
  await t.rejects(repo.list({}), /database unreachable/, 'a snapshot that cannot be verified is not served');
  await t.rejects(repo.findByIdentifier('a'), /database unreachable/, 'nor is a remembered detail');
  t.equal(version.calls, 3, 'each request after the failure tried the check again');
  version.failWith = null;
  t.equal(await repo.list({}), before, 'once the check succeeds (same version) the snapshot is served again');
  t.equal(inner.calls, 1, 'without re-reading the academies');
});

t.test('an answer whose query started before a version change is not kept in the new snapshot', async (t) => {
  const { inner, version } = setup();
  const gate = deferred();
  let held = 0;
  // The inner list waits for the gate, standing for a query that read the old catalogue.
  const slowInner = {
    ...inner,
    async list(filter: Parameters<typeof inner.list>[0]) {
      held += 1;
      await gate.promise;
      return inner.list(filter);
    },
  };
  let now = 0;
  const repo = memoizedAcademyRepository(slowInner, { version, clock: { now: () => new Date(now) }, logger: silentLogger });
  await repo.findByIdentifier('a');
  const stale = repo.list({});
  now += 1_000;
  version.value = '2';
  await repo.findByIdentifier('a');
  gate.resolve();
  await stale;
  await repo.list({});
  t.equal(held, 2, 'the list is read again: the answer of the query started under version 1 was not kept');
});

