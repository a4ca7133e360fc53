import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TokenVerifier } from '../../application/ports/token-verifier.ts';
import { academyProductsRoutes, type AcademyProductsRouteDeps } from './routes/academy-products.route.ts';
import { academySyncRoutes, type AcademySyncRouteDeps } from './routes/academy-sync.route.ts';
import { checkoutIntentsRoutes, type CheckoutIntentsRouteDeps } from './routes/checkout-intents.route.ts';
import { stripeWebhookRoutes, type StripeWebhookRouteDeps } from './routes/stripe-webhook.route.ts';
import { checkoutSessionRoutes, type CheckoutSessionRouteDeps } from './routes/checkout-session.route.ts';
import { probeRoutes, type ProbeRouteDeps } from './routes/probes.route.ts';
import { answerFrameworkError, registerErrorHandlers } from './error-handler.ts';
import { answerClientError } from './client-error.ts';
import { serverTimeouts } from './server-timeouts.ts';
import { trustedHops } from './client-address.ts';
import { installReadyLane } from './ready-lane.ts';
import { requestIdOf, requestIdPlugin } from './request-id.ts';
import { QuietProbesLogController, requestLoggerFactory } from './request-log.ts';
import { guardStorableInput } from './unstorable-input.ts';
import type { Registry } from 'prom-client';
import { metricsPlugin } from './plugins/metrics.ts';
import { securityHeadersPlugin } from './plugins/security-headers.ts';
import { corsPlugin } from './plugins/cors.ts';
import { openApiPlugin } from './plugins/openapi.ts';
import { componentSchemasPlugin } from './plugins/component-schemas.ts';
import { rateLimitPlugin, type RateLimitOptions } from './plugins/rate-limit.ts';

export type AppDeps = AcademyProductsRouteDeps &
  AcademySyncRouteDeps &
  CheckoutIntentsRouteDeps &
  CheckoutSessionRouteDeps &
  StripeWebhookRouteDeps &
  ProbeRouteDeps & {
    /** Verifies JWTs for authenticated routes; null when authentication is not configured. */
    readonly tokenVerifier: TokenVerifier | null;
  };

export interface AppOptions {
  readonly logger: FastifyServerOptions['loggerInstance'] | boolean;
  readonly trustProxy: number;
  readonly rateLimit: RateLimitOptions;
  /** Where HTTP metrics are recorded (served by the metrics listener, not by this app). */
  readonly metricsRegistry: Registry;
  /** CORS_ALLOWED_ORIGINS; absent or empty: no CORS at all (no plugin, no header). */
  readonly corsAllowedOrigins?: readonly string[];
  /** OPENAPI_SERVER_URL: the base URL the OpenAPI document names (default `/`). */
  readonly openApiServerUrl?: string | undefined;
  /** A shorter request timeout (the others follow it, see server-timeouts.ts), so tests can prove it quickly; production uses the default. */
  readonly limits?: { readonly requestTimeout?: number };
  /** DOCS_ENABLED: `/docs` and `/openapi.json` answered (else 404). */
  readonly docsEnabled: boolean;
  /** The ready lane (ready-lane.ts) in front of Fastify; off while tracing is on. Default on. */
  readonly readyLane?: boolean;
}

/**
 * Longest path parameter the router accepts (Fastify's default, 100, refused longer ones with an
 * undocumented 414): identifiers are up to 255 characters, percent-encoded up to 12 bytes each.
 */
const MAX_PARAM_LENGTH = 3_072;

const BODY_LIMIT = 1_048_576;

/** Builds the HTTP application; never listens (main.ts does, tests use inject). */
export async function buildApp(deps: AppDeps, options: AppOptions): Promise<FastifyInstance> {
  const { headersTimeout, connectionsCheckingInterval, ...timeouts } = serverTimeouts(options.limits?.requestTimeout);
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    ...timeouts,
    // Node enforces requestTimeout only when given to its server constructor (Fastify sets it afterwards,
    // which left a slow-body client connected): pass it there too, with the headers timeout and how often both are checked.
    http: { requestTimeout: timeouts.requestTimeout, headersTimeout, connectionsCheckingInterval },
    ...(typeof options.logger === 'boolean' ? { logger: options.logger } : { loggerInstance: options.logger }),
    // Trust exactly `trustProxy` hops of X-Forwarded-For (what Fastify does for a number); 0 trusts none.
    trustProxy: trustedHops(options.trustProxy),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    // A malformed or over-long URL gets the documented {detail} body, not Fastify's own.
    frameworkErrors: answerFrameworkError,
    // A request Node's parser rejects (timeout, oversized headers, not HTTP) gets the same {detail} body.
    clientErrorHandler: answerClientError,
    // An incoming x-request-id is kept, when well-formed, so one id follows a request across services.
    requestIdHeader: false,
    genReqId: requestIdOf,
    // Probe requests log at debug, every other request at info.
    logController: new QuietProbesLogController(),
    // The request's child logger is made when a line is written (request-log.ts).
    childLoggerFactory: requestLoggerFactory,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  registerErrorHandlers(app);
  // Before the request id's onRoute hook, so a route reading a body enters the request's context first.
  guardStorableInput(app);
  await app.register(requestIdPlugin);
  await app.register(securityHeadersPlugin);
  if (options.corsAllowedOrigins?.length) await app.register(corsPlugin, { allowedOrigins: options.corsAllowedOrigins });
  await app.register(metricsPlugin, { registry: options.metricsRegistry });
  await app.register(componentSchemasPlugin);
  await app.register(openApiPlugin, { serverUrl: options.openApiServerUrl, serveDocs: options.docsEnabled });
  await app.register(rateLimitPlugin, options.rateLimit);
  await app.register(probeRoutes, deps);
  await app.register(academyProductsRoutes, deps);
  await app.register(academySyncRoutes, deps);
  await app.register(checkoutIntentsRoutes, deps);
  await app.register(checkoutSessionRoutes, deps);
  await app.register(stripeWebhookRoutes, deps);
  if (options.readyLane !== false) {
    // After every plugin: the catalogue budget and the metrics recorder it uses are decorations.
    await app.after();
    installReadyLane(app, { catalogue: deps.catalogue, trustProxy: options.trustProxy, cors: Boolean(options.corsAllowedOrigins?.length) });
  }
  return app;
}
