/**
 * Peak RSS of the real `serve` process under load: the in-process figures of run.ts include the
 * fake Stripe and catalog servers and the bench itself, so the memory target is judged here, on
 * the service alone, built with tsc and run with plain node as the container image runs it
 * (`node dist/src/main.js serve`). The tsx loader that `npm start` uses costs about 100 MB more.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { freePort } from '../tests/helpers/service-process.ts';

export interface ServiceRss {
  readonly startMb: number;
  /** Peak over 5 s of steady load (10 connections). */
  readonly steadyPeakMb: number;
  /** Peak once a 1,000-socket cold burst has also gone through. */
  readonly peakMb: number;
  readonly requests: number;
}

type Load = (spec: { url: string; connections: number; duration?: number; amount?: number }) => Promise<{ requests: number }>;

async function rssKb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
}

const REPO_ROOT = new URL('..', import.meta.url).pathname;
/** Inside the repository so the build resolves node_modules; git-ignored. */
const BUILD_DIR = '.bench-dist';

export async function measureServiceRss(env: Record<string, string>, load: Load, listPath: string): Promise<ServiceRss> {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR], { cwd: REPO_ROOT, stdio: 'inherit' });
  const port = await freePort();
  const child = spawn(process.execPath, [`${BUILD_DIR}/src/main.js`, 'serve'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let attempt = 0; ; attempt += 1) {
      if (attempt > 300) throw new Error('the service never became ready');
      if (await fetch(`${base}/readyz`).then((r) => r.ok, () => false)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const pid = child.pid ?? 0;
    const startKb = await rssKb(pid, 'VmRSS');
    const steady = await load({ url: `${base}${listPath}`, connections: 10, duration: 5 });
    const steadyPeakKb = await rssKb(pid, 'VmHWM');
    const burst = await load({ url: `${base}${listPath}`, connections: 1_000, amount: 1_000 });
    const peakKb = await rssKb(pid, 'VmHWM');
    return { startMb: startKb / 1024, steadyPeakMb: steadyPeakKb / 1024, peakMb: peakKb / 1024, requests: steady.requests + burst.requests };
  } finally {
    child.kill('SIGTERM');
    await exited;
    await rm(new URL(`../${BUILD_DIR}`, import.meta.url), { recursive: true, force: true });
  }
}
