import type { Test } from 'tap';
import type { CatalogSource } from '../../src/application/ports/catalog-source.ts';

export interface CatalogData {
  readonly academies: readonly unknown[];
  readonly catalogs: readonly unknown[];
  /** catalog query uuid (lower case) → id */
  readonly catalogQueries: Readonly<Record<string, number>>;
}

/** Builds a catalog source over exactly this data, for `customer`. */
export type MakeCatalogSource = (t: Test, data: CatalogData) => Promise<CatalogSource>;

export const CONTRACT_CUSTOMER = '0b6e2b8c-5a1f-4c3d-9e7f-1a2b3c4d5e6f';
const QUERY = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';

/**
 * What every CatalogSource promises (src/application/ports/catalog-source.ts), run against each
 * implementation: enterprise-catalog over HTTP (got, OAuth, pages, against the local fake) and the folder
 * the embedded default syncs from. Items come back raw: normalization is the sync's job, not the source's.
 */
export function catalogSourceContract(t: Test, make: MakeCatalogSource): void {
  const academies = Array.from({ length: 5 }, (_, i) => ({ uuid: `00000000-0000-4000-8000-00000000000${i}`, title: `Academy ${i}`, tags: [{ id: i, title: `t${i}` }] }));
  const odd = { uuid: 'not-a-uuid', title: 42, unexpected: { nested: true } };
  const data: CatalogData = {
    academies: [...academies, odd],
    catalogs: [{ uuid: 'c1', title: 'Main', catalog_query_uuid: QUERY }],
    catalogQueries: { [QUERY]: 17 },
  };

  t.test('academies: every item, in order, across pages, raw (even ones the sync will refuse)', async (t) => {
    const source = await make(t, data);
    t.same(await source.academies(CONTRACT_CUSTOMER), data.academies);
  });

  t.test("catalogs: the customer's catalogs, raw", async (t) => {
    const source = await make(t, data);
    t.same(await source.catalogs(CONTRACT_CUSTOMER), data.catalogs);
  });

  t.test('catalogQueryId: the id of a known query (any case), null for an unknown or malformed uuid', async (t) => {
    const source = await make(t, data);
    t.equal(await source.catalogQueryId(QUERY), 17);
    t.equal(await source.catalogQueryId(QUERY.toUpperCase()), 17, 'upper case');
    t.equal(await source.catalogQueryId('11111111-2222-4333-8444-555555555555'), null, 'unknown');
    t.equal(await source.catalogQueryId('../../etc/passwd'), null, 'malformed: null, no request, no file read');
  });

  t.test('empty: no academies, no catalogs', async (t) => {
    const source = await make(t, { academies: [], catalogs: [], catalogQueries: {} });
    t.same(await source.academies(CONTRACT_CUSTOMER), []);
    t.same(await source.catalogs(CONTRACT_CUSTOMER), []);
  });
}
