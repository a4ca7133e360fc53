import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Per-request count and duration by route template and status, recorded into the registry that the
 * metrics listener (metrics-server.ts, METRICS_PORT) serves: this app has no `/metrics` route.
 * The route template (not the raw URL) keeps label cardinality bounded.
 */
export const metricsPlugin = fp(
  async (app: FastifyInstance, options: { registry: Registry }) => {
    const registers = [options.registry];
    const labelNames = ['method', 'route', 'status'];
    const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by route and status', labelNames, registers });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    app.addHook('onResponse', (request, reply, done) => {
      const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
      requests.inc(labels);
      duration.observe(labels, reply.elapsedTime / 1000);
      done();
    });
  },
  { name: 'metrics', fastify: '5.x' },
);
