import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Registry } from 'prom-client';

export interface MetricsServerOptions {
  readonly logger: FastifyServerOptions['loggerInstance'] | boolean;
}

/**
 * The operations listener (METRICS_PORT): `GET /metrics` in Prometheus text and nothing else. It is
 * its own server so the public port never answers it (the page names the release and the sales volume)
 * and a NetworkPolicy can admit the scraper to it alone. Never listens itself (`serve` does).
 */
export async function buildMetricsServer(registry: Registry, options: MetricsServerOptions): Promise<FastifyInstance> {
  const server = Fastify({
    ...(typeof options.logger === 'boolean' ? { logger: options.logger } : { loggerInstance: options.logger }),
    // A scrape every few seconds per pod would drown the request log.
    disableRequestLogging: true,
    // Scrapes are small GETs from one scraper: nothing to accept beyond that.
    bodyLimit: 1_024,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
  });
  server.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  // A collector failing (the intents gauge reads the database) is logged; the scraper gets a fixed 503, never
  // the error's message (which can name the database host).
  server.setErrorHandler((error, request, reply) => {
    request.log.error({ err: error }, 'metrics collection failed');
    return reply.code(503).type('text/plain; charset=utf-8').send('metrics unavailable\n');
  });
  server.setNotFoundHandler((_request, reply) => reply.code(404).type('text/plain; charset=utf-8').send('not found\n'));
  return server;
}
