import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import type { Kysely } from 'kysely';
import { createDatabase } from '../../src/adapters/postgres/database.ts';
import type { Database } from '../../src/adapters/postgres/database.ts';
import { migrateToLatest } from '../../src/adapters/postgres/migrate.ts';
import { insertIntent } from '../helpers/checkout-intents.ts';
import { REPO_ROOT } from '../helpers/service-process.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

const run = promisify(execFile);

/**
 * The jobs run as separate processes, so they need a database a child can open: the test server
 * (DATABASE_URL) when the harness has one, else a PGlite directory this file migrates, closes,
 * and hands over (PGlite allows one process at a time).
 */
interface JobDatabase {
  readonly env: Record<string, string>;
  /** Opens the database for seeding or checking; close it before running a job on PGlite. */
  open(): Promise<{ db: Kysely<Database>; close(): Promise<void> }>;
  dispose(): Promise<void>;
}

async function jobDatabase(): Promise<JobDatabase> {
  const server = await createTestDatabase();
  if (server.url) {
    return { env: { DATABASE_URL: server.url }, open: async () => ({ db: server.db, close: async () => {} }), dispose: () => server.close() };
  }
  await server.close();
  const dir = await mkdtemp(join(tmpdir(), 'academy-billing-jobs-'));
  const pgliteDir = join(dir, 'pglite');
  const first = await createDatabase({ pgliteDir });
  await migrateToLatest(first.db);
  await first.close();
  return {
    env: { PGLITE_DIR: pgliteDir },
    open: async () => {
      const handle = await createDatabase({ pgliteDir });
      return { db: handle.db, close: () => handle.close() };
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

const database = await jobDatabase();
t.teardown(() => database.dispose());

async function job(command: string, extraEnv: Record<string, string> = {}): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/main.ts', command], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...database.env, ...extraEnv },
  });
  return JSON.parse(stdout);
}

t.test('expire-intents prints the number of created intents it expired, as JSON', async (t) => {
  const seed = await database.open();
  await seed.db.deleteFrom('checkout_intents').execute();
  await insertIntent(seed.db, { user_id: 'a', expires_at: new Date(Date.now() - 60_000) });
  await insertIntent(seed.db, { user_id: 'b', expires_at: new Date(Date.now() - 60_000) });
  await insertIntent(seed.db, { user_id: 'c', expires_at: new Date(Date.now() + 3_600_000) });
  await seed.close();

  t.same(await job('expire-intents'), { ok: true, expired: 2 }, 'two stale intents expired');
  t.same(await job('expire-intents'), { ok: true, expired: 0 }, 'nothing left on a second run');
});

t.test('mark-stalled-intents prints the number of paid intents it marked stalled, as JSON', async (t) => {
  const seed = await database.open();
  await seed.db.deleteFrom('checkout_intents').execute();
  await insertIntent(seed.db, { user_id: 'a', state: 'paid', modified: new Date(Date.now() - 3_600_000) });
  await insertIntent(seed.db, { user_id: 'b', state: 'paid', modified: new Date() });
  await seed.close();

  t.same(await job('mark-stalled-intents', { STALLED_FULFILLMENT_SECONDS: '600' }), { ok: true, stalled: 1 }, 'only the hour-old paid intent');
  const check = await database.open();
  const states = await check.db.selectFrom('checkout_intents').select(['user_id', 'state']).orderBy('user_id').execute();
  await check.close();
  t.same(states, [{ user_id: 'a', state: 'errored_fulfillment_stalled' }, { user_id: 'b', state: 'paid' }], 'the fresh one is still paid');
});
