import closeWithGrace from 'close-with-grace';
import { buildApp } from '../adapters/http/app.ts';
import { buildMetricsServer } from '../adapters/http/metrics-server.ts';
import { createLogger } from '../adapters/logging/pino-logger.ts';
import { buildServer, type ServerWiring } from '../composition-root.ts';
import type { Config } from '../config.ts';
import { tracingEnabled } from '../adapters/tracing/settings.ts';

/**
 * `academy-billing serve`: migrate (or, with MIGRATE_ON_SERVE=false, refuse to start while a
 * migration is pending), seed the embedded default, listen (the API on PORT, `/metrics` on
 * METRICS_PORT), drain on SIGTERM.
 */
export async function serve(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel, process.stdout, config.logFormat);
  const server = await buildServer(config, logger);
  const migrations = config.database.migrateOnServe ? await server.migrate() : await requireNoPendingMigration(server);
  // Embedded default: an empty catalogue is filled by the regular sync from examples/catalog/, before listening.
  const exampleSync = await server.syncExamplesIfEmpty();
  logger.info({ migrations, synced: exampleSync?.created ?? 0, database: server.database.kind }, 'database ready');

  let draining = false;
  const app = await buildApp(
    {
      ...server.useCases,
      // Readiness fails from the moment SIGTERM arrives; Fastify's close() then stops accepting at once
      // (probes are refused), so the pod's preStop sleep is what gives endpoints time to drop it.
      checkReadiness: () => (draining ? Promise.reject(new Error('shutting down')) : server.useCases.checkReadiness()),
    },
    { logger, trustProxy: config.server.trustProxy, openApiServerUrl: config.server.openApiServerUrl, rateLimit: { ...config.academies.rateLimit, redis: server.redis, authenticatedWrites: config.authenticatedWriteRateLimit }, metricsRegistry: server.metricsRegistry, corsAllowedOrigins: config.corsAllowedOrigins, docsEnabled: config.server.docsEnabled, readyLane: !tracingEnabled(process.env) },
  );
  const metricsServer = config.server.metricsPort === 0 ? undefined : await buildMetricsServer(server.metricsRegistry, { logger });
  const onTimeout = (delay: number): void =>
    // close-with-grace then exits 1; its own line ("killed by timeout") names neither the cause nor the setting.
    logger.error({ shutdownGraceMs: delay }, `shutdown exceeded SHUTDOWN_GRACE_MS (${delay} ms): exiting 1, in-flight requests cut`);
  closeWithGrace({ delay: config.server.shutdownGraceMs, logger, onTimeout }, async ({ signal, err }) => {
    draining = true;
    if (err) logger.error({ err }, 'closing after an unexpected error');
    else logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await app.close();
    // Closed after the API: the drain itself can still be scraped.
    await metricsServer?.close();
    await server.close();
  });
  // The metrics port first: a port already taken stops start-up before the API takes traffic.
  await metricsServer?.listen({ host: config.server.host, port: config.server.metricsPort }).catch((error: unknown) => {
    throw new Error(`METRICS_PORT ${config.server.metricsPort}: cannot listen (${error instanceof Error ? error.message : String(error)}); set another port, or 0 for none`);
  });
  await app.listen({ host: config.server.host, port: config.server.port });
}

/** A release's pods wait for its migration Job: exit 1 (the pod restarts with back-off) until it has run. */
async function requireNoPendingMigration(server: ServerWiring): Promise<string[]> {
  const pending = await server.pendingMigrations();
  if (pending.length === 0) return [];
  await server.close();
  process.stderr.write(`academy-billing: ${pending.length} migration(s) pending (${pending.join(', ')}) and MIGRATE_ON_SERVE=false: run \`academy-billing migrate\` first\n`);
  process.exit(1);
}
