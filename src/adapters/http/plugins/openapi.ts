import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** The security scheme authenticated routes name (`security: [{ jwt: [] }]`). */
export const JWT_SECURITY = [{ jwt: [] }];

/**
 * OpenAPI 3.1 generated from the route schemas (`/openapi.json`), and Swagger UI at `/docs`.
 * Registered before the routes so every route is collected.
 */
export const openApiPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'academy-billing',
          version: '1.0.0',
          description:
            'Public catalogue of learning academies with live Stripe prices, academy sync from enterprise-catalog, and checkout intents.',
        },
        servers: [{ url: '/' }],
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
      // Schemas with an `$id` become named components instead of `def-N`.
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    });
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { tryItOutEnabled: true } });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'openapi', fastify: '5.x' },
);
