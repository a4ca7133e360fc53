import type { Kysely } from 'kysely';
import { enterpriseCatalogSource } from '../../src/adapters/catalog/catalog-client.ts';
import type { CatalogRequestEvent } from '../../src/adapters/catalog/catalog-client.ts';
import { postgresAcademySyncStore } from '../../src/adapters/postgres/academy-sync-store.ts';
import type { Database } from '../../src/adapters/postgres/database.ts';
import type { AcademyRow } from '../../src/adapters/postgres/tables/academies.ts';
import type { AcademySyncStore } from '../../src/application/ports/academy-sync-store.ts';
import type { CatalogSource } from '../../src/application/ports/catalog-source.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { makeSyncAcademies } from '../../src/application/sync-academies.ts';
import type { SyncAcademies, SyncSettings } from '../../src/application/sync-academies.ts';
import { startFakeCatalog } from './fake-catalog.ts';
import type { FakeCatalog, FakeCatalogOptions } from './fake-catalog.ts';

export const CUSTOMER = '6f1c2e0a-7a7b-4c1e-9d0e-3b7f5a2c9d10';

/** A deterministic catalog uuid for item `n`. */
export function catalogUuid(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/** An enterprise-catalog academy item as the API sends it (title, descriptions, image, tag objects). */
export function academyItem(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uuid: catalogUuid(n),
    title: `Academy ${n}`,
    short_description: `Short ${n}`,
    long_description: `Long ${n}`,
    image: `https://cdn.example.com/${n}.png`,
    tags: [{ id: n, title: `tag-${n}`, description: 'a tag' }],
    ...overrides,
  };
}

export const NO_SETTINGS: SyncSettings = {
  enterpriseCustomerUuid: CUSTOMER,
  allowlist: { uuids: [], names: [] },
  catalogQueryIdByAcademyUuid: {},
  catalogQueryIdByName: {},
  fieldOverridesByAcademyUuid: {},
  fieldOverridesByName: {},
};

export interface SyncRig {
  readonly fake: FakeCatalog;
  readonly source: CatalogSource;
  readonly store: AcademySyncStore;
  readonly events: CatalogRequestEvent[];
  /** A sync use case over the real got client, the fake catalog and the real database. */
  sync(settings?: Partial<SyncSettings>): SyncAcademies;
}

interface Teardown {
  teardown(fn: () => Promise<void> | void): void;
}

/** Empties the academies table (each subtest starts from a known catalogue) and starts a fake catalog closed with the subtest. */
export async function syncRig(t: Teardown, db: Kysely<Database>, fakeOptions: FakeCatalogOptions = {}): Promise<SyncRig> {
  await db.deleteFrom('academies').execute();
  const fake = await startFakeCatalog({ pageSize: 2, enterpriseCustomer: CUSTOMER, ...fakeOptions });
  t.teardown(() => fake.close());
  const events: CatalogRequestEvent[] = [];
  const source = enterpriseCatalogSource({
    apiUrl: fake.apiUrl,
    tokenUrl: fake.tokenUrl,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    timeoutMs: 300,
    retries: 2,
    backoffBaseMs: 2,
    maxDelayMs: 10,
    logger: silentLogger,
    onRequest: (event) => events.push(event),
  });
  const store = postgresAcademySyncStore(db);
  return {
    fake,
    source,
    store,
    events,
    sync: (settings = {}) => makeSyncAcademies({ source, store, settings: { ...NO_SETTINGS, ...settings }, logger: silentLogger }),
  };
}

/** Every academy row, by name, for assertions. */
export async function rowsByName(db: Kysely<Database>): Promise<Map<string, AcademyRow>> {
  const rows = await db.selectFrom('academies').selectAll().execute();
  return new Map(rows.map((row) => [row.name, row]));
}

/** The whole table as comparable plain data (timestamps included), to prove nothing changed. */
export async function snapshot(db: Kysely<Database>): Promise<unknown[]> {
  const rows = await db.selectFrom('academies').selectAll().orderBy('uuid').execute();
  return rows.map((row) => ({ ...row, created: new Date(row.created).toISOString(), modified: new Date(row.modified).toISOString() }));
}
