import t from 'tap';
import { createTestDatabase, insertAcademy } from '../helpers/test-database.ts';
import { CUSTOMER, academyItem, catalogUuid, rowsByName, snapshot, syncRig } from '../helpers/sync-harness.ts';
import { API_PATH, TOKEN_PATH } from '../helpers/fake-catalog.ts';

const testDatabase = await createTestDatabase();
t.teardown(() => testDatabase.close());
const { db } = testDatabase;

const QUERY_UUID = '9e8d7c6b-5a4f-4b3c-8d2e-1f0a9b8c7d6e';

t.test('the sync fetches every page with one JWT token and the enterprise customer on the first request only', async (t) => {
  const rig = await syncRig(t, db, { academies: [1, 2, 3, 4, 5].map((n) => academyItem(n)) });
  const report = await rig.sync()();
  const pages = rig.fake.requests.filter((r) => r.path === `${API_PATH}academies/`);
  t.equal(pages.length, 3, 'five items at two per page take three requests');
  t.same(pages[0]?.query, { enterprise_customer: CUSTOMER }, 'the first request carries only enterprise_customer');
  t.same(pages.slice(1).map((r) => r.query['page']), ['2', '3'], 'later requests follow the next links');
  t.ok(pages.every((r) => (r.search.match(/enterprise_customer=/g) ?? []).length === 1), 'the customer parameter is never duplicated');
  t.equal(rig.fake.tokenRequestCount(), 1, 'one token for the whole sync');
  t.ok(rig.fake.requests.filter((r) => r.path !== TOKEN_PATH).every((r) => r.authorization === 'JWT fake-jwt-1'), 'every API call sends Authorization: JWT <token>');
  t.equal(report.fetched, 5, 'all pages are merged into fetched');
  t.equal(report.created, 5, 'every item is created');
});

t.test('an item becomes an academy with the title as name, its short description, image and tag titles', async (t) => {
  const rig = await syncRig(t, db, { academies: [academyItem(1, { title: '  Data & AI  ', tags: [{ id: 1, title: ' data ' }, 'ai', { id: 2, title: 'data' }] })] });
  await rig.sync()();
  const row = (await rowsByName(db)).get('Data & AI');
  t.ok(row, 'the name is the trimmed title');
  t.equal(row?.catalog_academy_uuid, catalogUuid(1), 'catalog_academy_uuid is the item uuid');
  t.equal(row?.long_name, '  Data & AI  '.trim(), 'long_name falls back to the title');
  t.equal(row?.description, 'Short 1', 'description falls back to short_description');
  t.equal(row?.thumbnail_url, 'https://cdn.example.com/1.png', 'thumbnail_url comes from image');
  t.same(row?.tags, ['data', 'ai'], 'tag objects become their trimmed titles, de-duplicated');
  t.equal(row?.slug, 'data-ai', 'the slug is the slugified name');
  t.equal(row?.product_key, 'data-ai', 'the product key defaults to the slug');
  t.equal(row?.stripe_price_lookup_key, 'data-ai-00000000-price', 'the lookup key is derived from slug and uuid');
  t.equal(row?.is_active, true, 'active by default');
  t.equal(row?.display_order, 0, 'display order 0 by default');
});

t.test('a uuid allowlist keeps only listed items, compared as canonical UUIDs', async (t) => {
  const rig = await syncRig(t, db, { academies: [1, 2, 3].map((n) => academyItem(n)) });
  const report = await rig.sync({ allowlist: { uuids: [` ${catalogUuid(2).toUpperCase()} `], names: [] } })();
  t.same([...(await rowsByName(db)).keys()], ['Academy 2'], 'only the listed academy is stored');
  t.equal(report.filtered_out, 2, 'the others are counted as filtered out');
});

t.test('a name allowlist keeps items whose trimmed, case-folded title is listed', async (t) => {
  const rig = await syncRig(t, db, { academies: [1, 2, 3].map((n) => academyItem(n)) });
  const report = await rig.sync({ allowlist: { uuids: [catalogUuid(1)], names: ['  ACADEMY 3 '] } })();
  t.same([...(await rowsByName(db)).keys()].sort(), ['Academy 1', 'Academy 3'], 'listed by uuid or by name');
  t.equal(report.filtered_out, 1, 'one item filtered out');
});

t.test('the default catalog query id is the first valid integer catalog_query_id of the customer catalogs', async (t) => {
  const rig = await syncRig(t, db, {
    academies: [academyItem(1), academyItem(2, { catalog_query_id: 5 })],
    catalogs: [{ catalog_query_id: true, catalog_query_uuid: QUERY_UUID }, { catalog_query_id: ' 42 ' }, { catalog_query_id: 7 }],
  });
  rig.fake.setCatalogQuery(QUERY_UUID, 99);
  await rig.sync()();
  const rows = await rowsByName(db);
  t.equal(rows.get('Academy 1')?.catalog_query_id, 42, 'an item without its own id gets the first valid integer id');
  t.equal(rows.get('Academy 2')?.catalog_query_id, 5, "an item's own valid id wins over the default");
  t.equal(rig.fake.requests.filter((r) => r.path.includes('catalog-queries')).length, 0, 'no catalog query is resolved when an integer id exists');
  t.same(rig.fake.requests.find((r) => r.path === `${API_PATH}enterprise-catalogs/`)?.query, { enterprise_customer: CUSTOMER }, 'catalogs are asked for the customer');
});

t.test('without an integer id the default comes from the first catalog_query_uuid that resolves', async (t) => {
  const unknown = '11111111-2222-4333-8444-555555555555';
  const rig = await syncRig(t, db, { academies: [academyItem(1)], catalogs: [{ catalog_query_uuid: unknown }, { catalog_query_uuid: QUERY_UUID }] });
  rig.fake.setCatalogQuery(QUERY_UUID, 3180);
  await rig.sync()();
  t.equal((await rowsByName(db)).get('Academy 1')?.catalog_query_id, 3180, 'the id of the resolving catalog query');
  t.same(
    rig.fake.requests.filter((r) => r.path.includes('catalog-queries')).map((r) => r.path),
    [`${API_PATH}catalog-queries/${unknown}/`, `${API_PATH}catalog-queries/${QUERY_UUID}/`],
    'queries are resolved in catalog order until one answers',
  );
});

t.test('the catalog query id mapping by uuid wins over the mapping by name, which wins over the item and the default', async (t) => {
  const rig = await syncRig(t, db, {
    academies: [academyItem(1, { catalog_query_id: 5 }), academyItem(2, { catalog_query_id: 5 }), academyItem(3)],
    catalogs: [{ catalog_query_id: 42 }],
  });
  await rig.sync({
    catalogQueryIdByAcademyUuid: { [catalogUuid(1)]: 100 },
    catalogQueryIdByName: { 'academy 1': 200, 'academy 2': '300' },
  })();
  const rows = await rowsByName(db);
  t.equal(rows.get('Academy 1')?.catalog_query_id, 100, 'the by-uuid mapping wins');
  t.equal(rows.get('Academy 2')?.catalog_query_id, 300, "the by-name mapping (case-folded) wins over the item's own id");
  t.equal(rows.get('Academy 3')?.catalog_query_id, 42, 'unmapped items keep the default');
});

t.test('field overrides by uuid replace those by name, never merged, and their catalog_query_id wins over the mapping', async (t) => {
  const rig = await syncRig(t, db, { academies: [academyItem(1), academyItem(2)] });
  await rig.sync({
    catalogQueryIdByAcademyUuid: { [catalogUuid(1)]: 100 },
    fieldOverridesByAcademyUuid: { [catalogUuid(1)]: { description: 'by uuid', catalog_query_id: 9 } },
    fieldOverridesByName: { 'ACADEMY 1': { long_name: 'by name 1' }, 'academy 2': { long_name: 'by name 2', display_order: 4, stripe_price_lookup_key: null } },
  })();
  const rows = await rowsByName(db);
  t.equal(rows.get('Academy 1')?.description, 'by uuid', 'the by-uuid override applies');
  t.equal(rows.get('Academy 1')?.long_name, 'Academy 1', 'the by-name dict is ignored for an item with a by-uuid dict');
  t.equal(rows.get('Academy 1')?.catalog_query_id, 9, 'an override catalog_query_id wins over the mapping');
  t.equal(rows.get('Academy 2')?.long_name, 'by name 2', 'the by-name override applies when there is no by-uuid dict');
  t.equal(rows.get('Academy 2')?.display_order, 4, 'display_order can be overridden');
  t.equal(rows.get('Academy 2')?.stripe_price_lookup_key, null, 'a null lookup key override unsets it instead of deriving one');
});

t.test('invalid override values are ignored and reported as warnings while the valid ones apply', async (t) => {
  const rig = await syncRig(t, db, { academies: [academyItem(1)] });
  const report = await rig.sync({
    fieldOverridesByName: { 'academy 1': { slug: 'not a slug!', display_order: -1, marketing_url: 'ftp://example.com', description: 'kept', colour: 'red' } },
  })();
  const row = (await rowsByName(db)).get('Academy 1');
  t.equal(row?.description, 'kept', 'the valid override applies');
  t.equal(row?.slug, 'academy-1', 'the invalid slug override is ignored');
  t.equal(row?.display_order, 0, 'the invalid display_order override is ignored');
  t.equal(report.warnings.length, 4, 'one warning per ignored override');
  t.ok(report.warnings.every((w) => w.startsWith(`#1 ${catalogUuid(1)} "Academy 1": override "`)), "each warning starts with the item's identity");
  t.match(report.warnings.join('\n'), /"colour" ignored: not an overridable field/, 'unknown keys are named');
  t.same(report.invalid, [], 'the item itself stays valid');
});

t.test('invalid items are reported with a reason and skipped while the rest apply', async (t) => {
  const rig = await syncRig(t, db, {
    academies: [
      academyItem(1),
      academyItem(2, { title: '   ' }),
      academyItem(3, { display_order: -3 }),
      academyItem(4, { slug: 'shared' }),
      academyItem(5, { slug: 'shared' }),
      academyItem(6, { slug: 'taken' }),
      'not an object',
    ],
  });
  await insertAcademy(db, { name: 'Local', slug: 'taken' });
  const report = await rig.sync()();
  t.same(
    report.invalid,
    [
      { item: `#2 ${catalogUuid(2)}`, reason: 'missing name' },
      { item: `#3 ${catalogUuid(3)} "Academy 3"`, reason: 'display_order must be a non-negative integer' },
      { item: `#5 ${catalogUuid(5)} "Academy 5"`, reason: `slug "shared" is already used by item #4 ${catalogUuid(4)} "Academy 4"` },
      { item: `#6 ${catalogUuid(6)} "Academy 6"`, reason: 'slug "taken" is already used by academy "Local"' },
      { item: '#7', reason: 'not an object' },
    ],
    'each skipped item is named with its reason, in upstream order',
  );
  t.equal(report.created, 2, 'the valid items are created');
  t.same([...(await rowsByName(db)).keys()].sort(), ['Academy 1', 'Academy 4', 'Local'], 'nothing else is written');
});

t.test('a resync of unchanged items writes nothing: modified stays', async (t) => {
  const rig = await syncRig(t, db, { academies: [academyItem(1), academyItem(2)] });
  await rig.sync()();
  const before = await snapshot(db);
  const report = await rig.sync()();
  t.same({ created: report.created, updated: report.updated, unchanged: report.unchanged }, { created: 0, updated: 0, unchanged: 2 }, 'both are unchanged');
  t.same(await snapshot(db), before, 'no row changed, modified included');
});

t.test('an academy renamed upstream is updated in place, matched by its catalog uuid', async (t) => {
  const rig = await syncRig(t, db, { academies: [academyItem(1), academyItem(2)] });
  await rig.sync()();
  const before = await rowsByName(db);
  rig.fake.setAcademies([academyItem(1, { title: 'Academy One' }), academyItem(2)]);
  const report = await rig.sync()();
  const after = await rowsByName(db);
  t.same({ updated: report.updated, unchanged: report.unchanged, created: report.created }, { updated: 1, unchanged: 1, created: 0 }, 'one update, no creation');
  t.equal(after.size, 2, 'not duplicated');
  t.equal(after.get('Academy One')?.uuid, before.get('Academy 1')?.uuid, 'the same row carries the new name');
  t.ok(new Date(after.get('Academy One')?.modified ?? 0) > new Date(before.get('Academy 1')?.modified ?? 0), 'its modified moves on');
  t.same(after.get('Academy 2')?.modified, before.get('Academy 2')?.modified, "the unchanged row's modified stays");
});

t.test('an item whose uuid is unknown matches a stored academy by case-folded name and links it', async (t) => {
  const rig = await syncRig(t, db, { academies: [academyItem(1, { title: 'ACADEMY 1' })] });
  const local = await insertAcademy(db, { name: 'Academy 1' });
  const report = await rig.sync()();
  const rows = await db.selectFrom('academies').selectAll().execute();
  t.equal(report.updated, 1, 'updated, not created');
  t.same(rows.map((r) => [r.uuid, r.name, r.catalog_academy_uuid]), [[local.uuid, 'ACADEMY 1', catalogUuid(1)]], 'the stored row now carries the catalog uuid');
});

t.test('two academies swapping slugs upstream are both updated in one sync', async (t) => {
  const rig = await syncRig(t, db, { academies: [academyItem(1, { slug: 'first' }), academyItem(2, { slug: 'second' })] });
  await rig.sync()();
  rig.fake.setAcademies([academyItem(1, { slug: 'second', title: 'Academy 2' }), academyItem(2, { slug: 'first', title: 'Academy 1' })]);
  const report = await rig.sync()();
  const rows = await db.selectFrom('academies').select(['catalog_academy_uuid', 'name', 'slug']).orderBy('catalog_academy_uuid').execute();
  t.equal(report.updated, 2, 'both updated');
  t.same(rows, [
    { catalog_academy_uuid: catalogUuid(1), name: 'Academy 2', slug: 'second' },
    { catalog_academy_uuid: catalogUuid(2), name: 'Academy 1', slug: 'first' },
  ], 'names and slugs swapped without a unique violation');
});

t.test('academies gone upstream are deactivated, never deleted', async (t) => {
  const rig = await syncRig(t, db, { academies: [1, 2, 3].map((n) => academyItem(n)) });
  await rig.sync()();
  rig.fake.setAcademies([academyItem(1), academyItem(2)]);
  const report = await rig.sync()();
  const rows = await rowsByName(db);
  t.equal(report.deactivated, 1, 'one academy deactivated');
  t.equal(rows.size, 3, 'no row deleted');
  t.equal(rows.get('Academy 3')?.is_active, false, 'the missing academy is inactive');
  t.equal((await rig.sync()()).deactivated, 0, 'an inactive academy is not deactivated again');
});

t.test('nothing is deactivated when upstream returns no valid item', async (t) => {
  const rig = await syncRig(t, db, { academies: [academyItem(1), academyItem(2)] });
  await rig.sync()();
  rig.fake.setAcademies([]);
  t.equal((await rig.sync()()).deactivated, 0, 'an empty upstream deactivates nothing');
  rig.fake.setAcademies([{ title: '' }, academyItem(3, { display_order: 'first' })]);
  const report = await rig.sync()();
  t.same([report.invalid.length, report.deactivated], [2, 0], 'an upstream of invalid items deactivates nothing');
  t.ok([...(await rowsByName(db)).values()].every((r) => r.is_active), 'every academy is still active');
});

t.test('an academy whose upstream item became invalid is neither updated nor deactivated', async (t) => {
  const rig = await syncRig(t, db, { academies: [academyItem(1), academyItem(2)] });
  await rig.sync()();
  const before = await snapshot(db);
  rig.fake.setAcademies([academyItem(1, { display_order: -1, description: 'new' }), academyItem(2)]);
  const report = await rig.sync()();
  t.same([report.invalid.length, report.deactivated, report.unchanged], [1, 0, 1], 'reported invalid, nothing deactivated');
  t.same(await snapshot(db), before, 'the academy keeps its stored values');
});

t.test('a dry run reports what the sync would do and changes nothing', async (t) => {
  const rig = await syncRig(t, db, { academies: [academyItem(1), academyItem(2), academyItem(3)] });
  await rig.sync()();
  rig.fake.setAcademies([academyItem(1, { title: 'Renamed' }), academyItem(2), academyItem(4)]);
  const before = await snapshot(db);
  const dry = await rig.sync()({ dryRun: true });
  t.same(await snapshot(db), before, 'the dry run wrote nothing');
  const real = await rig.sync()();
  t.same({ ...dry, dry_run: false }, real, 'the dry-run report equals the real one');
  t.same([dry.dry_run, dry.created, dry.updated, dry.unchanged, dry.deactivated], [true, 1, 1, 1, 1], 'with dry_run true and every count');
});
