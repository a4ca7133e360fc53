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
  return server;
}
