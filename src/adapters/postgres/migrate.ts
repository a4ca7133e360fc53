import { Migrator } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { migrations } from '../../../migrations/index.ts';
import type { Database } from './database.ts';

const staticProvider: MigrationProvider = {
  getMigrations: async (): Promise<Record<string, Migration>> => migrations,
};

/**
 * Applies every pending migration. Safe to run from several processes at once:
 * on PostgreSQL Kysely's Migrator holds a session advisory lock while it reads
 * the migration table and applies, so a second runner waits and then finds
 * nothing left to do.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<{ applied: string[] }> {
  const migrator = new Migrator({ db, provider: staticProvider });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Database migration ${failed ? `"${failed}" ` : ''}failed: ${reason}`, { cause: error });
  }
  return { applied: results.filter((result) => result.status === 'Success').map((result) => result.migrationName) };
}

/**
 * The migrations this code has that the database has not applied, oldest first. Only reads
 * (the migration table, when it exists), so a runtime role without DDL rights can ask.
 */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: staticProvider });
  return (await migrator.getMigrations()).filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}
