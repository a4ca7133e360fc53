import { join } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import { sql } from 'kysely';
import { ConfigError, type Config } from './config.ts';
import { cachedPriceSource } from './application/read-model/cached-price-source.ts';
import { sharedPriceCache, type SharedPriceCache } from './application/read-model/shared-price-cache.ts';
import { catalogueStateWatcher } from './application/read-model/catalogue-state-watcher.ts';
import { academySnapshot } from './application/read-model/academy-snapshot.ts';
import { catalogueReadModel } from './application/read-model/catalogue-read-model.ts';
import { detailResponse, listResponse } from './adapters/http/catalogue-responses.ts';
import { makeGetAcademyProduct } from './application/get-academy-product.ts';
import { makeListAcademyProducts } from './application/list-academy-products.ts';
import { systemClock } from './application/ports/clock.ts';
import type { PriceSource } from './application/ports/price-source.ts';
import type { AcademyRepository } from './application/ports/academy-repository.ts';
import { jwtVerifier } from './adapters/auth/jwt-verifier.ts';
import { prometheusTelemetry } from './adapters/metrics/prometheus-telemetry.ts';
import { PACKAGE_VERSION } from './package-info.ts';
import { flushTraces } from './adapters/tracing/flush.ts';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { instrumentCatalogSource, instrumentPriceSource, instrumentSync } from './application/instrumented-sources.ts';
import type { CheckoutIntentRepository } from './application/ports/checkout-intent-repository.ts';
import type { Redis } from 'ioredis';
import type { CatalogSource } from './application/ports/catalog-source.ts';
import { makeSyncAcademies, type SyncAcademies, type SyncReport } from './application/sync-academies.ts';
import { syncIfCatalogueEmpty } from './application/sync-if-catalogue-empty.ts';
import { enterpriseCatalogSource } from './adapters/catalog/catalog-client.ts';
import { fileCatalogSource } from './adapters/catalog/file-catalog-source.ts';
import { postgresAcademySyncStore } from './adapters/postgres/academy-sync-store.ts';
import { postgresAcademyRepository } from './adapters/postgres/academy-repository.ts';
import { postgresCatalogueState } from './adapters/postgres/catalogue-state.ts';
import { createDatabase, type DatabaseHandle } from './adapters/postgres/database.ts';
import { migrateToLatest, pendingMigrations } from './adapters/postgres/migrate.ts';
import { createStripeClient } from './adapters/stripe/client.ts';
import { currentRequestId } from './adapters/http/request-id.ts';
import { filePriceSource } from './adapters/stripe/file-price-source.ts';
import { stripePriceSource } from './adapters/stripe/price-source.ts';
import { makeCreateOrUpdateIntent, makeCurrentIntent, makeGetIntent, makeListIntents } from './application/checkout-intents.ts';
import { makeExpireIntents, makeMarkStalledIntents, makeTransitionIntent } from './application/checkout-intent-lifecycle.ts';
import { makeReceiveStripeWebhook } from './application/stripe-webhook.ts';
import { postgresCheckoutIntentRepository } from './adapters/postgres/checkout-intent-repository.ts';
import { postgresUnitOfWork } from './adapters/postgres/unit-of-work.ts';
import { stripeWebhookVerifier } from './adapters/stripe/webhook-events.ts';
import { stripeCheckoutSessions } from './adapters/stripe/checkout-sessions.ts';
import { postgresSellableProducts } from './adapters/postgres/sellable-products.ts';
import { makeCreateCheckoutSession } from './application/create-checkout-session.ts';
import { makeReconcileCheckoutSessions, type ReconcileReport } from './application/reconcile-checkout-sessions.ts';
import { postgresStripeEventRetention } from './adapters/postgres/stripe-event-log.ts';
import type { Telemetry } from './application/ports/telemetry.ts';
import type Stripe from 'stripe';
import type { AppDeps } from './adapters/http/app.ts';

/**
 * What `serve` runs on: the use cases the HTTP app serves (and nothing else: buildApp sees no
 * database, no Redis, no registry), and the infrastructure around them that only the command uses.
 */
export interface ServerWiring {
  readonly useCases: AppDeps;
  readonly database: DatabaseHandle;
  /** Everything `/metrics` exposes: process metrics, HTTP metrics (added by the app) and the Telemetry port's. */
  readonly metricsRegistry: Registry;
  /** Shared rate-limit counters when REDIS_URL is set. */
  readonly redis: Redis | undefined;
  readonly migrate: () => Promise<string[]>;
  /** Migrations not yet applied (read-only), for `serve` with MIGRATE_ON_SERVE=false. */
  readonly pendingMigrations: () => Promise<string[]>;
  /** Embedded default only (no catalog API configured): syncs the examples into an empty table; null when nothing ran. */
  readonly syncExamplesIfEmpty: () => Promise<SyncReport | null>;
  readonly close: () => Promise<void>;
}

/** `serve`: every adapter the configuration picks, wired into the use cases the HTTP app serves. */
export async function buildServer(config: Config, logger: PinoLogger): Promise<ServerWiring> {
  // First, so a missing catalog setting stops start-up before any database is opened.
  const catalogSource = pickCatalogSource(config, logger);
  const database = await createDatabase({
    databaseUrl: config.database.url,
    pgliteDir: config.database.pgliteDir,
    poolMax: config.database.poolMax,
  });
  const academies = postgresAcademyRepository(database.db);
  const metricsRegistry = new Registry();
  collectDefaultMetrics({ register: metricsRegistry });
  const intentRepository = postgresCheckoutIntentRepository(database.db);
  const telemetry = prometheusTelemetry(metricsRegistry, {
    countIntentsByState: () => intentRepository.countByState(),
    build: { version: PACKAGE_VERSION, node: process.version },
  });
  const stripe = config.stripe.secretKey
    ? createStripeClient({ secretKey: config.stripe.secretKey, apiUrl: config.stripe.apiUrl, timeoutMs: config.stripe.timeoutMs, requestId: currentRequestId })
    : null;
  const livePrices = instrumentPriceSource(pickPriceSource(config, stripe, logger), telemetry);
  const priceCacheLogger = logger.child({ component: 'price-cache' });
  // One row every replica reads at most once a second: the catalogue version and the price generation (docs/decisions/0028).
  const catalogueState = postgresCatalogueState(database.db);
  const watcher = catalogueStateWatcher(catalogueState, { clock: systemClock });
  // One replica's price webhook drops every replica's cache within a second (docs/decisions/0024).
  const priceCache = sharedPriceCache(
    cachedPriceSource(livePrices, {
      ttlMs: config.stripe.priceCacheTtlSeconds * 1000,
      timeoutMs: config.stripe.timeoutMs,
      clock: systemClock,
      logger: priceCacheLogger,
      telemetry,
    }),
    { state: catalogueState, watcher, logger: priceCacheLogger },
  );
  // ioredis is loaded only when REDIS_URL is set (it is a large module a single replica does not need).
  const redis = config.redisUrl
    ? (await import('./adapters/redis/redis-client.ts')).createRedisClient(config.redisUrl, logger.child({ component: 'redis' }))
    : undefined;
  // Every academy of the current catalogue version, in memory: the catalogue and the intents look academies up there.
  const catalogueSnapshot = academySnapshot(academies, { watcher, logger: logger.child({ component: 'catalogue-snapshot' }) });
  const catalogueUseCases = { academies: catalogueSnapshot, prices: priceCache, thumbnailBaseUrl: config.academies.thumbnailBaseUrl, logger };
  const catalogue = catalogueReadModel({
    watcher,
    listAcademyProducts: makeListAcademyProducts(catalogueUseCases),
    getAcademyProduct: makeGetAcademyProduct(catalogueUseCases),
    prices: priceCache,
    renderList: listResponse,
    renderDetail: detailResponse,
    clock: systemClock,
  });
  const syncAcademies = instrumentSync(makeSyncAcademies(syncDepsOf(config, catalogSource, database, logger, telemetry)), telemetry, systemClock);

  return {
    useCases: {
      catalogue,
      tokenVerifier:
        config.jwt.secretKey || config.jwt.jwksUrl
          ? jwtVerifier({
              secretKey: config.jwt.secretKey,
              jwksUrl: config.jwt.jwksUrl,
              issuer: config.jwt.issuer,
              audience: config.jwt.audience,
              maxTokenAgeSeconds: config.jwt.maxTokenAgeSeconds,
            })
          : null,
      syncAcademies,
      ...checkoutIntentUseCases(config, { database, intents: intentRepository, priceCache, livePrices, academies: catalogueSnapshot, stripe, telemetry }, logger),
      checkReadiness: async () => {
        await withTimeout(sql`select 1`.execute(database.db), 2_000, 'database readiness check timed out');
      },
    },
    database,
    metricsRegistry,
    migrate: async () => (await migrateToLatest(database.db)).applied,
    pendingMigrations: () => pendingMigrations(database.db),
    syncExamplesIfEmpty: async () => (config.catalog.apiUrl === undefined ? syncIfCatalogueEmpty(academies, syncAcademies) : null),
    redis,
    close: async () => {
      redis?.disconnect();
      await closeDatabase(database);
    },
  };
}

/**
 * `sync`: the database and the catalog source, nothing else (no Stripe, JWT or Redis setting is read,
 * and no metrics registry: a job is not scraped).
 */
export async function buildSyncJob(config: Config, logger: PinoLogger): Promise<{ syncAcademies: SyncAcademies; close: () => Promise<void> }> {
  const catalogSource = pickCatalogSource(config, logger);
  const database = await createDatabase({ databaseUrl: config.database.url, pgliteDir: config.database.pgliteDir, poolMax: 2 });
  return { syncAcademies: makeSyncAcademies(syncDepsOf(config, catalogSource, database, logger)), close: () => closeDatabase(database) };
}

function syncDepsOf(config: Config, source: CatalogSource, database: DatabaseHandle, logger: PinoLogger, telemetry?: Telemetry) {
  return {
    source: telemetry ? instrumentCatalogSource(source, telemetry) : source,
    store: postgresAcademySyncStore(database.db),
    settings: {
      enterpriseCustomerUuid: config.sync.enterpriseCustomerUuid ?? null,
      allowlist: { uuids: config.sync.uuidAllowlist, names: config.sync.nameAllowlist },
      catalogQueryIdByAcademyUuid: config.sync.catalogQueryIdByAcademyUuid,
      catalogQueryIdByName: config.sync.catalogQueryIdByName,
      fieldOverridesByAcademyUuid: config.sync.fieldOverridesByAcademyUuid,
      fieldOverridesByName: config.sync.fieldOverridesByName,
    },
    logger: logger.child({ component: 'academy-sync' }),
  };
}

/**
 * `migrate` alone: the database as MIGRATION_DATABASE_URL's role (else DATABASE_URL's), and nothing
 * else, so the migration Job needs no other secret and the runtime role no DDL rights.
 */
export async function buildMigrator(config: Config): Promise<{ migrate: () => Promise<string[]>; close: () => Promise<void> }> {
  const database = await createDatabase({ databaseUrl: config.database.migrationUrl, pgliteDir: config.database.pgliteDir, poolMax: 1 });
  return { migrate: async () => (await migrateToLatest(database.db)).applied, close: () => closeDatabase(database) };
}

/** The two intent jobs (spec §5) over the database alone: their pods need no Stripe, catalog or JWT secret. */
export async function buildIntentJobs(config: Config): Promise<{ expireIntents: () => Promise<number>; markStalledIntents: () => Promise<number>; close: () => Promise<void> }> {
  const database = await createDatabase({ databaseUrl: config.database.url, pgliteDir: config.database.pgliteDir, poolMax: 2 });
  return { ...intentJobs(config, intentDepsOf(config, database, postgresCheckoutIntentRepository(database.db))), close: () => closeDatabase(database) };
}

/**
 * `reconcile-checkout-sessions`: the database, and Stripe when STRIPE_SECRET_KEY is set (sessions and live
 * prices, to verify a payment as the webhook does). No catalog or JWT secret.
 */
export async function buildReconcileJob(config: Config, logger: PinoLogger): Promise<{ reconcile: () => Promise<ReconcileReport>; close: () => Promise<void> }> {
  const database = await createDatabase({ databaseUrl: config.database.url, pgliteDir: config.database.pgliteDir, poolMax: 2 });
  const stripe = config.stripe.secretKey
    ? createStripeClient({ secretKey: config.stripe.secretKey, apiUrl: config.stripe.apiUrl, timeoutMs: config.stripe.timeoutMs })
    : null;
  const reconcile = makeReconcileCheckoutSessions({
    gateway: stripe ? stripeCheckoutSessions(stripe) : null,
    intents: postgresCheckoutIntentRepository(database.db),
    events: postgresStripeEventRetention(database.db),
    unitOfWork: postgresUnitOfWork(database.db),
    prices: pickPriceSource(config, stripe, logger),
    academies: postgresAcademyRepository(database.db),
    teamsPriceLookupKey: config.checkout.teamsPriceLookupKey,
    batchSize: config.checkout.reconcileBatchSize,
    eventRetentionDays: config.checkout.eventRetentionDays,
    clock: systemClock,
    logger: logger.child({ component: 'reconcile-checkout-sessions' }),
  });
  return { reconcile, close: () => closeDatabase(database) };
}

/** The end of a command: the database, then the spans still buffered (when tracing is on). */
async function closeDatabase(database: DatabaseHandle): Promise<void> {
  await database.close();
  await flushTraces();
}

/**
 * enterprise-catalog when CATALOG_API_URL is set (its credentials and the customer are
 * then required: without a customer the catalog answers no academies), else the
 * bundled example catalogue in enterprise-catalog's own format.
 */
function pickCatalogSource(config: Config, logger: PinoLogger): CatalogSource {
  const { apiUrl, tokenUrl, clientId, clientSecret, timeoutMs, retries } = config.catalog;
  if (apiUrl === undefined) return fileCatalogSource(join(config.examplesDir, 'catalog'));
  const required = {
    CATALOG_OAUTH_TOKEN_URL: tokenUrl,
    CATALOG_CLIENT_ID: clientId,
    CATALOG_CLIENT_SECRET: clientSecret,
    ACADEMY_SYNC_ENTERPRISE_CUSTOMER_UUID: config.sync.enterpriseCustomerUuid,
  };
  const missing = Object.entries(required).filter(([, value]) => value === undefined);
  if (tokenUrl === undefined || clientId === undefined || clientSecret === undefined || missing.length > 0) {
    throw new ConfigError(missing.map(([name]) => `${name}: required when CATALOG_API_URL is set`));
  }
  return enterpriseCatalogSource({
    apiUrl, tokenUrl, clientId, clientSecret, timeoutMs, retries, logger: logger.child({ component: 'catalog' }),
    // The HTTP request that triggered the call, passed on as X-Request-Id.
    requestId: currentRequestId,
  });
}

export type CheckoutIntentUseCases = ReturnType<typeof checkoutIntentUseCases>;

/** Spec §5: intents over PostgreSQL, the Stripe webhook (verified offline with the SDK helper), the two jobs. */
function checkoutIntentUseCases(
  config: Config,
  wired: {
    readonly database: DatabaseHandle;
    readonly intents: CheckoutIntentRepository;
    readonly priceCache: SharedPriceCache;
    /** Straight from the source: a session is priced at what Stripe says now, not what the cache remembers. */
    readonly livePrices: PriceSource;
    readonly academies: AcademyRepository;
    readonly stripe: Stripe | null;
    readonly telemetry: Telemetry;
  },
  logger: PinoLogger,
) {
  const { database, intents, priceCache, livePrices, academies, stripe, telemetry } = wired;
  const intentDeps = intentDepsOf(config, database, intents);
  const { webhookSecret } = config.stripe;
  const sessions = stripe ? stripeCheckoutSessions(stripe) : null;
  return {
    currentIntent: makeCurrentIntent(intentDeps),
    createOrUpdateIntent: makeCreateOrUpdateIntent({
      ...intentDeps,
      academies,
      maxOpenIntentsPerUser: config.intents.maxOpenPerUser,
      sessions,
    }),
    listIntents: makeListIntents(intentDeps),
    getIntent: makeGetIntent(intentDeps),
    transitionIntent: makeTransitionIntent(intentDeps),
    ...intentJobs(config, intentDeps),
    checkoutSessionRateLimit: config.checkout.sessionRateLimit,
    createCheckoutSession: makeCreateCheckoutSession({
      gateway: sessions,
      settings: checkoutSettings(config),
      unitOfWork: intentDeps.unitOfWork,
      products: postgresSellableProducts(database.db),
      prices: livePrices,
      clock: systemClock,
      logger: logger.child({ component: 'checkout-sessions' }),
      telemetry,
    }),
    receiveStripeWebhook: makeReceiveStripeWebhook({
      verifier: webhookSecret ? stripeWebhookVerifier(webhookSecret) : null,
      unitOfWork: intentDeps.unitOfWork,
      priceCache,
      // The amount a session must total is checked against the source itself, not the cache (decision 0013).
      prices: livePrices,
      academies,
      // Without it a Teams payment could never be verified (and would be refused).
      teamsPriceLookupKey: config.checkout.teamsPriceLookupKey,
      clock: systemClock,
      logger: logger.child({ component: 'stripe-webhook' }),
      telemetry,
    }),
  };
}

function intentDepsOf(config: Config, database: DatabaseHandle, intents: CheckoutIntentRepository) {
  return { intents, unitOfWork: postgresUnitOfWork(database.db), clock: systemClock, reservationMinutes: config.intents.reservationMinutes };
}

function intentJobs(config: Config, intentDeps: ReturnType<typeof intentDepsOf>) {
  return {
    expireIntents: makeExpireIntents(intentDeps),
    markStalledIntents: makeMarkStalledIntents({ ...intentDeps, stalledFulfillmentSeconds: config.intents.stalledFulfillmentSeconds }),
  };
}

/** Checkout needs both return URLs; without them (or without Stripe) session creation answers 503. */
function checkoutSettings(config: Config) {
  const { successUrl, cancelUrl, teamsPriceLookupKey } = config.checkout;
  if (successUrl === undefined || cancelUrl === undefined) return null;
  return { successUrl, cancelUrl, teamsPriceLookupKey };
}

function pickPriceSource(config: Config, stripe: Stripe | null, logger: PinoLogger): PriceSource {
  const priceLogger = logger.child({ component: 'prices' });
  if (stripe) return stripePriceSource(stripe, { logger: priceLogger });
  return filePriceSource(join(config.examplesDir, 'prices.json'), { logger: priceLogger });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
