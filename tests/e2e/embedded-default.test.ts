import t from 'tap';
import { spawn } from 'node:child_process';
import { REPO_ROOT, startService } from '../helpers/service-process.ts';

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

t.test('an unknown command prints the usage and exits 2', async (t) => {
  const { code, stderr } = await runCli(['frobnicate'], {});
  t.equal(code, 2, 'exit 2');
  t.match(stderr, /unknown command "frobnicate"[\s\S]*usage: academy-billing <command>[\s\S]*^ {2}serve +Serve the HTTP API/m, 'the usage with the commands');
});
