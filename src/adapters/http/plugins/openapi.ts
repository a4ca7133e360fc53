import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { PACKAGE_VERSION } from '../../../package-info.ts';
import { finishOpenApiDocument } from './openapi-document.ts';

/** The security scheme authenticated routes name (`security: [{ jwt: [] }]`). */
export const JWT_SECURITY = [{ jwt: [] }];
/** Public operations: no authentication, said explicitly so clients send no token. */
export const PUBLIC: { [scheme: string]: string[] }[] = [];

export interface OpenApiOptions {
  /** OPENAPI_SERVER_URL: the base URL the document's `servers` names (default `/`, the origin serving it). */
  readonly serverUrl?: string | undefined;
  /** DOCS_ENABLED: `/docs` and `/openapi.json` answered; false: both 404. */
  readonly serveDocs: boolean;
}

const TAGS = [
  { name: 'academy-products', description: 'The public catalogue of academies with their live Stripe prices (no authentication)' },
  { name: 'checkout-intents', description: "A learner's intent to buy an academy, and the Stripe Checkout Session that pays it (JWT)" },
  { name: 'admin', description: 'Administrators only: the enterprise-catalog sync (JWT with `administrator: true`)' },
  { name: 'stripe', description: 'Called by Stripe, verified by `Stripe-Signature`; not for clients' },
  { name: 'operations', description: 'Kubernetes liveness and readiness probes' },
];

/**
 * OpenAPI 3.1 generated from the route schemas (`/openapi.json`), and Swagger UI at `/docs`.
 * Registered before the routes so every route is collected. Served only when `serveDocs` (DOCS_ENABLED).
 */
export const openApiPlugin = fp(
  async (app: FastifyInstance, options: OpenApiOptions) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'academy-billing',
          version: PACKAGE_VERSION,
          description:
            'Public catalogue of learning academies with live Stripe prices, academy sync from enterprise-catalog, and checkout intents. ' +
            'Every answer carries `X-Request-Id`; errors are `{detail}`, field errors, or `{error_code, detail}` with the codes each operation lists. ' +
            'A method a path does not serve answers 405 (`components.responses.MethodNotAllowed`). The trailing slashes of the paths are part of the contract.',
        },
        servers: [{ url: options.serverUrl ?? '/', description: 'This deployment' }],
        tags: TAGS,
        components: {
          securitySchemes: {
            jwt: {
              type: 'http',
              scheme: 'bearer',
              bearerFormat: 'JWT',
              description: 'A JWT sent as `Authorization: Bearer <token>` (or `JWT <token>`, as the original clients do).',
            },
          },
        },
      },
      // Named schemas (`$id`) become components.schemas/<$id> instead of `def-N`.
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
      transformObject: (document) => finishOpenApiDocument(('openapiObject' in document ? document.openapiObject : {}) as never),
    });
    // DOCS_ENABLED=false: the document is still built from the routes (`app.swagger()`), never served (404).
    if (!options.serveDocs) return;
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { tryItOutEnabled: true } });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'openapi', fastify: '5.x' },
);
