#!/usr/bin/env node
import closeWithGrace from 'close-with-grace';
import { buildApp } from './adapters/http/app.ts';
import { createLogger } from './adapters/logging/pino-logger.ts';
import { buildDeps } from './composition-root.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { AcademySyncConflict } from './application/ports/academy-sync-store.ts';
import { CatalogSourceUnavailable } from './application/ports/catalog-source.ts';

/** `academy-billing serve`: migrate, seed the embedded default, listen, drain on SIGTERM. */
async function serve(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const deps = await buildDeps(config, logger);
  const migrations = await deps.migrate();
  // Embedded default: an empty catalogue is filled by the regular sync from examples/catalog/, before listening.
  const exampleSync = await deps.syncExamplesIfEmpty();
  logger.info({ migrations, synced: exampleSync?.created ?? 0, database: deps.database.kind }, 'database ready');

  let draining = false;
  const app = await buildApp(
    {
      ...deps,
      // Readiness fails from the moment SIGTERM arrives; Fastify's close() then stops accepting at once
      // (probes are refused), so the pod's preStop sleep is what gives endpoints time to drop it.
      checkReadiness: () => (draining ? Promise.reject(new Error('shutting down')) : deps.checkReadiness()),
    },
    { logger, trustProxy: config.server.trustProxy, rateLimit: { ...config.academies.rateLimit, redis: deps.redis }, metricsRegistry: deps.metricsRegistry },
  );
  const onTimeout = (delay: number): void =>
    // close-with-grace then exits 1; its own line ("killed by timeout") names neither the cause nor the setting.
    logger.error({ shutdownGraceMs: delay }, `shutdown exceeded SHUTDOWN_GRACE_MS (${delay} ms): exiting 1, in-flight requests cut`);
  closeWithGrace({ delay: config.server.shutdownGraceMs, logger, onTimeout }, async ({ signal, err }) => {
    draining = true;
    if (err) logger.error({ err }, 'closing after an unexpected error');
    else logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await app.close();
    await deps.close();
  });
  await app.listen({ host: config.server.host, port: config.server.port });
}

/** `academy-billing migrate`: apply pending migrations and exit. */
async function migrate(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const deps = await buildDeps(config, logger);
  try {
    process.stdout.write(`${JSON.stringify({ applied: await deps.migrate() })}\n`);
  } finally {
    await deps.close();
  }
}

/**
 * `academy-billing sync [--dry-run]`: one sync. stdout gets exactly one JSON object, the
 * report with `"ok": true`, or `{"ok": false, "error_code", "error"}` and exit code 1;
 * logs go to stderr.
 */
async function sync(config: Config, args: readonly string[]): Promise<void> {
  const unknownArgs = args.filter((arg) => arg !== '--dry-run');
  if (unknownArgs.length > 0) {
    process.stderr.write(`usage: academy-billing sync [--dry-run] (unknown: ${unknownArgs.join(' ')})\n`);
    process.exitCode = 2;
    return;
  }
  const deps = await buildDeps(config, createLogger(config.logLevel, process.stderr));
  try {
    const report = await deps.syncAcademies({ dryRun: args.includes('--dry-run') });
    process.stdout.write(`${JSON.stringify({ ok: true, ...report })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify(syncFailure(error))}\n`);
    process.exitCode = 1;
  } finally {
    await deps.close();
  }
}

/** The failure as the CLI prints it: error messages of the catalog and the database carry no credentials. */
function syncFailure(error: unknown): { ok: false; error_code: string; error: string } {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof CatalogSourceUnavailable) return { ok: false, error_code: 'catalog_unavailable', error: message };
  if (error instanceof AcademySyncConflict) return { ok: false, error_code: 'academy_sync_conflict', error: message };
  return { ok: false, error_code: 'sync_failed', error: message };
}

/** `academy-billing expire-intents` and `mark-stalled-intents` (spec §5 jobs): the count as one JSON line on stdout. */
function intentJob(name: 'expired' | 'stalled', run: (deps: Awaited<ReturnType<typeof buildDeps>>) => Promise<number>) {
  return async (config: Config): Promise<void> => {
    const deps = await buildDeps(config, createLogger(config.logLevel, process.stderr));
    try {
      process.stdout.write(`${JSON.stringify({ [name]: await run(deps) })}\n`);
    } finally {
      await deps.close();
    }
  };
}

const COMMANDS: Record<string, (config: Config, args: readonly string[]) => Promise<void>> = {
  serve,
  migrate,
  sync,
  'expire-intents': intentJob('expired', (deps) => deps.expireIntents()),
  'mark-stalled-intents': intentJob('stalled', (deps) => deps.markStalledIntents()),
};

async function main(argv: readonly string[]): Promise<void> {
  const command = COMMANDS[argv[0] ?? ''];
  if (!command) {
    process.stderr.write(`usage: academy-billing <${Object.keys(COMMANDS).join(' | ')}>\n`);
    process.exitCode = 2;
    return;
  }
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 78; // EX_CONFIG
    return;
  }
  try {
    await command(config, argv.slice(1));
  } catch (error) {
    // Settings that depend on each other (e.g. CATALOG_API_URL needs its credentials) are checked while wiring.
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 78;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`academy-billing: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
