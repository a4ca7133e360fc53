/**
 * Peak RSS of the real `serve` process under load: the in-process figures of run.ts include the
 * fake Stripe and catalog servers and the bench itself, so the memory target is judged here, on
 * the service alone, built with tsc and run with plain node as the container image runs it
 * (`node dist/src/main.js serve`). The tsx loader that `npm start` uses costs about 100 MB more.
 *
 * With PGlite the database engine runs inside the service's process, where on PostgreSQL it is
 * another process; what opening it alone adds to a process is measured right after, on the same
 * folder with the same settings (bench/pglite-engine-rss.ts), and reported beside the figure, which
 * is then not judged (decision 11).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { freePort } from '../tests/helpers/service-process.ts';

export interface ServiceRss {
  readonly startMb: number;
  /** Highest RSS sampled during 5 s of steady load (10 connections). */
  readonly steadyPeakMb: number;
  /** Highest RSS sampled during the steady load and a 1,000-socket cold burst after it. */
  readonly peakMb: number;
  /** The kernel's high-water mark at the end, start-up included: what the target judges (sampling can miss a short peak). */
  readonly highWaterMb: number;
  readonly requests: number;
  /** PGlite only: the RSS the embedded engine adds to a process once open and answering. */
  readonly embeddedEngineMb?: number;
}

type Load = (spec: { url: string; connections: number; duration?: number; amount?: number }) => Promise<{ requests: number }>;

/** A process's resident set (VmRSS) or its high-water mark (VmHWM), in MB, from /proc. */
export async function statusMb(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN) / 1024;
}

const REPO_ROOT = new URL('..', import.meta.url).pathname;
/** Inside the repository so the build resolves node_modules; git-ignored. */
const BUILD_DIR = '.bench-dist';

export async function measureServiceRss(env: Record<string, string>, load: Load, listPath: string): Promise<ServiceRss> {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR], { cwd: REPO_ROOT, stdio: 'inherit' });
  const port = await freePort();
  const child = spawn(process.execPath, [`${BUILD_DIR}/src/main.js`, 'serve'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let sampler: ReturnType<typeof setInterval> | undefined;
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let attempt = 0; ; attempt += 1) {
      if (attempt > 300) throw new Error('the service never became ready');
      if (await fetch(`${base}/readyz`).then((r) => r.ok, () => false)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const pid = child.pid ?? 0;
    const startMb = await statusMb(pid, 'VmRSS');
    let sampledPeakMb = startMb;
    sampler = setInterval(() => {
      statusMb(pid, 'VmRSS').then((mb) => (sampledPeakMb = Math.max(sampledPeakMb, mb)), () => undefined);
    }, 25);
    const steady = await load({ url: `${base}${listPath}`, connections: 10, duration: 5 });
    const steadyPeakMb = Math.max(sampledPeakMb, await statusMb(pid, 'VmRSS'));
    const burst = await load({ url: `${base}${listPath}`, connections: 1_000, amount: 1_000 });
    clearInterval(sampler);
    const peakMb = Math.max(sampledPeakMb, steadyPeakMb, await statusMb(pid, 'VmRSS'));
    const highWaterMb = await statusMb(pid, 'VmHWM');
    child.kill('SIGTERM');
    await exited;
    // PGlite allows one process per folder: the engine is measured once the service has exited.
    const embeddedEngineMb = env.PGLITE_DIR === undefined ? undefined : measureEmbeddedEngine(env.PGLITE_DIR);
    return {
      startMb,
      steadyPeakMb,
      peakMb,
      highWaterMb,
      requests: steady.requests + burst.requests,
      ...(embeddedEngineMb === undefined ? {} : { embeddedEngineMb }),
    };
  } finally {
    clearInterval(sampler);
    child.kill('SIGTERM');
    await exited;
    await rm(new URL(`../${BUILD_DIR}`, import.meta.url), { recursive: true, force: true });
  }
}

function measureEmbeddedEngine(pgliteDir: string): number {
  const output = execFileSync(process.execPath, ['--import', 'tsx', 'bench/pglite-engine-rss.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', PGLITE_DIR: pgliteDir },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { beforeMb, openMb } = JSON.parse(output) as { beforeMb: number; openMb: number };
  return openMb - beforeMb;
}
