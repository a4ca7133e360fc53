import t from 'tap';
import { Gauge, Registry } from 'prom-client';
import { prometheusTelemetry } from '../../src/adapters/metrics/prometheus-telemetry.ts';
import { buildMetricsServer } from '../../src/adapters/http/metrics-server.ts';
import { cachedPriceSource } from '../../src/application/read-model/cached-price-source.ts';
import { instrumentCatalogSource, instrumentPriceSource, instrumentSync } from '../../src/application/instrumented-sources.ts';
import { systemStopwatch } from '../../src/application/ports/clock.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import type { SyncReport } from '../../src/application/sync-academies.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { fakePriceSource, usdPrice } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';

/** The value of one sample of the exposition text, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name}{`) || candidate.startsWith(`${name} `) ? wanted.every((label) => candidate.includes(label)) : false);
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

async function setup() {
  const registry = new Registry();
  const intentCounts = new Map([['created', 2], ['paid', 1]]);
  let intentReads = 0;
  let now = 0;
  const telemetry = prometheusTelemetry(registry, {
    countIntentsByState: async () => {
      intentReads += 1;
      return new Map(intentCounts);
    },
    nowMs: () => now,
  });
  const stripe = fakePriceSource([usdPrice('ai_yearly')]);
  const prices = cachedPriceSource(instrumentPriceSource(stripe, telemetry), {
    ttlMs: 60_000,
    timeoutMs: 1_000,
    failureBackoffMs: 0,
    clock: { now: () => new Date(now) },
    logger: silentLogger,
    telemetry,
  });
  let syncFails = false;
  const sync = instrumentSync(
    async () => {
      if (syncFails) throw new Error('catalog down');
      return {} as SyncReport;
    },
    telemetry,
    { now: () => new Date(1_800_000_000_000) },
  );
  const app = await buildTestApp({
    academies: inMemoryAcademyRepository([{ name: 'AI Academy', slug: 'ai', stripePriceLookupKey: 'ai_yearly' }]),
    prices,
    metricsRegistry: registry,
  });
  t.teardown(() => app.close());
  // Scraped where `serve` serves it: the metrics listener over the same registry, not the public app.
  const metricsServer = await buildMetricsServer(registry, { logger: false });
  t.teardown(() => metricsServer.close());
  const scrape = async () => (await metricsServer.inject({ url: '/metrics' })).body;
  return { app, registry, stripe, scrape, sync, intentCounts, reads: () => intentReads, advance: (ms: number) => (now += ms), failSync: () => (syncFails = true) };
}

t.test('requests are counted and timed by route template and status', async (t) => {
  const { app, scrape } = await setup();
  await app.inject({ url: '/api/v1/academy-products/' });
  await app.inject({ url: '/api/v1/academy-products/ai/' });
  await app.inject({ url: '/api/v1/academy-products/nope/' });
  const text = await scrape();
  t.equal(sample(text, 'http_requests_total', { route: '/api/v1/academy-products/', status: '200' }), 1, 'one list request');
  t.equal(sample(text, 'http_requests_total', { route: '/api/v1/academy-products/:id/', status: '200' }), 1, 'one detail hit');
  t.equal(sample(text, 'http_requests_total', { route: '/api/v1/academy-products/:id/', status: '404' }), 1, 'one detail miss');
  t.equal(sample(text, 'http_request_duration_seconds_count', { route: '/api/v1/academy-products/', status: '200' }), 1, 'its duration observed');
});

t.test('each duration lands in its bucket; counts go on across scrapes and after the registry is reset', async (t) => {
  const { app, registry, scrape } = await setup();
  const healthz = { route: '/healthz', status: '200' };
  const figures = (text: string) => ({
    requests: sample(text, 'http_requests_total', healthz),
    count: sample(text, 'http_request_duration_seconds_count', healthz),
    inf: sample(text, 'http_request_duration_seconds_bucket', { ...healthz, le: '+Inf' }),
    sum: sample(text, 'http_request_duration_seconds_sum', healthz),
    buckets: ['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5'].map((le) => sample(text, 'http_request_duration_seconds_bucket', { ...healthz, le })),
  });
  const started = performance.now();
  for (let i = 0; i < 3; i += 1) await app.inject({ url: '/healthz' });
  const elapsedSeconds = (performance.now() - started) / 1000;
  let seen = figures(await scrape());
  t.match(seen, { requests: 3, count: 3, inf: 3 }, 'three requests, three durations');
  t.ok(seen.sum > 0 && seen.sum <= elapsedSeconds, `the durations add up to ${seen.sum} s, within the ${elapsedSeconds} s the requests took`);
  t.ok(seen.buckets.every((count, i) => count <= (seen.buckets[i + 1] ?? seen.count)), `buckets are cumulative: ${seen.buckets.join(',')}`);
  t.ok((seen.buckets[0] ?? 0) > 0, 'an in-process request takes under a millisecond');

  await app.inject({ url: '/healthz' });
  seen = figures(await scrape());
  t.match(seen, { requests: 4, count: 4, inf: 4 }, 'a later request is added to what was scraped');

  registry.resetMetrics();
  await app.inject({ url: '/healthz' });
  await app.inject({ url: '/healthz' });
  seen = figures(await scrape());
  t.match(seen, { requests: 2, count: 2, inf: 2 }, 'after a reset, only the requests since');
});

t.test('/metrics is answered by the metrics listener only: the public app says 404', async (t) => {
  const { app, scrape } = await setup();
  const publicScrape = await app.inject({ url: '/metrics' });
  t.equal(publicScrape.statusCode, 404, 'the public port has no /metrics');
  t.notMatch(publicScrape.body, /academy_|http_requests_total/, 'and shows none of it');
  t.match(await scrape(), /^http_requests_total\{method="GET",route="unmatched",status="404"\} 1$/m, 'the public 404 is still counted, on the metrics listener');
});

t.test('the metrics listener answers nothing but GET /metrics', async (t) => {
  const metricsServer = await buildMetricsServer(new Registry(), { logger: false });
  t.teardown(() => metricsServer.close());
  const scrape = await metricsServer.inject({ url: '/metrics' });
  t.equal(scrape.statusCode, 200);
  t.match(scrape.headers['content-type'], /^text\/plain; version=0\.0\.4/, 'Prometheus text');
  for (const url of ['/', '/docs/', '/openapi.json', '/api/v1/academy-products/', '/healthz']) {
    t.equal((await metricsServer.inject({ url })).statusCode, 404, `${url}: 404`);
  }
});

t.test('a collector failing gives the scraper a fixed 503, never the error (it can name the database host)', async (t) => {
  const registry = new Registry();
  new Gauge({
    name: 'academy_failing_gauge',
    help: 'reads a database that is down',
    registers: [registry],
    collect() {
      throw new Error('connect ECONNREFUSED db.internal.example:5432');
    },
  });
  const metricsServer = await buildMetricsServer(registry, { logger: false });
  t.teardown(() => metricsServer.close());
  const scrape = await metricsServer.inject({ url: '/metrics' });
  t.equal(scrape.statusCode, 503);
  t.equal(scrape.body, 'metrics unavailable\n');
  t.notMatch(scrape.body, /db\.internal|ECONNREFUSED/, 'nothing of the error');
});

t.test('price cache hits, misses and stale serves, and Stripe calls and failures, move', async (t) => {
  const { app, scrape, stripe, advance } = await setup();
  await app.inject({ url: '/api/v1/academy-products/' });
  await app.inject({ url: '/api/v1/academy-products/' });
  advance(61_000);
  stripe.failWith = new Error('stripe down');
  await app.inject({ url: '/api/v1/academy-products/' });
  const text = await scrape();
  t.equal(sample(text, 'academy_price_cache_lookups_total', { outcome: 'miss' }), 1, 'the cold lookup fetched');
  t.equal(sample(text, 'academy_price_cache_lookups_total', { outcome: 'hit' }), 1, 'the second was served from the cache');
  t.equal(sample(text, 'academy_price_cache_lookups_total', { outcome: 'stale' }), 1, 'the failed refresh served stale prices');
  t.equal(sample(text, 'academy_upstream_calls_total', { service: 'stripe', outcome: 'success' }), 1);
  t.equal(sample(text, 'academy_upstream_calls_total', { service: 'stripe', outcome: 'failure' }), 1);
});

t.test('the last sync outcome and time are exposed', async (t) => {
  const { scrape, sync, failSync } = await setup();
  await sync();
  let text = await scrape();
  t.equal(sample(text, 'academy_sync_last_run_success'), 1, 'a successful sync reads 1');
  t.equal(sample(text, 'academy_sync_last_run_timestamp_seconds', { outcome: 'success' }), 1_800_000_000, 'with its time');
  failSync();
  await t.rejects(sync(), /catalog down/, 'the failure still reaches the caller');
  text = await scrape();
  t.equal(sample(text, 'academy_sync_last_run_success'), 0, 'a failed sync reads 0');
});

t.test('intent counts by state are read at most every 30 s, whatever the scrape rate', async (t) => {
  const { scrape, intentCounts, reads, advance } = await setup();
  t.equal(sample(await scrape(), 'academy_checkout_intents', { state: 'created' }), 2);
  intentCounts.set('created', 5);
  intentCounts.delete('paid');
  await Promise.all(Array.from({ length: 200 }, () => scrape()));
  t.equal(reads(), 1, 'a storm of 200 scrapes read the database once (it was 1 read per scrape)');
  t.equal(sample(await scrape(), 'academy_checkout_intents', { state: 'created' }), 2, 'within 30 s the last read is served');
  advance(30_000);
  const text = await scrape();
  t.equal(reads(), 2, 'read again once 30 s have passed');
  t.equal(sample(text, 'academy_checkout_intents', { state: 'created' }), 5, 'the gauge follows the database');
  t.equal(sample(text, 'academy_checkout_intents', { state: 'paid' }), 0, 'a state without intents disappears');
});

t.test('Stripe and enterprise-catalog calls are timed by service and outcome; the build is labelled', async (t) => {
  const registry = new Registry();
  const telemetry = prometheusTelemetry(registry, { build: { version: '9.8.7', node: 'v20.0.0' } });
  // A stopwatch that reads 0.3 s for every call: the observed durations are known exactly.
  const stopwatch = { start: () => () => 0.3 };
  const stripe = fakePriceSource([usdPrice('ai_yearly')]);
  const prices = instrumentPriceSource(stripe, telemetry, stopwatch);
  await prices.pricesForLookupKeys(['ai_yearly']);
  stripe.failWith = new Error('stripe down');
  await t.rejects(prices.pricesForLookupKeys(['ai_yearly']), /stripe down/, 'a failure still reaches the caller');
  const catalog = instrumentCatalogSource(
    { academies: async () => [], catalogs: async () => [], catalogQueryId: () => Promise.reject(new Error('catalog down')) },
    telemetry,
    stopwatch,
  );
  await catalog.academies('customer');
  await catalog.catalogs('customer');
  await t.rejects(catalog.catalogQueryId('query'), /catalog down/);
  const text = await registry.metrics();
  const histogram = 'academy_upstream_call_duration_seconds';
  t.equal(sample(text, `${histogram}_count`, { service: 'stripe', outcome: 'success' }), 1, 'one successful Stripe call timed');
  t.equal(sample(text, `${histogram}_count`, { service: 'stripe', outcome: 'failure' }), 1, 'one failed Stripe call timed');
  t.equal(sample(text, `${histogram}_count`, { service: 'catalog', outcome: 'success' }), 2, 'two catalog calls timed');
  t.equal(sample(text, `${histogram}_sum`, { service: 'catalog', outcome: 'success' }), 0.6, 'their durations summed');
  t.equal(sample(text, `${histogram}_bucket`, { service: 'catalog', outcome: 'failure', le: '0.25' }), 0, 'a 0.3 s call is above the 0.25 s bucket');
  t.equal(sample(text, `${histogram}_bucket`, { service: 'catalog', outcome: 'failure', le: '0.5' }), 1, 'and inside the 0.5 s one');
  t.equal(sample(text, 'academy_billing_build_info', { version: '9.8.7', node: 'v20.0.0' }), 1, 'academy_billing_build_info{version,node} is 1');
});

t.test('the system stopwatch measures elapsed time in seconds', async (t) => {
  const elapsed = systemStopwatch.start();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = elapsed();
  t.ok(seconds >= 0.015 && seconds < 60, `about 0.02 s or more (${seconds})`);
});
