import t from 'tap';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, freePort, startService } from '../helpers/service-process.ts';

t.test('the real process with no configuration serves the example catalogue with prices', async (t) => {
  const service = await startService();
  t.teardown(() => service.stop('SIGKILL'));
  const response = await fetch(`${service.baseUrl}/api/v1/academy-products/`);
  t.equal(response.status, 200);
  const body = (await response.json()) as { count: number; results: Array<{ name: string; prices: Array<{ currency: string; unit_amount_decimal: string }> }> };
  t.ok(body.count >= 5, `at least five active academies (${body.count})`);
  const data = body.results.find((r) => r.name === 'Data Academy');
  t.same(data?.prices.map((p) => [p.currency, p.unit_amount_decimal]), [['jpy', '15000']], 'the jpy price is zero-decimal');
  t.ok(body.results.every((r) => r.name !== 'Legacy Mainframe Academy'), 'the inactive example is hidden');
  t.equal((await fetch(`${service.baseUrl}/metrics`)).status, 404, 'the API port has no /metrics');
  t.equal((await fetch(`${service.baseUrl}/docs/`)).status, 200, 'the embedded default serves /docs');
  const metrics = await (await fetch(service.metricsUrl)).text();
  for (const name of ['http_requests_total', 'academy_price_cache_lookups_total', 'academy_upstream_calls_total', 'academy_sync_last_run_success', 'process_resident_memory_bytes']) {
    t.match(metrics, new RegExp(`^${name}`, 'm'), `/metrics exposes ${name}`);
  }
  t.equal(await service.stop('SIGTERM'), 0, 'SIGTERM drains and exits 0');
});

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

t.test('a malformed variable stops start-up with a message naming it', async (t) => {
  const { code, stderr } = await runCli(['serve'], { ACADEMY_PRODUCTS_RATE_LIMIT: 'lots' });
  t.equal(code, 78, 'exits with EX_CONFIG');
  t.match(stderr, /ACADEMY_PRODUCTS_RATE_LIMIT/, 'names the variable');
});

t.test('a METRICS_PORT already taken stops start-up (exit 1) naming the setting; one equal to PORT is refused (78)', async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  const address = taken.address();
  const metricsPort = String(typeof address === 'object' && address ? address.port : 0);
  const dataDir = await mkdtemp(join(tmpdir(), 'academy-billing-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const env = { HOST: '127.0.0.1', PORT: String(await freePort()), PGLITE_DIR: join(dataDir, 'pglite'), LOG_LEVEL: 'warn' };
  const busy = await runCli(['serve'], { ...env, METRICS_PORT: metricsPort });
  t.equal(busy.code, 1, 'exit 1');
  t.match(busy.stderr, new RegExp(`METRICS_PORT ${metricsPort}: cannot listen \\(.*EADDRINUSE`), 'names the setting and the cause');
  const same = await runCli(['serve'], { ...env, METRICS_PORT: env.PORT });
  t.equal(same.code, 78, 'exit 78');
  t.match(same.stderr, /METRICS_PORT: must differ from PORT/);
});

t.test('an unknown command prints the usage and exits 2', async (t) => {
  const { code, stderr } = await runCli(['frobnicate'], {});
  t.equal(code, 2, 'exit 2');
  t.match(stderr, /unknown command "frobnicate"[\s\S]*usage: academy-billing <command>[\s\S]*^ {2}serve +Serve the HTTP API/m, 'the usage with the commands');
});
