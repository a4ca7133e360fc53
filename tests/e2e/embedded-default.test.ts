import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForReady(url: string, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} never became ready`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

t.test('the real process with no configuration serves the example catalogue with prices', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'academy-billing-e2e-'));
  const port = await freePort();
  // Nothing configured but where to listen and where PGlite keeps its files.
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), HOST: '127.0.0.1', PGLITE_DIR: join(dataDir, 'pglite') };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  const base = `http://127.0.0.1:${port}`;
  await waitForReady(`${base}/readyz`, 60_000).catch((error: Error) => {
    throw new Error(`${error.message}\n${stderr}`);
  });
  const response = await fetch(`${base}/api/v1/academy-products/`);
  t.equal(response.status, 200);
  const body = (await response.json()) as { count: number; results: Array<{ name: string; prices: Array<{ currency: string; unit_amount_decimal: string }> }> };
  t.ok(body.count >= 5, `at least five active academies (${body.count})`);
  const data = body.results.find((r) => r.name === 'Data Academy');
  t.same(data?.prices.map((p) => [p.currency, p.unit_amount_decimal]), [['jpy', '15000']], 'the jpy price is zero-decimal');
  t.ok(body.results.every((r) => r.name !== 'Legacy Mainframe Academy'), 'the inactive example is hidden');

  child.kill('SIGTERM');
  t.equal(await exited, 0, 'SIGTERM drains and exits 0');
});

t.test('a malformed variable stops start-up with a message naming it', async (t) => {
  const env = { PATH: process.env.PATH ?? '', ACADEMY_PRODUCTS_RATE_LIMIT: 'lots', PORT: '3000' };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.equal(code, 78, 'exits with EX_CONFIG');
  t.match(stderr, /ACADEMY_PRODUCTS_RATE_LIMIT/, 'names the variable');
});

t.test('an unknown command prints the usage and exits 2', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'frobnicate'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.equal(code, 2);
  t.match(stderr, /usage: academy-billing/);
});
