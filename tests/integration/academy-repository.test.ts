import t from 'tap';
import { sql } from 'kysely';
import { postgresAcademyRepository, toRow } from '../../src/adapters/postgres/academy-repository.ts';
import { createDatabase, isUniqueViolation } from '../../src/adapters/postgres/database.ts';
import { migrateToLatest } from '../../src/adapters/postgres/migrate.ts';
import { migrations } from '../../migrations/index.ts';
import { ACADEMY_FIELD_DEFAULTS, compareAcademies } from '../../src/domain/academy.ts';
import type { Academy } from '../../src/domain/academy.ts';
import { createEmptyTestDatabase, createTestDatabase, insertAcademy } from '../helpers/test-database.ts';

const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
t.comment(`database: ${testDb.kind}`);
const { db } = testDb;
const repository = postgresAcademyRepository(db);

// Every subtest starts from an empty table so counts and orderings are exact.
t.beforeEach(async () => {
  await db.deleteFrom('academies').execute();
});

const names = (academies: readonly Academy[]): string[] => academies.map((academy) => academy.name);

t.test('the database itself refuses what spec §1 forbids', async (t) => {
  t.beforeEach(async () => {
    await db.deleteFrom('academies').execute();
  });

  t.test('a second name differing only in case is refused', async (t) => {
    await insertAcademy(db, { name: 'Data Science' });
    await t.rejects(insertAcademy(db, { name: 'DATA science' }), { code: '23505', constraint: 'academies_name_lower_key' });
  });

  for (const column of ['slug', 'product_key', 'stripe_price_lookup_key'] as const) {
    t.test(`a duplicate ${column} is refused`, async (t) => {
      await insertAcademy(db, { [column]: 'same-value' });
      await t.rejects(insertAcademy(db, { [column]: 'same-value' }), { code: '23505', constraint: `academies_${column}_key` });
    });
  }

  t.test('a duplicate catalog_academy_uuid is refused', async (t) => {
    const catalogUuid = '0b6f1a9e-8a3e-4c5b-9d61-3f0b2c1d4e5f';
    await insertAcademy(db, { catalog_academy_uuid: catalogUuid });
    await t.rejects(insertAcademy(db, { catalog_academy_uuid: catalogUuid }), { code: '23505' });
  });

  t.test('many academies leave slug, product_key, lookup key and catalog uuid unset (NULL) side by side', async (t) => {
    for (let i = 0; i < 3; i += 1) await insertAcademy(db, {});
    const { nulls } = await db
      .selectFrom('academies')
      .select(sql<number>`count(*) filter (where slug is null and product_key is null and stripe_price_lookup_key is null and catalog_academy_uuid is null)::int`.as('nulls'))
      .executeTakeFirstOrThrow();
    t.equal(nulls, 3, 'three rows with every optional unique key NULL');
  });

  const refusedChecks: ReadonlyArray<[string, Parameters<typeof insertAcademy>[1], string]> = [
    ['a negative display_order is refused', { display_order: -1 }, 'academies_display_order_non_negative'],
    ['a negative catalog_query_id is refused', { catalog_query_id: -1 }, 'academies_catalog_query_id_non_negative'],
    ['a slug with characters outside [A-Za-z0-9_-] is refused', { slug: 'bad slug!' }, 'academies_slug_slug'],
    ['a product_key with characters outside [A-Za-z0-9_-] is refused', { product_key: "x';--" }, 'academies_product_key_slug'],
    ['an empty slug is refused (unset is NULL)', { slug: '' }, 'academies_slug_slug'],
    ['an empty stripe_price_lookup_key is refused (unset is NULL)', { stripe_price_lookup_key: '' }, 'academies_stripe_price_lookup_key_not_blank'],
    ['a marketing_url that is not http(s) is refused', { marketing_url: 'ftp://example.com/x' }, 'academies_marketing_url_http'],
    ['a relative marketing_url is refused', { marketing_url: '/courses/x' }, 'academies_marketing_url_http'],
  ];
  for (const [name, overrides, constraint] of refusedChecks) {
    t.test(name, async (t) => {
      await t.rejects(insertAcademy(db, overrides), { code: '23514', constraint });
    });
  }

  t.test('a name longer than 255 characters is refused', async (t) => {
    await t.rejects(insertAcademy(db, { name: 'n'.repeat(256) }), { code: '22001' });
  });

  t.test('an empty or http(s) marketing_url is accepted', async (t) => {
    await insertAcademy(db, { marketing_url: '' });
    await insertAcademy(db, { marketing_url: 'https://example.com/a' });
    await insertAcademy(db, { marketing_url: 'http://example.com/b' });
    t.equal(await repository.count(), 3, 'all three rows stored');
  });

  t.test('omitted columns take the spec defaults', async (t) => {
    const row = await insertAcademy(db, { name: 'Defaults' });
    t.match(row.uuid, /^[0-9a-f-]{36}$/, 'uuid generated');
    t.same(
      { ...row, uuid: undefined, created: undefined, modified: undefined },
      {
        uuid: undefined, catalog_academy_uuid: null, name: 'Defaults', long_name: '', description: '', marketing_url: '',
        thumbnail_url: '', tags: [], stripe_product_id: '', stripe_price_lookup_key: null, catalog_query_id: null,
        product_key: null, slug: null, is_active: true, display_order: 0, created: undefined, modified: undefined,
      },
      'every default as in §1',
    );
    t.ok(row.created instanceof Date && row.modified instanceof Date, 'timestamps default to now()');
  });
  t.end();
});

t.test('list', async (t) => {
  t.beforeEach(async () => {
    await db.deleteFrom('academies').execute();
    await insertAcademy(db, { name: 'Alpha', tags: ['ai', 'data'], product_key: 'pk-alpha', display_order: 2 });
    await insertAcademy(db, { name: 'Beta', tags: ['ai'], product_key: 'pk-beta', display_order: 1 });
    await insertAcademy(db, { name: 'Gamma', tags: ['data', 'AI'], display_order: 1 });
    await insertAcademy(db, { name: 'Hidden', tags: ['ai', 'data'], product_key: 'pk-hidden', is_active: false });
  });

  t.test('without filters returns active academies only, in the default order', async (t) => {
    t.same(names(await repository.list({})), ['Beta', 'Gamma', 'Alpha'], 'display_order first, then name');
  });

  t.test('include_inactive also returns inactive academies', async (t) => {
    t.same(names(await repository.list({ includeInactive: true })), ['Hidden', 'Beta', 'Gamma', 'Alpha'], 'Hidden has display_order 0');
  });

  t.test('one tag matches exactly and case-sensitively', async (t) => {
    t.same(names(await repository.list({ tags: ['ai'] })), ['Beta', 'Alpha'], "'AI' is not 'ai'");
  });

  t.test('several tags require the academy to carry all of them', async (t) => {
    t.same(names(await repository.list({ tags: ['ai', 'data'] })), ['Alpha'], 'only Alpha carries both');
    t.same(await repository.list({ tags: ['ai', 'missing'] }), [], 'an unknown tag matches nothing');
  });

  t.test('a tag containing SQL metacharacters is a plain value', async (t) => {
    t.same(await repository.list({ tags: ["ai'}", '"data"'] }), [], 'no match and no error');
  });

  t.test('product_key matches exactly', async (t) => {
    t.same(names(await repository.list({ productKey: 'pk-beta' })), ['Beta'], 'only Beta');
    t.same(await repository.list({ productKey: 'PK-BETA' }), [], 'case matters');
  });

  t.test('academy_uuid returns only that academy', async (t) => {
    const [gamma] = await repository.list({ tags: ['AI'] });
    t.ok(gamma, 'Gamma found by its tag');
    t.same(names(await repository.list({ academyUuid: gamma?.uuid ?? '' })), ['Gamma'], 'only Gamma');
    t.same(await repository.list({ academyUuid: 'not-a-uuid' }), [], 'a non-UUID matches nothing instead of failing');
  });

  t.test('filters combine with AND', async (t) => {
    t.same(names(await repository.list({ tags: ['ai', 'data'], includeInactive: true })), ['Hidden', 'Alpha'], 'both carry ai+data');
    t.same(names(await repository.list({ tags: ['ai'], productKey: 'pk-hidden', includeInactive: true })), ['Hidden'], 'tag and key');
    t.same(await repository.list({ tags: ['ai'], productKey: 'pk-hidden' }), [], 'inactive still excluded by default');
    t.same(await repository.list({ tags: ['data'], productKey: 'pk-beta' }), [], 'Beta lacks the data tag');
  });

  t.test('names order by code point, agreeing with the domain compareAcademies', async (t) => {
    await db.deleteFrom('academies').execute();
    for (const name of ['beta', 'Zeta', 'alpha', 'Émile', '_under']) await insertAcademy(db, { name });
    const listed = await repository.list({});
    t.same(names(listed), names([...listed].sort(compareAcademies)), 'same order as the domain sort');
    t.same(names(listed), ['Zeta', '_under', 'alpha', 'beta', 'Émile'], 'upper case before lower case before accents');
  });

  t.test('equal display_order and name would fall back to uuid (names are unique, so uuid breaks no real tie)', async (t) => {
    await db.deleteFrom('academies').execute();
    await insertAcademy(db, { uuid: 'ffffffff-0000-4000-8000-000000000000', name: 'Same order B' });
    await insertAcademy(db, { uuid: '00000000-0000-4000-8000-000000000000', name: 'Same order A' });
    t.same(names(await repository.list({})), ['Same order A', 'Same order B'], 'name before uuid');
  });
  t.end();
});

t.test('findByIdentifier', async (t) => {
  const uuid = '11111111-2222-4333-8444-555555555555';
  const catalogUuid = '66666666-7777-4888-9999-aaaaaaaaaaaa';
  t.beforeEach(async () => {
    await db.deleteFrom('academies').execute();
    await insertAcademy(db, {
      uuid, catalog_academy_uuid: catalogUuid, name: 'Target', slug: 'target-slug',
      product_key: 'target_key', stripe_product_id: 'prod_Target', is_active: false,
    });
    await insertAcademy(db, { name: 'Plain' });
  });

  const identifiers: ReadonlyArray<[string, string]> = [
    ['uuid', uuid], ['catalog_academy_uuid', catalogUuid], ['slug', 'target-slug'],
    ['product_key', 'target_key'], ['stripe_product_id', 'prod_Target'],
  ];
  for (const [field, identifier] of identifiers) {
    t.test(`finds an academy by its ${field}, even when inactive`, async (t) => {
      const found = await repository.findByIdentifier(identifier);
      t.equal(found?.name, 'Target', `matched on ${field}`);
      t.equal(found?.isActive, false, 'inactive academies are retrievable');
    });
  }

  t.test('finds an upper-case spelling of a uuid', async (t) => {
    t.equal((await repository.findByIdentifier(uuid.toUpperCase()))?.uuid, uuid, 'uuids compare as uuids');
  });

  t.test('returns null for an identifier that matches nothing', async (t) => {
    t.equal(await repository.findByIdentifier('prod_target'), null, 'stripe_product_id is exact (case matters)');
  });

  t.test('returns null, without a database error, for non-UUID identifiers with SQL metacharacters', async (t) => {
    for (const identifier of ["' OR 1=1 --", '%', '_', '11111111-2222-4333-8444-55555555555Z', 'a;drop table academies']) {
      t.equal(await repository.findByIdentifier(identifier), null, `nothing for ${JSON.stringify(identifier)}`);
    }
    t.equal(await repository.count(), 2, 'table intact');
  });

  t.test("an empty identifier never matches the unset stripe_product_id ''", async (t) => {
    t.equal(await repository.findByIdentifier(''), null, "'' matches nothing");
  });

  t.test('returns the first in default order when several academies match', async (t) => {
    await insertAcademy(db, { name: 'Late', slug: 'shared', display_order: 5 });
    await insertAcademy(db, { name: 'Middle', stripe_product_id: 'shared', display_order: 3 });
    await insertAcademy(db, { name: 'Early', product_key: 'shared', display_order: 3 });
    t.equal((await repository.findByIdentifier('shared'))?.name, 'Early', 'lowest display_order, then name');
  });
  t.end();
});

t.test('insert and count', async (t) => {
  t.beforeEach(async () => {
    await db.deleteFrom('academies').execute();
  });

  t.test('a row written from domain fields maps back to the same fields', async (t) => {
    const fields = {
      ...ACADEMY_FIELD_DEFAULTS,
      name: 'Full', longName: 'Full Academy', description: 'd', marketingUrl: 'https://example.com/full',
      thumbnailUrl: 'img/full.png', tags: ['x', 'y'], stripeProductId: 'prod_Full', stripePriceLookupKey: 'full_monthly',
      catalogQueryId: 42, productKey: 'full', slug: 'full-academy', isActive: false, displayOrder: 7,
      catalogAcademyUuid: '12345678-1234-4234-8234-123456789abc',
    };
    // Written as the sync store writes (toRow), read back through the repository (toAcademy).
    const { uuid } = await db.insertInto('academies').values(toRow(fields)).returning('uuid').executeTakeFirstOrThrow();
    const academy = await repository.findByIdentifier(uuid);
    if (!academy) throw new Error('the inserted academy is not found');
    t.match(academy.uuid, /^[0-9a-f-]{36}$/, 'uuid generated by the database');
    t.ok(academy.created instanceof Date && academy.modified instanceof Date, 'timestamps are Dates');
    t.same({ ...academy, uuid: undefined, created: undefined, modified: undefined }, { ...fields, uuid: undefined, created: undefined, modified: undefined }, 'fields round-trip');
    t.equal(typeof academy.catalogQueryId, 'number', 'catalog_query_id is a number');
  });

  t.test('count returns the number of academies, inactive included', async (t) => {
    t.equal(await repository.count(), 0, 'empty');
    await insertAcademy(db, {});
    await insertAcademy(db, { is_active: false });
    t.equal(await repository.count(), 2, 'two rows');
  });

  t.test('isUniqueViolation recognises only SQLSTATE 23505', async (t) => {
    await insertAcademy(db, { name: 'Once' });
    const duplicate: unknown = await insertAcademy(db, { name: 'Once' }).catch((e: unknown) => e);
    const check: unknown = await insertAcademy(db, { display_order: -1 }).catch((e: unknown) => e);
    t.equal(isUniqueViolation(duplicate), true, 'duplicate name is a unique violation');
    t.equal(isUniqueViolation(check), false, 'a check violation is not');
    t.equal(isUniqueViolation(new Error('23505')), false, 'a plain error is not');
    t.equal(isUniqueViolation(null), false, 'null is not');
  });
  t.end();
});

t.test('migrations', async (t) => {
  t.test('running migrateToLatest again applies nothing', async (t) => {
    t.same(await migrateToLatest(db), { applied: [] }, 'already at latest');
  });

  t.test('two runners migrating an empty database at once apply each migration exactly once', async (t) => {
    const empty = await createEmptyTestDatabase();
    t.teardown(() => empty.close());
    // On PostgreSQL the second runner is a separate pool, like a second process.
    const second = empty.url ? await createDatabase({ databaseUrl: empty.url, poolMax: 2 }) : undefined;
    t.teardown(() => second?.close());
    const results = await Promise.all([migrateToLatest(empty.db), migrateToLatest(second?.db ?? empty.db)]);
    t.same(results.flatMap((result) => result.applied).sort(), Object.keys(migrations).sort(), 'each migration applied once in total');
    t.equal(await postgresAcademyRepository(empty.db).count(), 0, 'the table exists and is usable');
  });
  t.end();
});
