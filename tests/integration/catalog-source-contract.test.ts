/** The CatalogSource contract (tests/contracts/catalog-source.contract.ts) over HTTP and over a folder. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { enterpriseCatalogSource } from '../../src/adapters/catalog/catalog-client.ts';
import { fileCatalogSource } from '../../src/adapters/catalog/file-catalog-source.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { CONTRACT_CUSTOMER, catalogSourceContract } from '../contracts/catalog-source.contract.ts';
import { startFakeCatalog } from '../helpers/fake-catalog.ts';

t.test('enterprise-catalog over HTTP (got, OAuth and pages of 2, against the local fake)', async (t) => {
  catalogSourceContract(t, async (t, data) => {
    const fake = await startFakeCatalog({ pageSize: 2, enterpriseCustomer: CONTRACT_CUSTOMER, academies: data.academies, catalogs: data.catalogs });
    t.teardown(() => fake.close());
    for (const [uuid, id] of Object.entries(data.catalogQueries)) fake.setCatalogQuery(uuid, id);
    return enterpriseCatalogSource({
      apiUrl: fake.apiUrl,
      tokenUrl: fake.tokenUrl,
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      timeoutMs: 10_000,
      retries: 0,
      logger: silentLogger,
    });
  });
});

t.test('a folder (the embedded default)', async (t) => {
  catalogSourceContract(t, async (t, data) => {
    const dir = t.testdir({});
    await writeFile(join(dir, 'academies.json'), JSON.stringify({ results: data.academies }));
    await writeFile(join(dir, 'enterprise-catalogs.json'), JSON.stringify(data.catalogs));
    await mkdir(join(dir, 'catalog-queries'));
    for (const [uuid, id] of Object.entries(data.catalogQueries)) await writeFile(join(dir, 'catalog-queries', `${uuid}.json`), JSON.stringify({ id }));
    return fileCatalogSource(dir);
  });
});
