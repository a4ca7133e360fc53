/**
 * The load generator, run as a child process so it never shares the server's event loop:
 *   node --import tsx bench/load.ts '{"url": "...", "connections": 10, "duration": 10}'
 * prints one JSON line: requests, requests/s, status counts and exact latency percentiles
 * (autocannon's own histogram rounds to whole milliseconds, too coarse for sub-ms routes).
 */
import autocannon from 'autocannon';

interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  readonly duration?: number;
  readonly amount?: number;
  readonly headers?: Record<string, string>;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const latencies: number[] = [];
const statuses: Record<string, number> = {};
const instance = autocannon({
  url: spec.url,
  connections: spec.connections,
  ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.duration ?? 10 }),
  headers: spec.headers ?? {},
  timeout: 30,
});
instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
  latencies.push(responseTimeMs);
  statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
});
const result = await instance;
latencies.sort((a, b) => a - b);
const percentile = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
process.stdout.write(
  `${JSON.stringify({
    requests: latencies.length,
    requestsPerSecond: latencies.length / result.duration,
    errors: result.errors + result.timeouts,
    statuses,
    p50Ms: percentile(50),
    p99Ms: percentile(99),
    // Rounded to a microsecond, so the parent can merge rounds into one distribution.
    latenciesMs: latencies.map((ms) => Math.round(ms * 1000) / 1000),
  })}\n`,
);
