import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CatalogueQueries } from '../../../application/read-model/catalogue-read-model.ts';
import { sendReady, type ReadyResponse } from '../catalogue-responses.ts';
import { rejectSyncParameter } from '../reject-sync-parameter.ts';
import { methodNotAllowed } from '../method-not-allowed.ts';
import { PUBLIC } from '../plugins/openapi.ts';
import {
  AcademyProductListSchema,
  AcademyProductSchema,
  ConditionalHeadersSchema,
  DetailParamsSchema,
  DetailQuerySchema,
  ListQuerySchema,
} from '../schemas/academy-product.schema.ts';
import { described } from '../schemas/described.ts';
import { DetailErrorSchema, FieldErrorsSchema, ServiceFailureErrorSchema } from '../schemas/errors.schema.ts';

export interface AcademyProductsRouteDeps {
  /** The catalogue read model: ready responses (docs/decisions/0028). */
  readonly catalogue: CatalogueQueries<ReadyResponse>;
}

export const LIST_PATH = '/api/v1/academy-products/';
export const DETAIL_ROUTE = '/api/v1/academy-products/:id/';
const commonResponses = {
  400: described(FieldErrorsSchema, 'A parameter is invalid, or `sync=true` was sent'),
  429: described(DetailErrorSchema, 'ACADEMY_PRODUCTS_RATE_LIMIT reached for this client address'),
  502: described(ServiceFailureErrorSchema, 'The database (or something else) failed; retry later'),
};
const CACHING =
  'Answers carry `ETag` and `Cache-Control: public, max-age=60`; send the ETag back in `If-None-Match` to get 304 without a body while nothing changed. ' +
  'Counted against ACADEMY_PRODUCTS_RATE_LIMIT per client address (shared with the other catalogue operation).';
const NO_TAGS: readonly string[] = [];
const NOT_MODIFIED = { type: 'null', description: 'Not modified: the `If-None-Match` tag is current' } as const;

/** The public catalogue (spec §3): no authentication, GET and HEAD only. */
export const academyProductsRoutes: FastifyPluginAsyncTypebox<AcademyProductsRouteDeps> = async (app, deps) => {
  // List and detail share the `academy_unauthenticated` budget.
  const rateLimited = app.catalogueRateLimit;
  app.get(
    LIST_PATH,
    {
      schema: {
        tags: ['academy-products'],
        operationId: 'listAcademyProducts',
        summary: 'List academies with their prices',
        description: `Active academies (all with \`include_inactive=true\`), filtered by uuid, product key and tags, in default order. ${CACHING}`,
        security: PUBLIC,
        querystring: ListQuerySchema,
        headers: ConditionalHeadersSchema,
        response: {
          200: described(AcademyProductListSchema, 'The matching academies, in default order, with their prices'),
          304: NOT_MODIFIED,
          ...commonResponses,
        },
      },
      onRequest: rateLimited,
      preValidation: rejectSyncParameter,
    },
    (request, reply) => {
      const query = request.query;
      const ready = deps.catalogue.list({
        academyUuid: query.academy_uuid,
        productKey: query.product_key,
        tags: query.tag === undefined ? NO_TAGS : query.tag.filter((tag) => tag.trim() !== ''),
        includeInactive: query.include_inactive === 'true',
      });
      return answerWith(request, reply, ready);
    },
  );

  app.get(
    DETAIL_ROUTE,
    {
      schema: {
        tags: ['academy-products'],
        operationId: 'getAcademyProduct',
        summary: 'Retrieve one academy with its price',
        description: `Looks the academy up by uuid, catalog academy uuid, slug, product key or Stripe product id, in that order. ${CACHING}`,
        security: PUBLIC,
        params: DetailParamsSchema,
        headers: ConditionalHeadersSchema,
        querystring: DetailQuerySchema,
        response: {
          200: described(AcademyProductSchema, 'The academy with its price'),
          304: NOT_MODIFIED,
          404: described(DetailErrorSchema, 'No academy has this identifier'),
          ...commonResponses,
        },
      },
      onRequest: rateLimited,
      preValidation: rejectSyncParameter,
    },
    (request, reply) => answerWith(request, reply, deps.catalogue.detail(request.params.id)),
  );

  methodNotAllowed(app, [LIST_PATH, DETAIL_ROUTE], ['GET', 'HEAD']);
};

/**
 * Sends the ready response: at once when the read model had it (the handler returns nothing, as a
 * synchronous Fastify handler that replied must), else when it is built (Fastify awaits the promise,
 * a rejection goes to the error handler).
 */
function answerWith(request: FastifyRequest, reply: FastifyReply, ready: ReadyResponse | Promise<ReadyResponse>): Promise<FastifyReply> | undefined {
  if (ready instanceof Promise) return ready.then((response) => sendReady(request, reply, response));
  sendReady(request, reply, ready);
  return undefined;
}
