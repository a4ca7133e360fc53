import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO_ROOT = new URL('../..', import.meta.url).pathname;

export interface ServiceProcess {
  readonly baseUrl: string;
  /** The metrics listener (METRICS_PORT, a free port of its own unless `env` sets one). */
  readonly metricsUrl: string;
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything the process wrote so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts `academy-billing serve` (after `nodeArgs`, e.g. a preload) as a real process with only the given variables (plus a private
 * PGlite directory unless DATABASE_URL is given, and a free METRICS_PORT so processes run side by side)
 * and waits until /readyz answers 200.
 */
export async function startService(
  env: Record<string, string> = {},
  readyWithinMs = 240_000,
  nodeArgs: readonly string[] = [],
  /** A built `main.js` (buildService) run with plain node, as the image runs it; default: src/main.ts through tsx. */
  builtMain?: string,
): Promise<ServiceProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'academy-billing-'));
  const port = await freePort();
  const metricsPort = env.METRICS_PORT ?? String(await freePort());
  const program = builtMain === undefined ? ['--import', 'tsx', ...nodeArgs, 'src/main.ts'] : [...nodeArgs, builtMain];
  const child = spawn(process.execPath, [...program, 'serve'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: metricsPort, PGLITE_DIR: join(dataDir, 'pglite'), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exited.then(() => rm(dataDir, { recursive: true, force: true }));
  const baseUrl = `http://127.0.0.1:${port}`;
  const service: ServiceProcess = {
    baseUrl,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    child,
    exited,
    output: () => ({ stdout, stderr }),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}\n${stderr}`);
    try {
      if ((await fetch(`${baseUrl}/readyz`)).ok) return service;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await service.stop('SIGKILL');
      throw new Error(`service never became ready\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Runs one `academy-billing` command (after `nodeArgs`, e.g. a preload) with only the given variables, to its end. */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, 'src/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/**
 * Builds the service with tsc as the image does (tsconfig.build.json) into a folder of its own inside the
 * repository (so node_modules resolve; `.test-dist/` is git-ignored) and returns its `src/main.js`;
 * `remove` deletes the folder. Measurements of the process (memory) are made on this, not on tsx, which
 * costs about 100 MB more.
 */
export async function buildService(): Promise<{ main: string; remove: () => Promise<void> }> {
  const dir = join(REPO_ROOT, '.test-dist', `${process.pid}-${randomBytes(4).toString('hex')}`);
  await promisify(execFile)(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', dir], { cwd: REPO_ROOT });
  return { main: join(dir, 'src', 'main.js'), remove: () => rm(dir, { recursive: true, force: true }) };
}
