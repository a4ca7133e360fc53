import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { AcademiesTable } from './tables/academies.ts';
import type { CheckoutIntentsTable } from './tables/checkout-intents.ts';

/** Every table this service owns; later migrations add their tables here. */
export interface Database {
  academies: AcademiesTable;
  checkout_intents: CheckoutIntentsTable;
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

export async function createDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolMax ?? 10,
      // Fail a request quickly (→ 502) rather than hang when the server is unreachable.
      connectionTimeoutMillis: 5_000,
    });
    // An idle client killed by the server (restart, failover, pg_terminate_backend)
    // emits 'error' on the pool; unhandled, that would crash the whole process.
    pool.on('error', (error) => {
      process.emitWarning(`idle PostgreSQL connection failed: ${error.message}`);
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  if (options.pgliteDir !== undefined) mkdirSync(options.pgliteDir, { recursive: true });
  const pglite = await PGlite.create(options.pgliteDir);
  // kysely-pglite-dialect ≥ 1.3.1 closes PGlite when Kysely is destroyed.
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return { db, kind: 'pglite', close: () => db.destroy() };
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
