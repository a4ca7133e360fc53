import t from 'tap';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileCatalogSource } from '../../src/adapters/catalog/file-catalog-source.ts';
import { CatalogSourceUnavailable } from '../../src/application/ports/catalog-source.ts';
import { postgresAcademySyncStore } from '../../src/adapters/postgres/academy-sync-store.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { makeSyncAcademies } from '../../src/application/sync-academies.ts';
import { NO_SETTINGS, rowsByName } from '../helpers/sync-harness.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

const EXAMPLES = new URL('../../examples/catalog', import.meta.url).pathname;
const QUERY = '9e8d7c6b-5a4f-4b3c-8d2e-1f0a9b8c7d6e';

t.test('the bundled example catalogue syncs into what a newcomer should see, priced by examples/prices.json', async (t) => {
  const testDatabase = await createTestDatabase();
  t.teardown(() => testDatabase.close());
  const sync = makeSyncAcademies({
    source: fileCatalogSource(EXAMPLES),
    store: postgresAcademySyncStore(testDatabase.db),
    settings: { ...NO_SETTINGS, enterpriseCustomerUuid: null },
    logger: silentLogger,
  });
  const report = await sync();
  t.same([report.created, report.invalid, report.warnings], [6, [], []], 'six academies, none invalid, no warning');
  const rows = [...(await rowsByName(testDatabase.db)).values()];
  t.ok(rows.filter((r) => r.is_active).length >= 5, 'at least five active');
  t.same(rows.filter((r) => !r.is_active).map((r) => r.name), ['Legacy Mainframe Academy'], 'one inactive');
  t.ok(rows.some((r) => r.thumbnail_url !== '' && !/^https?:\/\//.test(r.thumbnail_url)), 'one relative thumbnail path');
  t.ok(rows.every((r) => r.tags.length > 0), 'tag objects became tags everywhere');
  const prices = JSON.parse(await readFile(join(EXAMPLES, '..', 'prices.json'), 'utf8')) as { data: { lookup_key: string }[] };
  const lookupKeys = new Set(prices.data.map((price) => price.lookup_key));
  t.ok(rows.every((r) => r.stripe_price_lookup_key !== null && lookupKeys.has(r.stripe_price_lookup_key)), 'every lookup key has a price in examples/prices.json');
});

t.test('the file source reads academies, catalogs and catalog queries in enterprise-catalog format', async (t) => {
  const source = fileCatalogSource(EXAMPLES);
  t.equal((await source.academies('ignored')).length, 6, 'academies from one page');
  t.same((await source.catalogs('ignored')).map((c) => (c as { catalog_query_uuid: string }).catalog_query_uuid), [QUERY], 'catalogs');
  t.equal(await source.catalogQueryId(QUERY.toUpperCase()), 3180, 'a catalog query file answers its id');
  t.equal(await source.catalogQueryId('11111111-2222-4333-8444-555555555555'), null, 'an unknown query has no id');
  t.equal(await source.catalogQueryId('not-a-uuid'), null, 'a non-uuid has no id');
});

t.test('lists of pages, bare lists and a uuid → id map are accepted', async (t) => {
  const dir = t.testdir({
    'academies.json': JSON.stringify([{ results: [{ title: 'A' }] }, { results: [{ title: 'B' }] }]),
    'enterprise-catalogs.json': JSON.stringify([{ catalog_query_uuid: QUERY }]),
    'catalog-queries.json': JSON.stringify({ [QUERY]: { id: '12' } }),
  });
  const source = fileCatalogSource(dir);
  t.same(await source.academies(''), [{ title: 'A' }, { title: 'B' }], 'pages are merged');
  t.equal((await source.catalogs('')).length, 1, 'a bare list of catalogs');
  t.equal(await source.catalogQueryId(QUERY), 12, 'the map gives the id');
});

t.test('a missing optional file means none; a missing or malformed academies file is CatalogSourceUnavailable', async (t) => {
  const empty = fileCatalogSource(t.testdir({}));
  t.same(await empty.catalogs(''), [], 'no catalogs file: no catalogs');
  t.equal(await empty.catalogQueryId(QUERY), null, 'no query files: no id');
  await t.rejects(empty.academies(''), CatalogSourceUnavailable, 'no academies file fails');
  const broken = fileCatalogSource(t.testdir({ 'academies.json': '{"results": [', 'enterprise-catalogs.json': '{"count": 1}' }));
  await t.rejects(broken.academies(''), /academies\.json is not JSON/, 'malformed JSON fails');
  await t.rejects(broken.catalogs(''), /neither a page/, 'an object without results fails');
});
