import type { Test } from 'tap';
import type { AcademyRepository } from '../../src/application/ports/academy-repository.ts';
import { ACADEMY_FIELD_DEFAULTS, type AcademyFields } from '../../src/domain/academy.ts';

/** Builds a repository holding exactly these academies (names required; the rest defaults). */
export type MakeAcademyRepository = (seed: readonly (Partial<AcademyFields> & { name: string })[]) => Promise<AcademyRepository>;

const CATALOG_UUID = '6b1d4c7e-2f3a-4b5c-8d9e-0a1b2c3d4e5f';

/**
 * What every AcademyRepository promises (src/application/ports/academy-repository.ts), run against each
 * implementation: the PostgreSQL adapter and the in-memory one the use-case and HTTP tests stand on.
 * A fake that drifts from the real adapter fails here, not silently in the tests that trust it.
 */
export function academyRepositoryContract(t: Test, make: MakeAcademyRepository): void {
  const seed = [
    { name: 'Beta', displayOrder: 1, tags: ['ai', 'data'], productKey: 'beta', slug: 'beta-academy', stripeProductId: 'prod_beta' },
    { name: 'alpha', displayOrder: 1, tags: ['ai'], catalogAcademyUuid: CATALOG_UUID },
    { name: 'Zeta', displayOrder: 0, tags: ['data'] },
    { name: 'Retired', displayOrder: 0, isActive: false, tags: ['ai'], slug: 'retired' },
  ] as const;
  const names = (academies: readonly { name: string }[]) => academies.map((academy) => academy.name);

  t.test('list: active only by default, in the default order (display_order, then names in code-point order)', async (t) => {
    const repository = await make(seed);
    // Code-point order: upper case before lower case ('Beta' < 'alpha').
    t.same(names(await repository.list({})), ['Zeta', 'Beta', 'alpha']);
    t.same(names(await repository.list({ includeInactive: true })), ['Retired', 'Zeta', 'Beta', 'alpha'], 'inactive ones on request');
  });

  t.test('list filters: every given tag, the exact product key, the academy uuid', async (t) => {
    const repository = await make(seed);
    t.same(names(await repository.list({ tags: ['ai'] })), ['Beta', 'alpha']);
    t.same(names(await repository.list({ tags: ['ai', 'data'] })), ['Beta'], 'all of the tags');
    t.same(names(await repository.list({ tags: ['AI'] })), [], 'tags are case-sensitive');
    t.same(names(await repository.list({ productKey: 'beta' })), ['Beta']);
    t.same(names(await repository.list({ productKey: 'BETA' })), [], 'the product key is exact');
    const alpha = (await repository.list({})).find((a) => a.name === 'alpha');
    t.same(names(await repository.list({ academyUuid: alpha?.uuid ?? '' })), ['alpha'], 'its own uuid');
    t.same(names(await repository.list({ academyUuid: alpha?.uuid.toUpperCase() ?? '' })), ['alpha'], 'in upper case too');
    t.same(names(await repository.list({ tags: ['data'], productKey: 'beta' })), ['Beta'], 'filters compose');
    t.same(names(await repository.list({ tags: [] })), ['Zeta', 'Beta', 'alpha'], 'no tags: no tag filter');
    t.same(names(await repository.list({ tags: ['ai', 'ai'] })), ['Beta', 'alpha'], 'a repeated tag is the same filter');
    t.same(names(await repository.list({ productKey: '' })), [], "'' is a product key no academy has (unset is null)");
    t.same(names(await repository.list({ academyUuid: CATALOG_UUID })), [], 'the catalog uuid is not the academy uuid');
    t.same(await repository.list({ academyUuid: 'not-a-uuid' }), [], 'a malformed uuid matches nothing, without an error');
  });

  t.test('findByIdentifier: uuid (any case), catalog uuid, slug, product key or stripe product id; inactive ones too', async (t) => {
    const repository = await make(seed);
    const beta = (await repository.list({})).find((academy) => academy.name === 'Beta');
    if (!beta) throw new Error('seed');
    t.equal((await repository.findByIdentifier(beta.uuid))?.name, 'Beta', 'its uuid');
    t.equal((await repository.findByIdentifier(beta.uuid.toUpperCase()))?.name, 'Beta', 'its uuid in upper case');
    t.equal((await repository.findByIdentifier(CATALOG_UUID))?.name, 'alpha', 'the catalog uuid');
    t.equal((await repository.findByIdentifier(CATALOG_UUID.toUpperCase()))?.name, 'alpha', 'the catalog uuid in upper case');
    t.equal(await repository.findByIdentifier(`{${CATALOG_UUID}}`), null, 'another spelling PostgreSQL would parse is not an identifier');
    t.equal((await repository.findByIdentifier('beta-academy'))?.name, 'Beta', 'the slug');
    t.equal((await repository.findByIdentifier('beta'))?.name, 'Beta', 'the product key');
    t.equal((await repository.findByIdentifier('prod_beta'))?.name, 'Beta', 'the stripe product id');
    t.equal((await repository.findByIdentifier('retired'))?.name, 'Retired', 'an inactive academy is found (the caller decides)');
    t.equal(await repository.findByIdentifier(''), null, "'' matches nothing (not every academy without a stripe product id)");
    t.equal(await repository.findByIdentifier("x' or 1=1 --"), null, 'anything else: null, without an error');
  });

  t.test('findByIdentifier: the first match in the default order when several academies share an identifier', async (t) => {
    const repository = await make([
      { name: 'Later', displayOrder: 2, slug: 'shared' },
      { name: 'Earlier', displayOrder: 1, productKey: 'shared' },
    ]);
    t.equal((await repository.findByIdentifier('shared'))?.name, 'Earlier');
  });

  t.test('count: every academy, inactive included', async (t) => {
    t.equal(await (await make(seed)).count(), seed.length);
    t.equal(await (await make([])).count(), 0);
  });

  t.test('an academy comes back with every field it was stored with', async (t) => {
    const fields = {
      ...ACADEMY_FIELD_DEFAULTS,
      name: 'Full', longName: 'Full Academy', description: 'd', marketingUrl: 'https://example.com/full', thumbnailUrl: 'img/full.png',
      tags: ['x', 'y'], stripeProductId: 'prod_full', stripePriceLookupKey: 'full_yearly', catalogQueryId: 42, productKey: 'full',
      slug: 'full-academy', displayOrder: 7, catalogAcademyUuid: CATALOG_UUID,
    };
    const [academy] = await (await make([fields])).list({});
    t.match(academy, { ...fields, created: Date, modified: Date });
    t.match(academy?.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lower-case uuid');
  });
}
