/**
 * `npm run bench`: the public catalogue and `/healthz` against a bare Fastify app (no plugins) serving
 * the same bytes in the same process (issue 13), Stripe and SQL volume per request (SQL read from
 * PostgreSQL's own statistics: bench/table-activity.ts), a cold burst, and the sync at scale (issue 6).
 * Targets are checked here and printed as PASS/FAIL; results go to bench/results.json.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { buildApp } from '../src/adapters/http/app.ts';
import { createLogger } from '../src/adapters/logging/pino-logger.ts';
import { buildServer } from '../src/composition-root.ts';
import { loadConfig } from '../src/config.ts';
import { startFakeCatalog } from '../tests/helpers/fake-catalog.ts';
import { startFakeStripe, stripePrice } from '../tests/helpers/fake-stripe.ts';
import { CUSTOMER, academyItem } from '../tests/helpers/sync-harness.ts';
import { createBenchDatabase } from './databases.ts';
import { BARE_DETAIL, BARE_HEALTH, BARE_LIST, startBareApp } from './bare-app.ts';
import { printReport, type EndpointResult, type BenchResults } from './report.ts';
import { measureServiceRss } from './service-rss.ts';
import { measureSyncAtScale } from './sync-scale.ts';
import { tableActivity } from './table-activity.ts';

const ACADEMIES = 50;
const SYNC_ACADEMIES = 5_000;
const CONNECTIONS = 10;
const WARMUP_SECONDS = 2;
// Short rounds, interleaved: each endpoint sees the same drift in what else the machine is doing, and
// each round gives one ratio to its bare baseline (report.ts judges the median of those: an odd count).
const ROUNDS = 7;
const ROUND_SECONDS = 2;
const COLD_REQUESTS = 1_000;
const LIST = '/api/v1/academy-products/';
const REPO_ROOT = new URL('..', import.meta.url).pathname;

interface LoadResult {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly errors: number;
  readonly statuses: Record<string, number>;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly latenciesMs: number[];
  readonly cpuAtEnd: NodeJS.CpuUsage;
}

/** autocannon in a child process, so the load generator never shares the server's event loop. */
function load(spec: { url: string; connections: number; duration?: number; amount?: number; headers?: Record<string, string> }): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts', JSON.stringify(spec)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    // The server's CPU clock when the load ends (the report's first bytes): reading and parsing the
    // report below must not count as serving requests.
    let cpuAtEnd: NodeJS.CpuUsage | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      cpuAtEnd ??= process.cpuUsage();
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve({ ...(JSON.parse(out) as LoadResult), cpuAtEnd: cpuAtEnd ?? process.cpuUsage() }) : reject(new Error(`load generator exited with ${code}`)),
    );
  });
}

const serverUrl = process.env.DATABASE_URL;
const pgliteDir = await mkdtemp(join(tmpdir(), 'academy-billing-bench-'));
const benchDatabase = serverUrl ? await createBenchDatabase(serverUrl, 'http') : undefined;
const cleanups: Array<() => Promise<unknown>> = [() => rm(pgliteDir, { recursive: true, force: true })];
if (benchDatabase) cleanups.unshift(() => benchDatabase.drop());

try {
  const results = await runBench();
  const failed = printReport(results);
  await writeFile(new URL('results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  process.exitCode = failed > 0 ? 1 : 0;
} finally {
  for (const cleanup of cleanups) await cleanup().catch((error: unknown) => console.error('cleanup failed:', error));
}

async function runBench(): Promise<BenchResults> {
  const stripe = await startFakeStripe({
    prices: Array.from({ length: ACADEMIES }, (_, i) =>
      stripePrice({ id: `price_bench_${i + 1}`, lookup_key: `bench_price_${i + 1}`, product: `prod_bench_${i + 1}`, unit_amount: 1_000 + i }),
    ),
  });
  cleanups.unshift(() => stripe.close());
  const catalog = await startFakeCatalog({
    pageSize: 100,
    enterpriseCustomer: CUSTOMER,
    academies: Array.from({ length: ACADEMIES }, (_, i) =>
      academyItem(i + 1, {
        stripe_price_lookup_key: `bench_price_${i + 1}`,
        stripe_product_id: `prod_bench_${i + 1}`,
        display_order: i,
        tags: [{ id: 1, title: 'bench' }, { id: i + 2, title: `topic-${i % 5}` }],
      }),
    ),
  });
  cleanups.unshift(() => catalog.close());

  // The service's environment, shared by the in-process server and the separate serve process.
  const serviceEnv: Record<string, string> = {
    ...(benchDatabase ? { DATABASE_URL: benchDatabase.url } : { PGLITE_DIR: join(pgliteDir, 'pglite') }),
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_API_URL: stripe.url,
    CATALOG_API_URL: catalog.apiUrl,
    CATALOG_OAUTH_TOKEN_URL: catalog.tokenUrl,
    CATALOG_CLIENT_ID: catalog.clientId,
    CATALOG_CLIENT_SECRET: catalog.clientSecret,
    ACADEMY_SYNC_ENTERPRISE_CUSTOMER_UUID: CUSTOMER,
    ACADEMY_PRODUCTS_RATE_LIMIT: '1000000/second',
  };
  const config = loadConfig({ ...serviceEnv, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn' });
  const logger = createLogger(config.logLevel);
  const deps = await buildServer(config, logger);
  // Table scans on the service's tables, from PostgreSQL's statistics (every pool connection asked to report first).
  const scansSoFar = async () => (await tableActivity(deps.database.db, config.database.poolMax)).scans;
  let depsClosed = false;
  cleanups.unshift(async () => depsClosed || deps.close());
  await deps.migrate();
  const loaded = await deps.useCases.syncAcademies();
  if (loaded.created !== ACADEMIES) throw new Error(`expected ${ACADEMIES} academies, the sync created ${loaded.created}`);

  const app = await buildApp(deps.useCases, {
    logger,
    trustProxy: 0,
    rateLimit: config.academies.rateLimit,
    metricsRegistry: deps.metricsRegistry,
    docsEnabled: config.server.docsEnabled,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  cleanups.unshift(() => app.close());
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const first = await fetch(`${base}${LIST}`);
  const etag = first.headers.get('etag') ?? '';
  const detailPath = `${LIST}prod_bench_7/`;
  const bodies = {
    list: Buffer.from(await first.arrayBuffer()),
    detail: Buffer.from(await (await fetch(`${base}${detailPath}`)).arrayBuffer()),
  };
  const bare = await startBareApp(bodies);
  cleanups.unshift(() => bare.app.close());

  // Body serializations are counted by wrapping JSON.stringify (bench only): a list envelope or an
  // academy is a catalogue body; a cached body needs none. (pino's per-request child logger also
  // calls JSON.stringify, in the baseline too: not counted.)
  let stringifyCalls = 0;
  const stringify = JSON.stringify;
  JSON.stringify = ((...args: Parameters<typeof stringify>) => {
    const [value] = args;
    if (typeof value === 'object' && value !== null && ('results' in value || 'prices' in value)) stringifyCalls += 1;
    return stringify(...args);
  }) as typeof JSON.stringify;

  const startRssBytes = process.memoryUsage().rss;
  let peakRssBytes = 0;
  const rssSampler = setInterval(() => (peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss)), 50);
  cleanups.unshift(async () => clearInterval(rssSampler));

  // Names are what report.ts judges by; `bare …` are the baselines.
  const endpoints = [
    { name: 'bare list bytes', url: `${bare.base}${BARE_LIST}`, headers: {} },
    { name: 'list 200', url: `${base}${LIST}`, headers: {} },
    { name: 'bare detail bytes', url: `${bare.base}${BARE_DETAIL}`, headers: {} },
    { name: 'detail 200', url: `${base}${detailPath}`, headers: {} },
    { name: 'list 304 (If-None-Match)', url: `${base}${LIST}`, headers: { 'if-none-match': etag } },
    { name: 'bare /healthz', url: `${bare.base}${BARE_HEALTH}`, headers: {} },
    { name: '/healthz', url: `${base}/healthz`, headers: {} },
  ] as const;
  for (const endpoint of endpoints) await load({ url: endpoint.url, connections: CONNECTIONS, duration: WARMUP_SECONDS, headers: endpoint.headers });

  const totals = new Map<string, { requests: number; seconds: number; cpuMicros: number; scans: number; stripeCalls: number; stringify: number; statuses: Record<string, number>; latencies: number[]; errors: number; cpuPerRound: number[] }>();
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const endpoint of endpoints) {
      const scans = await scansSoFar();
      const before = { stripe: stripe.calls, stringify: stringifyCalls, cpu: process.cpuUsage() };
      const result = await load({ url: endpoint.url, connections: CONNECTIONS, duration: ROUND_SECONDS, headers: endpoint.headers });
      const cpu = { user: result.cpuAtEnd.user - before.cpu.user, system: result.cpuAtEnd.system - before.cpu.system };
      const total = totals.get(endpoint.name) ?? { requests: 0, seconds: 0, cpuMicros: 0, scans: 0, stripeCalls: 0, stringify: 0, statuses: {}, latencies: [], errors: 0, cpuPerRound: [] };
      total.requests += result.requests;
      total.seconds += result.requests / result.requestsPerSecond;
      total.cpuMicros += cpu.user + cpu.system;
      total.cpuPerRound.push((cpu.user + cpu.system) / result.requests);
      total.scans += (await scansSoFar()) - scans;
      total.stripeCalls += stripe.calls - before.stripe;
      total.stringify += stringifyCalls - before.stringify;
      total.errors += result.errors;
      for (const [status, count] of Object.entries(result.statuses)) total.statuses[status] = (total.statuses[status] ?? 0) + count;
      // Not push(...): a round can hold more latencies than a call's argument limit.
      for (const latency of result.latenciesMs) total.latencies.push(latency);
      totals.set(endpoint.name, total);
    }
  }
  const endpointResults: EndpointResult[] = endpoints.map(({ name }) => {
    const total = totals.get(name);
    if (!total) throw new Error(`no measurements for ${name}`);
    const sorted = total.latencies.sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
    return {
      name,
      requests: total.requests,
      errors: total.errors,
      statuses: total.statuses,
      requestsPerSecond: total.requests / total.seconds,
      p50Ms: at(50),
      p99Ms: at(99),
      cpuMicrosPerRequest: total.cpuMicros / total.requests,
      cpuMicrosPerRound: total.cpuPerRound,
      scans: total.scans,
      seconds: total.seconds,
      scansPer1000: (total.scans / total.requests) * 1000,
      stripeCallsPer1000: (total.stripeCalls / total.requests) * 1000,
      serializationsPer1000: (total.stringify / total.requests) * 1000,
    };
  });

  const steadyPeakRssBytes = peakRssBytes;
  // Cold: another writer bumps the catalogue version and another replica the price generation (as its
  // price webhook would), so within a second the read model and the price cache are dropped; then 1,000 requests at once.
  await sql`update academies set modified = modified where false`.execute(deps.database.db);
  await sql`update catalogue_state set price_generation = price_generation + 1`.execute(deps.database.db);
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const cold = { scans: await scansSoFar(), stripe: stripe.calls };
  const burst = await load({ url: `${base}${LIST}`, connections: COLD_REQUESTS, amount: COLD_REQUESTS });
  const coldResult = {
    requests: burst.requests,
    ok: burst.statuses['200'] ?? 0,
    stripeCalls: stripe.calls - cold.stripe,
    expectedStripeCalls: Math.ceil(ACADEMIES / 10),
    scans: (await scansSoFar()) - cold.scans,
    p99Ms: burst.p99Ms,
  };
  clearInterval(rssSampler);
  JSON.stringify = stringify;
  await app.close();
  await bare.app.close();
  // The same database, now served by the real process alone (PGlite allows one process: close ours first).
  await deps.close();
  depsClosed = true;
  const service = await measureServiceRss(serviceEnv, load, LIST);

  const syncDatabase = serverUrl ? await createBenchDatabase(serverUrl, 'sync') : undefined;
  if (syncDatabase) cleanups.unshift(() => syncDatabase.drop());
  const sync = await measureSyncAtScale({ ...(syncDatabase ? { databaseUrl: syncDatabase.url } : {}), academies: SYNC_ACADEMIES, small: 500 });

  return {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version, database: deps.database.kind, connections: CONNECTIONS, secondsPerEndpoint: ROUNDS * ROUND_SECONDS },
    academies: ACADEMIES,
    responseBytes: bodies.list.length,
    endpoints: endpointResults,
    peakRssMb: steadyPeakRssBytes / 1_048_576,
    burstPeakRssMb: peakRssBytes / 1_048_576,
    startRssMb: startRssBytes / 1_048_576,
    service,
    cold: coldResult,
    sync,
  };
}
