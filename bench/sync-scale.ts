/**
 * The sync at scale: N upstream academies served by the local enterprise-catalog (pages of
 * 100) through the real got client, into a fresh database; what each run asked of the database is
 * read from PostgreSQL's statistics (bench/table-activity.ts).
 */
import { sql } from 'kysely';
import { enterpriseCatalogSource } from '../src/adapters/catalog/catalog-client.ts';
import { postgresAcademySyncStore } from '../src/adapters/postgres/academy-sync-store.ts';
import { postgresCatalogueState } from '../src/adapters/postgres/catalogue-state.ts';
import { createDatabase } from '../src/adapters/postgres/database.ts';
import { migrateToLatest } from '../src/adapters/postgres/migrate.ts';
import { silentLogger } from '../src/application/ports/logger.ts';
import { makeSyncAcademies, type SyncReport } from '../src/application/sync-academies.ts';
import { startFakeCatalog } from '../tests/helpers/fake-catalog.ts';
import { CUSTOMER, NO_SETTINGS, academyItem } from '../tests/helpers/sync-harness.ts';
import { activityBetween, tableActivity } from './table-activity.ts';

export interface SyncRun {
  readonly academies: number;
  readonly ms: number;
  /** Table scans (pg_stat_user_tables): one or more per statement that reads a table. */
  readonly scans: number;
  /** Rows inserted, updated or deleted. */
  readonly rowsWritten: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly versionMoved: boolean;
}

export interface SyncScaleResult {
  readonly small: SyncRun;
  readonly create: SyncRun;
  readonly update: SyncRun;
  readonly noop: SyncRun;
}

/** createDatabase's default pool size: every connection the sync may have used is asked to report its counts. */
const POOL_CONNECTIONS = 10;

export async function measureSyncAtScale(options: { databaseUrl?: string; academies: number; small: number }): Promise<SyncScaleResult> {
  const database = await createDatabase({ ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}), poolMax: POOL_CONNECTIONS });
  const catalog = await startFakeCatalog({ pageSize: 100, enterpriseCustomer: CUSTOMER });
  try {
    await migrateToLatest(database.db);
    const source = enterpriseCatalogSource({
      apiUrl: catalog.apiUrl,
      tokenUrl: catalog.tokenUrl,
      clientId: catalog.clientId,
      clientSecret: catalog.clientSecret,
      timeoutMs: 10_000,
      retries: 2,
      logger: silentLogger,
    });
    const sync = makeSyncAcademies({ source, store: postgresAcademySyncStore(database.db), settings: NO_SETTINGS, logger: silentLogger });
    const state = postgresCatalogueState(database.db);
    const items = (count: number, description = (n: number) => `Short ${n}`) =>
      Array.from({ length: count }, (_, i) => academyItem(i + 1, { short_description: description(i + 1) }));

    const run = async (count: number): Promise<SyncRun> => {
      const before = (await state.current()).catalogueVersion;
      const activityBefore = await tableActivity(database.db, POOL_CONNECTIONS);
      const started = performance.now();
      const report: SyncReport = await sync();
      const ms = performance.now() - started;
      const { scans, rowsWritten } = activityBetween(activityBefore, await tableActivity(database.db, POOL_CONNECTIONS));
      const versionMoved = (await state.current()).catalogueVersion !== before;
      return { academies: count, ms, scans, rowsWritten, created: report.created, updated: report.updated, unchanged: report.unchanged, versionMoved };
    };

    catalog.setAcademies(items(options.small));
    const small = await run(options.small);
    await sql`truncate academies`.execute(database.db);
    catalog.setAcademies(items(options.academies));
    const create = await run(options.academies);
    catalog.setAcademies(items(options.academies, (n) => `Changed ${n}`));
    const update = await run(options.academies);
    const noop = await run(options.academies);
    return { small, create, update, noop };
  } finally {
    await catalog.close();
    await database.close();
  }
}
