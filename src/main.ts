#!/usr/bin/env node
import closeWithGrace from 'close-with-grace';
import { buildApp } from './adapters/http/app.ts';
import { createLogger } from './adapters/logging/pino-logger.ts';
import { buildDeps } from './composition-root.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';

/** `academy-billing serve`: migrate, seed the embedded default, listen, drain on SIGTERM. */
async function serve(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const deps = await buildDeps(config, logger);
  const migrations = await deps.migrate();
  const seeded = await deps.seedExamplesIfEmpty();
  logger.info({ migrations, seeded, database: deps.database.kind }, 'database ready');

  let draining = false;
  const app = await buildApp(
    {
      ...deps,
      // Readiness fails at once on SIGTERM so the load balancer stops routing here while we drain.
      checkReadiness: () => (draining ? Promise.reject(new Error('shutting down')) : deps.checkReadiness()),
    },
    { logger, trustProxy: config.server.trustProxy, rateLimit: config.academies.rateLimit },
  );
  closeWithGrace({ delay: config.server.shutdownGraceMs, logger }, async ({ signal, err }) => {
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

const COMMANDS: Record<string, (config: Config) => Promise<void>> = { serve, migrate };

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
  await command(config);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`academy-billing: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
