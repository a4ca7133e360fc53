import { mkdirSync } from 'node:fs';
import { lockPgliteDir } from './pglite-lock.ts';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { AcademiesTable } from './tables/academies.ts';
import type { CheckoutIntentsTable } from './tables/checkout-intents.ts';
import type { CatalogueStateTable } from './tables/catalogue-state.ts';
import type { StripeEventsTable } from './tables/stripe-events.ts';

export { DatabaseLockedError } from './pglite-lock.ts';

/** Every table this service owns; later migrations add their tables here. */
export interface Database {
  academies: AcademiesTable;
  checkout_intents: CheckoutIntentsTable;
  catalogue_state: CatalogueStateTable;
  stripe_events: StripeEventsTable;
}

export interface DatabaseOptions {
  /** A PostgreSQL connection string; when absent the embedded PGlite engine is used. */
  readonly databaseUrl?: string;
  /** Folder for a persistent PGlite database; undefined keeps it in memory. */
  readonly pgliteDir?: string;
  readonly poolMax?: number;
}

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

/** Client-side bound on one statement (tests/faults/postgres-faults.test.ts: network partition). */
export const QUERY_TIMEOUT_MS = 10_000;

export async function createDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolMax ?? 10,
      // Fail a request quickly (→ 502) rather than hang when the server is unreachable.
      connectionTimeoutMillis: 5_000,
      // A partition leaves established connections open but silent: without a bound a request would
      // hang until the HTTP request timeout and hold a pool slot. This bounds every statement's wait
      // (lock waits included, so a second sync or migration gives up after it rather than queueing).
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
    });
    // An idle client killed by the server (restart, failover, pg_terminate_backend)
    // emits 'error' on the pool; unhandled, that would crash the whole process.
    pool.on('error', (error) => {
      process.emitWarning(`idle PostgreSQL connection failed: ${error.message}`);
    });
    // A checked-out client whose connection drops (reset, failover, partition healing) emits 'error'
    // too, and the pool listens only to idle ones: without this the process crashed. Its query has
    // already failed (→ 502) and the pool discards the broken client on release.
    pool.on('connect', (client) => {
      client.on('error', (error) => {
        process.emitWarning(`PostgreSQL connection failed while in use: ${error.message}`);
      });
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  if (options.pgliteDir !== undefined) mkdirSync(options.pgliteDir, { recursive: true });
  // PGlite is single-process: a second process on the same directory would corrupt it without a word.
  const release = options.pgliteDir === undefined ? () => {} : lockPgliteDir(options.pgliteDir);
  // Loaded only for the embedded default, so a PostgreSQL deployment does not carry the engine's code.
  const [{ PGlite }, { PGliteDialect }, { btree_gist }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('kysely-pglite-dialect'),
    // The enterprise-name exclusion constraints (migrations/0004) need it.
    import('@electric-sql/pglite/contrib/btree_gist'),
  ]);
  // PostgreSQL's default 128 MB of shared buffers would live in this process's memory; the embedded
  // default holds a catalogue of academies and intents, for which 16 MB is ample (about 115 MB less RSS).
  let pglite;
  try {
    pglite = await PGlite.create({
      ...(options.pgliteDir === undefined ? {} : { dataDir: options.pgliteDir }),
      startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
      extensions: { btree_gist },
    });
  } catch (error) {
    release();
    throw error;
  }
  // kysely-pglite-dialect ≥ 1.3.1 closes PGlite when Kysely is destroyed.
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    kind: 'pglite',
    close: async () => {
      try {
        await db.destroy();
      } finally {
        release();
      }
    },
  };
}

/** The embedded engine's buffer cache (see createDatabase). */
export const PGLITE_SHARED_BUFFERS = '16MB';

/** True for PostgreSQL's exclusion_violation (SQLSTATE 23P01), from pg and from PGlite alike. */
export function isExclusionViolation(error: unknown): boolean {
  return sqlState(error) === '23P01';
}

/** True for PostgreSQL's unique_violation (SQLSTATE 23505), from pg and from PGlite alike. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}

function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
