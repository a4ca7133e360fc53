import type { Logger } from 'pino';
import { buildIntentJobs, buildMigrator, buildReconcileJob, buildSyncJob } from '../composition-root.ts';
import type { Config } from '../config.ts';
import { EnvSchema } from '../config/env-schema.ts';
import type { Command, OptionValues } from './command.ts';
import { serve } from './serve.ts';

/** A job on a wiring: open it, run, close it (whatever happened). */
function withWiring<D extends { close(): Promise<void> }>(wire: (config: Config, logger: Logger) => Promise<D>, run: (deps: D, options: OptionValues) => Promise<object>) {
  return async (config: Config, logger: Logger, options: OptionValues): Promise<object> => {
    const deps = await wire(config, logger);
    try {
      return await run(deps, options);
    } finally {
      await deps.close();
    }
  };
}

/** The database alone, so the intent CronJobs need no Stripe, catalog or JWT secret. */
const withIntentJobs = (run: (jobs: Awaited<ReturnType<typeof buildIntentJobs>>) => Promise<object>) => withWiring((config) => buildIntentJobs(config), run);

const LOGGING = ['LOG_LEVEL', 'LOG_FORMAT'];
const DATABASE = ['DATABASE_URL', 'PGLITE_DIR', 'DATABASE_POOL_MAX', ...LOGGING];
const CATALOG = [
  'CATALOG_API_URL',
  'CATALOG_OAUTH_TOKEN_URL',
  'CATALOG_CLIENT_ID',
  'CATALOG_CLIENT_SECRET',
  'CATALOG_TIMEOUT_MS',
  'CATALOG_RETRIES',
  'ACADEMY_SYNC_ENTERPRISE_CUSTOMER_UUID',
  'ESSENTIAL_ACADEMY_UUID_ALLOWLIST',
  'ESSENTIAL_ACADEMY_NAME_ALLOWLIST',
  'ESSENTIAL_ACADEMY_CATALOG_QUERY_ID_BY_ACADEMY_UUID',
  'ESSENTIAL_ACADEMY_CATALOG_QUERY_ID_BY_NAME',
  'ESSENTIAL_ACADEMY_FIELD_OVERRIDES_BY_ACADEMY_UUID',
  'ESSENTIAL_ACADEMY_FIELD_OVERRIDES_BY_NAME',
  'EXAMPLES_DIR',
];

/**
 * Every command of `academy-billing`, in the order `--help` lists them. A job is one entry: its
 * name, description, options, the variables it reads and a run function returning its result;
 * `src/main.ts` parses, prints and maps failures for all of them alike.
 */
export const COMMANDS: readonly Command[] = [
  {
    name: 'serve',
    kind: 'server',
    description:
      'Serve the HTTP API (the default of `npm start`).\n' +
      'Applies pending migrations (with MIGRATE_ON_SERVE=false: exits 1 while one is pending), fills an empty\n' +
      'embedded catalogue from examples/, listens on HOST:PORT (Prometheus /metrics on HOST:METRICS_PORT)\n' +
      'and drains in-flight requests on SIGTERM. Logs go to stdout.',
    options: {},
    variables: Object.keys(EnvSchema.properties),
    run: (config) => serve(config),
  },
  {
    name: 'migrate',
    kind: 'job',
    description:
      'Apply pending database migrations, as MIGRATION_DATABASE_URL\'s role when set (else DATABASE_URL\'s).\n' +
      'Prints {"ok": true, "applied": [names]}.',
    options: {},
    variables: ['MIGRATION_DATABASE_URL', ...DATABASE],
    run: withWiring((config) => buildMigrator(config), async (migrator) => ({ applied: await migrator.migrate() })),
  },
  {
    name: 'sync',
    kind: 'job',
    description:
      'Sync academies from enterprise-catalog (examples/catalog/ when CATALOG_API_URL is unset).\n' +
      'Prints the sync report, the same object POST /api/v1/admin/academy-sync answers with.',
    options: { 'dry-run': { type: 'boolean', description: 'compute the report without writing anything' } },
    variables: [...DATABASE, ...CATALOG],
    run: withWiring(buildSyncJob, (job, options) => job.syncAcademies({ dryRun: options['dry-run'] === true })),
  },
  {
    name: 'expire-intents',
    kind: 'job',
    description:
      'Expire created checkout intents past their expires_at (run it every minute or so).\nPrints {"ok": true, "expired": N}.',
    options: {},
    variables: [...DATABASE, 'INTENT_RESERVATION_DURATION_MINUTES'],
    run: withIntentJobs(async (jobs) => ({ expired: await jobs.expireIntents() })),
  },
  {
    name: 'mark-stalled-intents',
    kind: 'job',
    description:
      'Mark paid intents untouched for STALLED_FULFILLMENT_SECONDS as errored_fulfillment_stalled.\n' +
      'Prints {"ok": true, "stalled": N}.',
    options: {},
    variables: [...DATABASE, 'STALLED_FULFILLMENT_SECONDS'],
    run: withIntentJobs(async (jobs) => ({ stalled: await jobs.markStalledIntents() })),
  },
  {
    name: 'reconcile-checkout-sessions',
    kind: 'job',
    description:
      'Apply what lost Stripe webhooks would have: ask Stripe for the sessions of created or expired intents.\n' +
      'Up to RECONCILE_CHECKOUT_SESSIONS_BATCH_SIZE sessions per run (GET /v1/checkout/sessions/{id}): paid ones\n' +
      'mark the intent paid (verified like the webhook), expired ones are cleared; also deletes stripe_events\n' +
      'older than STRIPE_EVENT_RETENTION_DAYS. Prints {"ok": true, "checked": N, "marked_paid": N, "cleared": N, ...}.',
    options: {},
    variables: [
      ...DATABASE,
      'STRIPE_SECRET_KEY',
      'STRIPE_API_URL',
      'STRIPE_TIMEOUT_MS',
      'TEAMS_STRIPE_PRICE_LOOKUP_KEY',
      'RECONCILE_CHECKOUT_SESSIONS_BATCH_SIZE',
      'STRIPE_EVENT_RETENTION_DAYS',
    ],
    run: withWiring(buildReconcileJob, async (job) => job.reconcile()),
  },
];
