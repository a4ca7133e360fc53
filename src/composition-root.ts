import { join } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import { sql } from 'kysely';
import type { Config } from './config.ts';
import { cachedPriceSource, type CachedPriceSource } from './application/cached-price-source.ts';
import { makeGetAcademyProduct } from './application/get-academy-product.ts';
import { makeListAcademyProducts } from './application/list-academy-products.ts';
import { systemClock } from './application/ports/clock.ts';
import type { PriceSource } from './application/ports/price-source.ts';
import type { TokenVerifier } from './application/ports/token-verifier.ts';
import { jwtVerifier } from './adapters/auth/jwt-verifier.ts';
import { seedAcademiesIfEmpty } from './application/seed-example-catalogue.ts';
import { loadExampleAcademies } from './adapters/files/example-academies.ts';
import { postgresAcademyRepository } from './adapters/postgres/academy-repository.ts';
import { createDatabase, type DatabaseHandle } from './adapters/postgres/database.ts';
import { migrateToLatest } from './adapters/postgres/migrate.ts';
import { createStripeClient } from './adapters/stripe/client.ts';
import { filePriceSource } from './adapters/stripe/file-price-source.ts';
import { stripePriceSource } from './adapters/stripe/price-source.ts';

export interface Deps {
  readonly database: DatabaseHandle;
  readonly priceCache: CachedPriceSource;
  readonly listAcademyProducts: ReturnType<typeof makeListAcademyProducts>;
  readonly getAcademyProduct: ReturnType<typeof makeGetAcademyProduct>;
  readonly checkReadiness: () => Promise<void>;
  /** Null when neither JWT_SECRET_KEY nor JWT_JWKS_URL is set: authenticated routes answer 503. */
  readonly tokenVerifier: TokenVerifier | null;
  readonly migrate: () => Promise<string[]>;
  /** Embedded default only (no catalog API configured): loads the example catalogue into an empty table. */
  readonly seedExamplesIfEmpty: () => Promise<number>;
  readonly close: () => Promise<void>;
}

/** The one place that picks adapters from the configuration and wires the use cases. */
export async function buildDeps(config: Config, logger: PinoLogger): Promise<Deps> {
  const database = await createDatabase({
    databaseUrl: config.database.url,
    pgliteDir: config.database.pgliteDir,
    poolMax: config.database.poolMax,
  });
  const academies = postgresAcademyRepository(database.db);
  const priceCache = cachedPriceSource(pickPriceSource(config, logger), {
    ttlMs: config.stripe.priceCacheTtlSeconds * 1000,
    timeoutMs: config.stripe.timeoutMs,
    clock: systemClock,
    logger: logger.child({ component: 'price-cache' }),
  });
  const catalogue = { academies, prices: priceCache, thumbnailBaseUrl: config.academies.thumbnailBaseUrl, logger };

  return {
    database,
    priceCache,
    listAcademyProducts: makeListAcademyProducts(catalogue),
    getAcademyProduct: makeGetAcademyProduct(catalogue),
    tokenVerifier:
      config.jwt.secretKey || config.jwt.jwksUrl
        ? jwtVerifier({
            secretKey: config.jwt.secretKey,
            jwksUrl: config.jwt.jwksUrl,
            issuer: config.jwt.issuer,
            audience: config.jwt.audience,
          })
        : null,
    checkReadiness: async () => {
      await withTimeout(sql`select 1`.execute(database.db), 2_000, 'database readiness check timed out');
    },
    migrate: async () => (await migrateToLatest(database.db)).applied,
    seedExamplesIfEmpty: async () =>
      config.catalog.apiUrl === undefined
        ? seedAcademiesIfEmpty(academies, () => loadExampleAcademies(join(config.examplesDir, 'academies.json')))
        : 0,
    close: () => database.close(),
  };
}

function pickPriceSource(config: Config, logger: PinoLogger): PriceSource {
  const priceLogger = logger.child({ component: 'prices' });
  if (config.stripe.secretKey) {
    const stripe = createStripeClient({
      secretKey: config.stripe.secretKey,
      apiUrl: config.stripe.apiUrl,
      timeoutMs: config.stripe.timeoutMs,
    });
    return stripePriceSource(stripe, { logger: priceLogger });
  }
  return filePriceSource(join(config.examplesDir, 'prices.json'), { logger: priceLogger });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
