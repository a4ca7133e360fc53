import t from 'tap';
import type { Test } from 'tap';
import { join } from 'node:path';
import { CUSTOMER, academyItem, rowsByName, syncRig } from '../helpers/sync-harness.ts';
import type { FakeCatalog } from '../helpers/fake-catalog.ts';
import { createTestDatabase } from '../helpers/test-database.ts';
import { runCli } from '../helpers/service-process.ts';

const testDatabase = await createTestDatabase();
t.teardown(() => testDatabase.close());
const { db } = testDatabase;
/**
 * The CLI's database: the harness server when there is one (TEST_DATABASE_URL or a
 * container), else one PGlite directory for the whole file, migrated by the CLI itself.
 */
const databaseEnv: Record<string, string> = testDatabase.url ? { DATABASE_URL: testDatabase.url } : { PGLITE_DIR: join(t.testdir({}), 'pglite') };

const run = (args: readonly string[], env: Record<string, string>) => runCli(args, env);

function catalogEnv(fake: FakeCatalog): Record<string, string> {
  return {
    CATALOG_API_URL: fake.apiUrl,
    CATALOG_OAUTH_TOKEN_URL: fake.tokenUrl,
    CATALOG_CLIENT_ID: fake.clientId,
    CATALOG_CLIENT_SECRET: fake.clientSecret,
    CATALOG_RETRIES: '1',
    CATALOG_TIMEOUT_MS: '2000',
    ACADEMY_SYNC_ENTERPRISE_CUSTOMER_UUID: CUSTOMER,
  };
}

/** The stdout of a sync run: exactly one JSON object on one line. */
function onlyJson(t: Test, stdout: string): Record<string, unknown> {
  const lines = stdout.split('\n').filter((line) => line.trim() !== '');
  t.equal(lines.length, 1, 'stdout holds exactly one line');
  return JSON.parse(lines[0] ?? 'null') as Record<string, unknown>;
}

t.test('the sync command prints the report as one JSON object and exits 0', async (t) => {
  const rig = await syncRig(t, db, { academies: [academyItem(1), academyItem(2, { display_order: -1 })] });
  const env = { ...catalogEnv(rig.fake), ...databaseEnv };
  if (!testDatabase.url) t.equal((await run(['migrate'], env)).code, 0, 'the PGlite directory is migrated first');

  const dry = await run(['sync', '--dry-run'], env);
  t.equal(dry.code, 0, 'the dry run exits 0');
  t.match(onlyJson(t, dry.stdout), { ok: true, dry_run: true, created: 1 }, 'the dry-run report');

  const real = await run(['sync'], env);
  t.equal(real.code, 0, 'the sync exits 0 even with an invalid item');
  t.same(
    onlyJson(t, real.stdout),
    {
      ok: true, dry_run: false, fetched: 2, filtered_out: 0,
      invalid: [{ item: '#2 00000000-0000-4000-8000-000000000002 "Academy 2"', reason: 'display_order must be a non-negative integer' }],
      warnings: [], created: 1, updated: 0, unchanged: 0, deactivated: 0,
    },
    'the full report: the dry run had written nothing',
  );
  if (testDatabase.url) t.same([...(await rowsByName(db)).keys()], ['Academy 1'], 'the valid academy is stored');
  const again = await run(['sync'], env);
  t.match(onlyJson(t, again.stdout), { ok: true, created: 0, unchanged: 1 }, 'a second run finds it unchanged');
});

t.test('an upstream failure prints {"ok": false} without secrets and exits 1', async (t) => {
  const rig = await syncRig(t, db, { academies: [academyItem(1)] });
  rig.fake.fail('academies/', { type: 'status', status: 500 });
  const result = await run(['sync'], { ...catalogEnv(rig.fake), ...databaseEnv });
  t.equal(result.code, 1, 'exit 1');
  t.same(
    onlyJson(t, result.stdout),
    { ok: false, error_code: 'catalog_unavailable', detail: 'enterprise-catalog GET /api/v1/academies/ failed: HTTP 500' },
    'the failure as one JSON object',
  );
  t.notMatch(result.stdout + result.stderr, rig.fake.clientSecret, 'the client secret is never printed');
  t.notMatch(result.stdout + result.stderr, /fake-jwt-/, 'the token is never printed');
});

t.test('CATALOG_API_URL without its credentials stops with exit 78 naming each missing variable', async (t) => {
  const result = await run(['sync'], { CATALOG_API_URL: 'http://127.0.0.1:9/api/v1/', CATALOG_CLIENT_ID: 'id', PGLITE_DIR: join(t.testdir({}), 'pglite') });
  t.equal(result.code, 78, 'EX_CONFIG');
  t.match(result.stderr, /CATALOG_OAUTH_TOKEN_URL: required when CATALOG_API_URL is set/, 'names the token URL');
  t.match(result.stderr, /CATALOG_CLIENT_SECRET/, 'names the secret');
  t.match(result.stderr, /ACADEMY_SYNC_ENTERPRISE_CUSTOMER_UUID/, 'names the customer');
  t.notMatch(result.stderr, /CATALOG_CLIENT_ID:/, 'not the variable that is set');
});

t.test('an unknown sync option prints the usage and exits 2', async (t) => {
  const result = await run(['sync', '--force'], {});
  t.equal(result.code, 2, 'exit 2');
  t.match(result.stderr, /Unknown option '--force'/, 'names the option');
  t.match(result.stderr, /usage: academy-billing sync \[options\][\s\S]*--dry-run/, 'the usage with the options');
  t.equal(result.stdout, '', 'nothing on stdout');
});
