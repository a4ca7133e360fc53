/**
 * What the service asked of its database, read from PostgreSQL's own statistics (no hook in the service):
 * `pg_stat_user_tables`, summed over the service's tables. Every statement the service runs reads or
 * writes one of them, so a statement per request shows as a scan per request; reading the statistics
 * views (system catalogs) counts nothing there, so these reads do not count themselves.
 */
import { sql, type Kysely } from 'kysely';

export interface TableActivity {
  /** Sequential plus index scans started on the service's tables: at least one per statement that reads a table. */
  readonly scans: number;
  /** Rows inserted, updated and deleted. */
  readonly rowsWritten: number;
}

/**
 * Each backend keeps its counts to itself until it reports them: at most once a second while busy, and
 * up to ~10 s after it goes idle. `pg_stat_force_next_flush()` (PostgreSQL 15+) makes a backend report
 * when the statement that calls it ends, before the client gets its answer; it is sent on `connections`
 * connections of `db`'s pool at once, which reaches every connection the pool holds. The same works on
 * PGlite's one in-process backend.
 */
export async function tableActivity<DB>(db: Kysely<DB>, connections: number): Promise<TableActivity> {
  await Promise.all(Array.from({ length: Math.max(1, connections) }, () => sql`select pg_stat_force_next_flush()`.execute(db)));
  const { rows } = await sql<{ scans: string | number; rows_written: string | number }>`
    select coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) as scans,
           coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) as rows_written
    from pg_stat_user_tables`.execute(db);
  const [row] = rows;
  return { scans: Number(row?.scans ?? 0), rowsWritten: Number(row?.rows_written ?? 0) };
}

/** `after - before`. */
export function activityBetween(before: TableActivity, after: TableActivity): TableActivity {
  return { scans: after.scans - before.scans, rowsWritten: after.rowsWritten - before.rowsWritten };
}
