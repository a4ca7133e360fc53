import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import t from 'tap';
import type { Test } from 'tap';
import { COMMANDS } from '../../src/cli/commands.ts';
import { runCommandLine } from '../../src/cli/run-command.ts';
import { createDatabase, DatabaseLockedError } from '../../src/adapters/postgres/database.ts';
import { lockPgliteDir } from '../../src/adapters/postgres/pglite-lock.ts';
import { freePort, REPO_ROOT } from '../helpers/service-process.ts';

const packageVersion = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Outcome {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the command line in this process with its own streams and environment. */
async function cli(argv: readonly string[], env: Record<string, string> = {}): Promise<Outcome> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const status = await runCommandLine(COMMANDS, argv, { stdout, stderr, env: { LOG_LEVEL: 'warn', ...env } });
  return { status, stdout: out, stderr: err };
}

/** stdout as exactly one JSON object on one line. */
function onlyJson(t: Test, stdout: string): Record<string, unknown> {
  const lines = stdout.split('\n').filter((line) => line.trim() !== '');
  t.equal(lines.length, 1, 'stdout holds exactly one line');
  return JSON.parse(lines[0] ?? 'null') as Record<string, unknown>;
}

t.test('--help lists every command with its summary on stdout and exits 0', async (t) => {
  for (const flag of ['--help', '-h']) {
    const result = await cli([flag]);
    t.equal(result.status, 0, `${flag} exits 0`);
    for (const command of COMMANDS) t.match(result.stdout, new RegExp(`^  ${command.name} +\\S`, 'm'), `${flag} lists ${command.name}`);
    t.equal(result.stderr, '', 'nothing on stderr');
  }
});

t.test('--version prints the package version', async (t) => {
  const result = await cli(['--version']);
  t.same(result, { status: 0, stdout: `${packageVersion}\n`, stderr: '' }, 'the version of package.json');
});

t.test("every command's --help says what it does, its options and variables, and touches no database", async (t) => {
  const pgliteDir = join(t.testdir({}), 'never-created');
  for (const command of COMMANDS) {
    const result = await cli([command.name, '--help'], { PGLITE_DIR: pgliteDir, DATABASE_POOL_MAX: 'not a number' });
    t.equal(result.status, 0, `${command.name} --help exits 0 (even with an invalid setting: the configuration is not read)`);
    t.match(result.stdout, `usage: academy-billing ${command.name}`, `${command.name}: the usage line`);
    t.match(result.stdout, command.description.split('\n')[0] ?? '', `${command.name}: what it does`);
    t.match(result.stdout, /-h, --help/, `${command.name}: the options`);
    for (const variable of command.variables) t.match(result.stdout, variable, `${command.name}: reads ${variable}`);
  }
  t.match((await cli(['sync', '-h'])).stdout, /--dry-run +compute the report without writing/, 'sync documents --dry-run');
  t.notOk(existsSync(pgliteDir), 'no database directory was created');
});

t.test('an unknown command, a missing command, an unknown flag or a stray argument print usage on stderr and exit 2', async (t) => {
  const cases: [readonly string[], RegExp][] = [
    [['frobnicate'], /unknown command "frobnicate"/],
    [[], /no command given/],
    [['migrate', '--force'], /Unknown option '--force'/],
    [['expire-intents', 'now'], /Unexpected argument 'now'/],
    [['--verbose'], /unknown command "--verbose"/],
  ];
  for (const [argv, problem] of cases) {
    const result = await cli(argv);
    t.equal(result.status, 2, `${argv.join(' ') || '(nothing)'} exits 2`);
    t.match(result.stderr, problem, 'names the problem');
    t.match(result.stderr, /usage: academy-billing/, 'prints the usage');
    t.equal(result.stdout, '', 'nothing on stdout');
  }
});

t.test('with the database down every job prints one {"ok": false} object and exits 1', async (t) => {
  const closedPort = await freePort();
  for (const command of COMMANDS.filter((candidate) => candidate.kind === 'job')) {
    const result = await cli([command.name], { DATABASE_URL: `postgres://app:hunter2@127.0.0.1:${closedPort}/nowhere` });
    t.equal(result.status, 1, `${command.name} exits 1`);
    const body = onlyJson(t, result.stdout);
    t.match(body, { ok: false, error_code: 'database_unavailable', detail: /could not be reached.*ECONNREFUSED/ }, `${command.name}: the failure`);
    t.notMatch(result.stdout + result.stderr, 'hunter2', 'the password is never printed');
  }
});

t.test("a job is not stopped by a wrong setting it does not read; serve (which reads them all) is", async (t) => {
  const closedPort = await freePort();
  // Each is refused (78) by serve: a short JWT secret, half the catalog credentials.
  const unused: Record<string, string> = { JWT_SECRET_KEY: 'short', CATALOG_API_URL: 'http://127.0.0.1:9/api/v1/' };
  const database = { DATABASE_URL: `postgres://app@127.0.0.1:${closedPort}/nowhere` };
  for (const command of COMMANDS.filter((candidate) => candidate.kind === 'job')) {
    const notRead = Object.fromEntries(Object.entries(unused).filter(([name]) => !command.variables.includes(name)));
    if (Object.keys(notRead).length === 0) continue;
    const result = await cli([command.name], { ...database, ...notRead });
    t.match(onlyJson(t, result.stdout), { ok: false, error_code: 'database_unavailable' }, `${command.name} ignores ${Object.keys(notRead).join(', ')} and gets as far as the database`);
  }
  const served = await cli(['serve'], { ...database, ...unused });
  t.equal(served.status, 78, 'serve refuses the same settings');
  t.match(served.stderr, /JWT_SECRET_KEY/, 'naming them');
});

t.test('an invalid configuration prints the message on stderr, one JSON object for a job, and exits 78', async (t) => {
  const result = await cli(['expire-intents'], { DATABASE_POOL_MAX: '0' });
  t.equal(result.status, 78, 'EX_CONFIG');
  t.match(result.stderr, /DATABASE_POOL_MAX: must be between 1 and 100/, 'names the variable');
  t.match(onlyJson(t, result.stdout), { ok: false, error_code: 'invalid_configuration', detail: /DATABASE_POOL_MAX/ }, 'the failure object');
});

t.test('every job reads LOG_FORMAT, like LOG_LEVEL: listed in its --help, and a wrong value stops it with 78', async (t) => {
  for (const command of COMMANDS.filter((candidate) => candidate.kind === 'job')) {
    t.match((await cli([command.name, '--help'])).stdout, /LOG_FORMAT/, `${command.name} --help lists LOG_FORMAT`);
    const result = await cli([command.name], { LOG_FORMAT: 'text', PGLITE_DIR: join(t.testdir({}), 'pglite') });
    t.equal(result.status, 78, `${command.name}: EX_CONFIG`);
    t.match(result.stderr, /LOG_FORMAT/, `${command.name}: names the variable`);
  }
});

t.test('serve with a CORS origin no browser sends exits 78 naming CORS_ALLOWED_ORIGINS, before opening any database', async (t) => {
  const result = await cli(['serve'], { CORS_ALLOWED_ORIGINS: 'https://app.example.com/', PGLITE_DIR: join(t.testdir({}), 'pglite') });
  t.equal(result.status, 78, 'EX_CONFIG');
  t.match(result.stderr, /CORS_ALLOWED_ORIGINS: "https:\/\/app\.example\.com\/" is not written as a browser sends it/, 'names the variable and the entry');
  t.equal(result.stdout, '', 'serve prints nothing on stdout');
});

t.test('a job on a PGlite directory held by another process is refused with a clear message', async (t) => {
  const pgliteDir = join(t.testdir({}), 'pglite');
  const holder = await createDatabase({ pgliteDir });
  t.teardown(() => holder.close());
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/main.ts', 'expire-intents'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', PGLITE_DIR: pgliteDir },
  }).catch((error: { code: number; stdout: string }) => {
    t.equal(error.code, 1, 'exit 1');
    return error;
  });
  t.match(
    onlyJson(t, stdout),
    { ok: false, error_code: 'database_locked', detail: new RegExp(`PGLITE_DIR ${pgliteDir} is in use by another academy-billing process \\(pid ${process.pid}`) },
    'names the directory and the holder',
  );
  await holder.close();
  t.notOk(existsSync(`${pgliteDir}.lock`), 'closing releases the lock');
});

t.test('the PGlite lock is taken over from a process that is gone, and refused to a live or remote one', async (t) => {
  const dir = join(t.testdir({}), 'pglite');
  const deadPid = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['-e', '']);
    child.on('exit', () => resolve(child.pid ?? 0));
  });
  writeFileSync(`${dir}.lock`, JSON.stringify({ pid: deadPid, host: hostname() }));
  const release = lockPgliteDir(dir);
  t.pass(`a lock left by pid ${deadPid}, which has exited, is taken over`);
  release();

  writeFileSync(`${dir}.lock`, JSON.stringify({ pid: process.ppid, host: hostname() }));
  t.throws(() => lockPgliteDir(dir), DatabaseLockedError, 'a live process on this host keeps it');
  writeFileSync(`${dir}.lock`, JSON.stringify({ pid: deadPid, host: 'another-host' }));
  t.throws(() => lockPgliteDir(dir), /pid \d+ on another-host/, 'a holder on another host cannot be checked and keeps it');
  writeFileSync(`${dir}.lock`, '{"pid":');
  const afterCrash = lockPgliteDir(dir);
  t.pass('a half-written lock file is stale');
  afterCrash();
  t.notOk(existsSync(`${dir}.lock`), 'released');
});
