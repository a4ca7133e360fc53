import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, type Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** What counts one (route, method, status) answer and observes its duration, for answers given outside Fastify's hooks (ready-lane.ts). */
    responseRecorder(route: string, method: string, status: number): (seconds: number) => void;
  }
}

type LabelName = 'method' | 'route' | 'status';
type Labels = Readonly<Record<LabelName, string>>;

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const UNMATCHED = 'unmatched';

/** One label set's figures as prom-client's histogram keeps them; its own `zero(labels)` creates the entry. */
interface HistogramEntry {
  readonly labels: Labels;
  readonly bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/** What this plugin reads of a prom-client histogram beyond its typed surface. */
interface HistogramState {
  hashMap: Record<string, HistogramEntry>;
}

/** One (method, route, status): its labels built once, its requests counted, its durations observed. */
interface Cell {
  readonly labels: Labels;
  /** Requests answered; `http_requests_total` takes the difference at each scrape. */
  answered: number;
  counted: number;
  observe(seconds: number): void;
}

/** The first bucket bound at or above `seconds` (prom-client's rule), or undefined above the last. */
function bucketOf(seconds: number): number | undefined {
  for (const bound of BUCKETS) if (seconds <= bound) return bound;
  return undefined;
}

function isHistogramEntry(entry: HistogramEntry): boolean {
  const { bucketValues } = entry as Partial<HistogramEntry>;
  return (
    typeof entry.sum === 'number' &&
    typeof entry.count === 'number' &&
    typeof bucketValues === 'object' &&
    BUCKETS.every((bound) => typeof bucketValues[bound] === 'number')
  );
}

/**
 * Observes into `histogram` for `labels`: straight into the entry prom-client keeps for them, which
 * `observe` would find by hashing and validating the labels again on every request (about 0.5 µs each,
 * on every response). When the entry is not what prom-client 15 keeps (another version, or the metric
 * was reset since), it falls back to `observe`, so a figure can be slower, never wrong.
 */
function observerFor(histogram: Histogram<LabelName>, labels: Labels): (seconds: number) => void {
  const state = histogram as unknown as HistogramState;
  histogram.zero(labels);
  const map = state.hashMap;
  const entry = Object.values(map ?? {}).find((candidate) => candidate.labels === labels);
  if (entry === undefined || !isHistogramEntry(entry)) return (seconds) => histogram.observe(labels, seconds);
  return (seconds) => {
    if (state.hashMap !== map) return histogram.observe(labels, seconds);
    entry.count += 1;
    entry.sum += seconds;
    const bound = bucketOf(seconds);
    if (bound !== undefined) entry.bucketValues[bound] = (entry.bucketValues[bound] ?? 0) + 1;
  };
}

/**
 * Per-request count and duration by route template and status, recorded into the registry that the
 * metrics listener (metrics-server.ts, METRICS_PORT) serves: this app has no `/metrics` route.
 * The route template (not the raw URL) keeps label cardinality bounded. Each (method, route, status)
 * is looked up once and then kept: a response costs three map lookups and a few additions; the
 * request counter is brought up to date when it is scraped (its `collect`).
 */
export const metricsPlugin = fp(
  async (app: FastifyInstance, options: { registry: Registry }) => {
    const registers = [options.registry];
    const labelNames: LabelName[] = ['method', 'route', 'status'];
    const cells = new Map<string, Map<string, Map<number, Cell>>>();
    const all: Cell[] = [];
    new Counter<LabelName>({
      name: 'http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames,
      registers,
      collect() {
        for (const cell of all) {
          if (cell.answered === cell.counted) continue;
          this.inc(cell.labels, cell.answered - cell.counted);
          cell.counted = cell.answered;
        }
      },
    });
    const duration = new Histogram<LabelName>({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames,
      buckets: BUCKETS,
      registers,
    });

    function cellFor(route: string, method: string, status: number): Cell {
      let byMethod = cells.get(route);
      if (byMethod === undefined) cells.set(route, (byMethod = new Map()));
      let byStatus = byMethod.get(method);
      if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
      let cell = byStatus.get(status);
      if (cell === undefined) {
        const labels: Labels = Object.freeze({ method, route, status: String(status) });
        cell = { labels, answered: 0, counted: 0, observe: observerFor(duration, labels) };
        byStatus.set(status, cell);
        all.push(cell);
      }
      return cell;
    }

    function record(cell: Cell, seconds: number): void {
      cell.answered += 1;
      cell.observe(seconds);
    }
    app.decorate('responseRecorder', (route: string, method: string, status: number) => {
      // Looked up on the first answer, not here: a series appears when something was answered, as with the hook.
      let cell: Cell | undefined;
      return (seconds: number) => record((cell ??= cellFor(route, method, status)), seconds);
    });
    app.addHook('onResponse', (request, reply, done) => {
      record(cellFor(request.routeOptions.url ?? UNMATCHED, request.method, reply.statusCode), reply.elapsedTime / 1000);
      done();
    });
  },
  { name: 'metrics', fastify: '5.x' },
);
