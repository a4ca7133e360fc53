import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createDatabase } from '../../src/adapters/postgres/database.ts';
import type { Database } from '../../src/adapters/postgres/database.ts';
import { migrateToLatest } from '../../src/adapters/postgres/migrate.ts';
import type { AcademyRow, NewAcademyRow } from '../../src/adapters/postgres/tables/academies.ts';

export interface TestDatabase {
  readonly db: Kysely<Database>;
  readonly kind: 'postgres' | 'testcontainers' | 'pglite';
  readonly url?: string;
  close(): Promise<void>;
}

const RUNTIME_PROBE_TIMEOUT_MS = 3_000;
/**
 * The PostgreSQL image Testcontainers starts: Debian's PostgreSQL 15, the major the local server and CI
 * run. CI builds a stand-in from Debian's packages under this tag (scripts/ci/testcontainers.sh).
 */
export const TESTCONTAINERS_POSTGRES_IMAGE = 'postgres:15-bookworm';

/**
 * A freshly migrated database of its own for one test file, so files run in
 * parallel. Prefers TEST_DATABASE_URL (the real server), then a Testcontainers
 * PostgreSQL when a container runtime answers, then in-memory PGlite.
 * TEST_DATABASE_ENGINE=testcontainers requires the container (no probe deadline,
 * no fallback): CI's Testcontainers step must fail rather than quietly use PGlite.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const testDatabase = await createEmptyTestDatabase();
  try {
    await migrateToLatest(testDatabase.db);
  } catch (error) {
    await testDatabase.close();
    throw error;
  }
  return testDatabase;
}

/** The same choice of engine, but left unmigrated: for tests of the migrations themselves. */
export async function createEmptyTestDatabase(): Promise<TestDatabase> {
  if (process.env.TEST_DATABASE_ENGINE === 'testcontainers') return startPostgresContainer();
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) return createDatabaseOnServer(serverUrl);
  const container = await startPostgresContainerIfRuntime();
  if (container) return container;
  const handle = await createDatabase({});
  return { db: handle.db, kind: 'pglite', close: () => handle.close() };
}

/** CREATE DATABASE a uniquely named `test_…` database on the server and drop it (forcefully) on close. */
async function createDatabaseOnServer(serverUrl: string): Promise<TestDatabase> {
  const name = `test_ab_${process.pid}_${randomBytes(4).toString('hex')}`;
  await runAdminStatement(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await createDatabase({ databaseUrl: url.toString(), poolMax: 5 });
  return {
    db: handle.db,
    kind: 'postgres',
    url: url.toString(),
    async close() {
      await handle.close();
      await runAdminStatement(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** One statement on the server's maintenance connection (CREATE/DROP DATABASE). */
export async function runAdminStatement(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Undefined (quickly) when no container runtime answers; testcontainers is loaded only when needed. */
async function startPostgresContainerIfRuntime(): Promise<TestDatabase | undefined> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), RUNTIME_PROBE_TIMEOUT_MS);
    timer.unref();
  });
  const runtime = await Promise.race([getContainerRuntimeClient().catch(() => undefined), timedOut]);
  clearTimeout(timer);
  if (!runtime) return undefined;
  return startPostgresContainer();
}

/** A PostgreSQL container of this file's own (Ryuk or container.stop() removes it). */
async function startPostgresContainer(): Promise<TestDatabase> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(TESTCONTAINERS_POSTGRES_IMAGE).withDatabase('test').start();
  const url = container.getConnectionUri();
  const handle = await createDatabase({ databaseUrl: url, poolMax: 5 });
  return {
    db: handle.db,
    kind: 'testcontainers',
    url,
    async close() {
      await handle.close();
      await container.stop();
    },
  };
}

let academySequence = 0;

/**
 * Inserts one academy row with raw Kysely (bypassing the repository), so tests
 * can prove what the database itself accepts or refuses. Name defaults to a unique value.
 */
export async function insertAcademy(db: Kysely<Database>, overrides: Partial<NewAcademyRow> = {}): Promise<AcademyRow> {
  academySequence += 1;
  return db
    .insertInto('academies')
    .values({ name: `Academy ${process.pid}-${academySequence}`, ...overrides })
    .returningAll()
    .executeTakeFirstOrThrow();
}
