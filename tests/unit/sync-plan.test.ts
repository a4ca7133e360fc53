import t from 'tap';
import { randomUUID } from 'node:crypto';
import { ACADEMY_FIELD_DEFAULTS, type Academy, type AcademyFields } from '../../src/domain/academy.ts';
import type { CatalogSource } from '../../src/application/ports/catalog-source.ts';
import { fetchUpstream } from '../../src/application/sync/fetch-upstream.ts';
import { planChanges } from '../../src/application/sync/plan-changes.ts';
import type { Candidate } from '../../src/application/sync/normalize-items.ts';
import { syncIfCatalogueEmpty } from '../../src/application/sync-if-catalogue-empty.ts';
import type { SyncReport } from '../../src/application/sync-academies.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';

const NO_SHIELD = { catalogUuids: new Set<string>(), foldedNames: new Set<string>() };

function stored(fields: Partial<AcademyFields> & { name: string }): Academy {
  return { ...ACADEMY_FIELD_DEFAULTS, ...fields, uuid: randomUUID(), created: new Date(0), modified: new Date(0) };
}

function candidate(index: number, fields: Partial<AcademyFields> & { name: string }): Candidate {
  return { index, label: `#${index + 1}`, academy: { ...ACADEMY_FIELD_DEFAULTS, ...fields } };
}

t.test('refusing one candidate gives its academy its old keys back, so a candidate that took them is refused too', async (t) => {
  const a = stored({ name: 'A', slug: 'x', catalogAcademyUuid: '00000000-0000-4000-8000-00000000000a' });
  const b = stored({ name: 'B', slug: 'y' });
  const plan = planChanges(
    [a, b],
    [
      candidate(0, { name: 'New', slug: 'x' }),
      candidate(1, { name: 'A', slug: 'y', catalogAcademyUuid: '00000000-0000-4000-8000-00000000000a' }),
    ],
    NO_SHIELD,
  );
  t.same(
    plan.collisions.map((c) => [c.item, c.reason]),
    [
      ['#2', 'slug "y" is already used by academy "B"'],
      ['#1', 'slug "x" is already used by academy "A"'],
    ],
    'both are refused, each with the academy that keeps the key',
  );
  t.same([plan.creates.length, plan.updates.length], [0, 0], 'nothing is written');
  t.same(plan.deactivations, [], 'no item was valid, so nothing is deactivated');
});

t.test('two items with the same catalog uuid: the first matches, the second is refused', async (t) => {
  const uuid = '00000000-0000-4000-8000-000000000001';
  const a = stored({ name: 'A', catalogAcademyUuid: uuid });
  const plan = planChanges([a], [candidate(0, { name: 'A', catalogAcademyUuid: uuid }), candidate(1, { name: 'A2', catalogAcademyUuid: uuid })], NO_SHIELD);
  t.equal(plan.unchanged, 1, 'the first is unchanged');
  t.match(plan.collisions, [{ item: '#2', reason: /catalog_academy_uuid .* already used by item #1/ }], 'the second collides with the first');
});

t.test('an item without a catalog uuid keeps the link its academy already has', async (t) => {
  const uuid = '00000000-0000-4000-8000-000000000001';
  const a = stored({ name: 'A', catalogAcademyUuid: uuid });
  const plan = planChanges([a], [candidate(0, { name: 'a' })], NO_SHIELD);
  t.same(plan.updates.map((u) => [u.fields.name, u.fields.catalogAcademyUuid]), [['a', uuid]], 'renamed, still linked');
});

t.test('without an enterprise customer the catalogs are not asked and there is no default catalog query id', async (t) => {
  const asked: string[] = [];
  const source: CatalogSource = {
    academies: async (customer) => (asked.push(`academies:${customer}`), [{ title: 'A' }]),
    catalogs: async () => (asked.push('catalogs'), []),
    catalogQueryId: async () => (asked.push('query'), null),
  };
  const upstream = await fetchUpstream(source, null);
  t.same(upstream, { items: [{ title: 'A' }], defaultCatalogQueryId: null }, 'items only');
  t.same(asked, ['academies:'], 'only the academies were read');
});

t.test('the embedded default syncs only an empty catalogue', async (t) => {
  const report = { created: 1 } as SyncReport;
  let runs = 0;
  const sync = async () => ((runs += 1), report);
  const empty = inMemoryAcademyRepository();
  t.equal(await syncIfCatalogueEmpty(empty, sync), report, 'an empty catalogue is synced');
  const filled = inMemoryAcademyRepository([{ name: 'One' }]);
  t.equal(await syncIfCatalogueEmpty(filled, sync), null, 'a filled one is left alone');
  t.equal(runs, 1, 'one sync in all');
});
