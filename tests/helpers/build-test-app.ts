import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { buildApp, type AppOptions } from '../../src/adapters/http/app.ts';
import { detailResponse, listResponse, type ReadyResponse } from '../../src/adapters/http/catalogue-responses.ts';
import type { CatalogueQueries } from '../../src/application/read-model/catalogue-read-model.ts';
import { makeGetAcademyProduct } from '../../src/application/get-academy-product.ts';
import { makeListAcademyProducts } from '../../src/application/list-academy-products.ts';
import type { AcademyRepository } from '../../src/application/ports/academy-repository.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import type { PriceSource } from '../../src/application/ports/price-source.ts';
import type { TokenVerifier } from '../../src/application/ports/token-verifier.ts';
import type { SyncAcademies } from '../../src/application/sync-academies.ts';
import type { CheckoutIntentsRouteDeps } from '../../src/adapters/http/routes/checkout-intents.route.ts';
import type { StripeWebhookRouteDeps } from '../../src/adapters/http/routes/stripe-webhook.route.ts';
import type { CheckoutSessionRouteDeps } from '../../src/adapters/http/routes/checkout-session.route.ts';

export interface TestAppOptions {
  readonly academies: AcademyRepository;
  readonly prices: PriceSource;
  readonly thumbnailBaseUrl?: string;
  readonly rateLimit?: { max: number; windowMs: number; redis?: Redis; authenticatedWrites?: { max: number; windowMs: number } };
  /** A pino logger (or `false`) for tests that read the logs. */
  readonly logger?: AppOptions['logger'];
  readonly trustProxy?: number;
  /** The registry HTTP metrics are recorded into; a fresh one per app when absent. */
  readonly metricsRegistry?: Registry;
  /** DOCS_ENABLED (default true: the OpenAPI document is generated from this app). */
  readonly docsEnabled?: boolean;
  readonly checkReadiness?: () => Promise<void>;
  /** CORS_ALLOWED_ORIGINS; none by default, as in production. */
  readonly corsAllowedOrigins?: readonly string[];
  /** OPENAPI_SERVER_URL; `/` when absent. */
  readonly openApiServerUrl?: string;
  readonly tokenVerifier?: TokenVerifier | null;
  readonly syncAcademies?: SyncAcademies;
  /** The read model's queries as the routes see them; by default built afresh from the ports on every request. */
  readonly catalogue?: CatalogueQueries<ReadyResponse>;
  /** The ready lane in front of Fastify (ready-lane.ts); on by default, as in production. */
  readonly readyLane?: boolean;
  /** Checkout-intent use cases and the Stripe webhook; each one left out rejects when called. */
  readonly checkoutIntents?: Partial<Omit<CheckoutIntentsRouteDeps & CheckoutSessionRouteDeps, 'tokenVerifier'> & StripeWebhookRouteDeps>;
}

/** buildApp wired to the given ports (fakes or real adapters), as the composition root would. */
export async function buildTestApp(options: TestAppOptions): Promise<FastifyInstance> {
  const catalogue = {
    academies: options.academies,
    prices: options.prices,
    thumbnailBaseUrl: options.thumbnailBaseUrl ?? '',
    logger: silentLogger,
  };
  const listAcademyProducts = makeListAcademyProducts(catalogue);
  const getAcademyProduct = makeGetAcademyProduct(catalogue);
  return buildApp(
    {
      // Built afresh on every request, so a test sees each change to its fakes at once; the read model's
      // keeping of responses is tested on its own (tests/unit/catalogue-read-model.test.ts) and end to end.
      catalogue: options.catalogue ?? {
        list: async (filter) => listResponse(await listAcademyProducts(filter)),
        detail: async (identifier) => detailResponse(await getAcademyProduct(identifier)),
      },
      checkReadiness: options.checkReadiness ?? (async () => {}),
      tokenVerifier: options.tokenVerifier ?? null,
      syncAcademies: options.syncAcademies ?? (() => Promise.reject(new Error('syncAcademies is not wired in this test'))),
      ...unwiredCheckoutIntents,
      ...options.checkoutIntents,
    },
    {
      logger: options.logger ?? false,
      trustProxy: options.trustProxy ?? 0,
      rateLimit: options.rateLimit ?? { max: 10_000, windowMs: 3_600_000 },
      metricsRegistry: options.metricsRegistry ?? new Registry(),
      ...(options.corsAllowedOrigins ? { corsAllowedOrigins: options.corsAllowedOrigins } : {}),
      openApiServerUrl: options.openApiServerUrl,
      docsEnabled: options.docsEnabled ?? true,
      ...(options.readyLane === undefined ? {} : { readyLane: options.readyLane }),
    },
  );
}

const unwired = (name: string) => () => Promise.reject(new Error(`${name} is not wired in this test`));
const unwiredCheckoutIntents: Omit<CheckoutIntentsRouteDeps & CheckoutSessionRouteDeps, 'tokenVerifier'> & StripeWebhookRouteDeps = {
  currentIntent: unwired('currentIntent'),
  createOrUpdateIntent: unwired('createOrUpdateIntent'),
  listIntents: unwired('listIntents'),
  getIntent: unwired('getIntent'),
  transitionIntent: unwired('transitionIntent'),
  receiveStripeWebhook: unwired('receiveStripeWebhook'),
  createCheckoutSession: unwired('createCheckoutSession'),
  checkoutSessionRateLimit: { max: 10_000, windowMs: 3_600_000 },
};
