import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrations } from '../../migrations/index.ts';
import { runCli as runAnyCli, startService } from '../helpers/service-process.ts';
import { runAdminStatement } from '../helpers/test-database.ts';

// `migrate` as one role, `serve` as another that has no DDL rights (MIGRATE_ON_SERVE=false), on the real process.

const ALL_MIGRATIONS = Object.keys(migrations);
/** A serve that wrongly did not refuse would listen on an ephemeral loopback port, not 3000. */
const runCli = (args: string[], env: Record<string, string>) => runAnyCli(args, { HOST: '127.0.0.1', PORT: '0', ...env });
const serverUrl = process.env.TEST_DATABASE_URL;
// Four to five Node processes one after another: minutes on a loaded two-core machine.
t.setTimeout(600_000);

/** serve with MIGRATE_ON_SERVE=false on an unmigrated database: exit 1, naming what is pending and what to run. */
function assertRefused(t: Test, result: { code: number | null; stderr: string }): void {
  t.equal(result.code, 1, 'serve exits 1 on an unmigrated database');
  t.match(result.stderr, new RegExp(`${ALL_MIGRATIONS.length} migration\\(s\\) pending \\(${ALL_MIGRATIONS.join(', ')}\\)`), 'naming every pending migration');
  t.match(result.stderr, /run `academy-billing migrate` first/, 'and what to do');
}

async function catalogueStatus(baseUrl: string): Promise<number> {
  return (await fetch(`${baseUrl}/api/v1/academy-products/`)).status;
}

// The same code path on either engine; the server run adds the roles, so each run takes one.
t.test('embedded database: serve with MIGRATE_ON_SERVE=false waits for `migrate`, then serves', { skip: serverUrl ? 'the PostgreSQL test below covers it' : false }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'academy-billing-migrate-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const env = { PGLITE_DIR: join(dir, 'pglite'), MIGRATE_ON_SERVE: 'false' };
  const refused = await runCli(['serve'], env);
  assertRefused(t, refused);
  const migrated = await runCli(['migrate'], env);
  t.equal(migrated.code, 0, 'migrate succeeds');
  t.same(JSON.parse(migrated.stdout), { ok: true, applied: ALL_MIGRATIONS }, 'and applies them all');
  const service = await startService(env);
  t.teardown(() => service.stop('SIGKILL'));
  t.equal(await catalogueStatus(service.baseUrl), 200, 'serve starts and answers once the schema is current');
  t.equal(await service.stop('SIGTERM'), 0, 'and drains');
});

t.test('PostgreSQL: the runtime role has no DDL rights; the migration role applies the schema', { skip: serverUrl ? false : 'needs TEST_DATABASE_URL (roles are a server feature)' }, async (t) => {
  if (!serverUrl) return;
  const suffix = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const [database, migrator, runtime] = [`test_ab_roles_${suffix}`, `ab_migrator_${suffix}`, `ab_runtime_${suffix}`];
  const urlAs = (role: string) => {
    const url = new URL(serverUrl);
    url.username = role;
    url.password = '';
    url.pathname = `/${database}`;
    return url.toString();
  };
  const inDatabase = (statement: string) => runAdminStatement(urlAs(new URL(serverUrl).username || 'postgres'), statement);
  await runAdminStatement(serverUrl, `CREATE ROLE "${migrator}" LOGIN`);
  await runAdminStatement(serverUrl, `CREATE ROLE "${runtime}" LOGIN`);
  await runAdminStatement(serverUrl, `CREATE DATABASE "${database}" OWNER "${migrator}"`);
  t.teardown(async () => {
    await runAdminStatement(serverUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await runAdminStatement(serverUrl, `DROP ROLE IF EXISTS "${runtime}"`);
    await runAdminStatement(serverUrl, `DROP ROLE IF EXISTS "${migrator}"`);
  });
  // What docs/decisions/0006 tells a DBA to grant: the runtime role reads and writes what the migration role creates.
  await inDatabase(`ALTER DEFAULT PRIVILEGES FOR ROLE "${migrator}" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "${runtime}"`);
  await inDatabase(`ALTER DEFAULT PRIVILEGES FOR ROLE "${migrator}" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "${runtime}"`);

  const runtimeEnv = { DATABASE_URL: urlAs(runtime) };
  const withoutDdl = await runCli(['migrate'], runtimeEnv);
  t.not(withoutDdl.code, 0, 'migrate as the runtime role fails');
  t.match(withoutDdl.stderr, /permission denied/, 'for lack of DDL rights');

  const early = await runCli(['serve'], { ...runtimeEnv, MIGRATE_ON_SERVE: 'false' });
  assertRefused(t, early);

  // As the migration Job runs it: MIGRATION_DATABASE_URL is the one database variable it gets.
  const migrated = await runCli(['migrate'], { MIGRATION_DATABASE_URL: urlAs(migrator) });
  t.equal(migrated.code, 0, `migrate with MIGRATION_DATABASE_URL succeeds${migrated.stderr ? `: ${migrated.stderr}` : ''}`);
  t.same(JSON.parse(migrated.stdout || '{}'), { ok: true, applied: ALL_MIGRATIONS }, 'as the migration role');

  // The embedded example sync writes the catalogue as the runtime role (inserts, the version trigger).
  const service = await startService({ ...runtimeEnv, MIGRATE_ON_SERVE: 'false' });
  t.teardown(() => service.stop('SIGKILL'));
  const body = (await (await fetch(`${service.baseUrl}/api/v1/academy-products/`)).json()) as { count: number };
  t.ok(body.count > 0, `the runtime role wrote and reads the catalogue (${body.count} academies)`);
  t.equal(await service.stop('SIGTERM'), 0, 'and drains');
});
