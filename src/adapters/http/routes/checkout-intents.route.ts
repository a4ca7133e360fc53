import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CreateOrUpdateIntent, CurrentIntent, GetIntent, ListIntents } from '../../../application/checkout-intents.ts';
import type { TransitionIntent } from '../../../application/checkout-intent-lifecycle.ts';
import type { TokenVerifier } from '../../../application/ports/token-verifier.ts';
import { authenticate, principalOf } from '../auth.ts';
import { checkoutIntentJson } from '../checkout-intent.serializer.ts';
import { JWT_SECURITY } from '../plugins/openapi.ts';
import {
  CheckoutIntentListSchema,
  CheckoutIntentSchema,
  CreateIntentBodySchema,
  CurrentIntentQuerySchema,
  IntentListQuerySchema,
  IntentParamsSchema,
  MAX_INTENTS_PER_PAGE,
  TransitionBodySchema,
} from '../schemas/checkout-intent.schema.ts';
import { described, ref } from '../schemas/described.ts';
import {
  AuthenticationUnavailableErrorSchema,
  CheckoutIntentConflictErrorSchema,
  CheckoutSessionUpstreamErrorSchema,
  DetailErrorSchema,
  FieldErrorsSchema,
  InvalidStateTransitionErrorSchema,
  ServiceFailureErrorSchema,
  TransitionConflictErrorSchema,
} from '../schemas/errors.schema.ts';

export interface CheckoutIntentsRouteDeps {
  readonly tokenVerifier: TokenVerifier | null;
  readonly currentIntent: CurrentIntent;
  readonly createOrUpdateIntent: CreateOrUpdateIntent;
  readonly listIntents: ListIntents;
  readonly getIntent: GetIntent;
  readonly transitionIntent: TransitionIntent;
}

const BASE = '/api/v1/checkout-intents/';
const authResponses = {
  401: described(DetailErrorSchema, 'Missing, expired or invalid token'),
  502: described(ServiceFailureErrorSchema, 'The database (or something else) failed; retry later'),
  503: described(AuthenticationUnavailableErrorSchema, 'Authentication is not configured or its keys are unavailable'),
};
const notFound = described(DetailErrorSchema, 'No such intent, or not yours');
const badRequest = described(FieldErrorsSchema, 'A field is invalid');
const throttled = described(DetailErrorSchema, 'AUTHENTICATED_WRITE_RATE_LIMIT reached for this user; `Retry-After` says when to retry');

/** Checkout intents (spec §5): every route needs a JWT; users see only their own intents. */
export const checkoutIntentsRoutes: FastifyPluginAsyncTypebox<CheckoutIntentsRouteDeps> = async (app, deps) => {
  const signedIn = authenticate(deps.tokenVerifier);
  const adminOnly = authenticate(deps.tokenVerifier, { adminOnly: true });
  // Every write is counted against the caller's AUTHENTICATED_WRITE_RATE_LIMIT, after the token is verified.
  const signedInWrite = [signedIn, app.authenticatedWriteLimit];
  const adminWrite = [adminOnly, app.authenticatedWriteLimit];
  const tags = ['checkout-intents'];

  app.post(
    BASE,
    {
      schema: {
        tags,
        operationId: 'createCheckoutIntent',
        security: JWT_SECURITY,
        summary: "Create the caller's intent for a product, or update the open one",
        description:
          'One open intent per user and product: a second call for the same product updates it (200) and keeps the fields it omits; ' +
          'a paid or fulfilled intent is returned unchanged. Counted against AUTHENTICATED_WRITE_RATE_LIMIT per user.',
        body: ref(CreateIntentBodySchema),
        response: {
          200: described(CheckoutIntentSchema, 'The existing intent, updated (or unchanged when paid or fulfilled)'),
          201: described(CheckoutIntentSchema, 'A new intent'),
          400: badRequest,
          409: described(CheckoutIntentConflictErrorSchema, 'The intent cannot be created or updated; `error_code` says why'),
          429: throttled,
          ...authResponses,
          502: described(CheckoutSessionUpstreamErrorSchema, 'Stripe failed while ending the Checkout Session a new quantity makes stale (nothing changed), or the database failed; retry'),
        },
      },
      onRequest: signedInWrite,
    },
    async (request, reply) => {
      const body = request.body;
      const { intent, created } = await deps.createOrUpdateIntent({
        userId: principalOf(request).userId,
        quantity: body.quantity,
        enterpriseSlug: body.enterprise_slug,
        enterpriseName: body.enterprise_name,
        country: body.country,
        termsMetadata: body.terms_metadata as never,
        stripeProductId: body.stripe_product_id,
      });
      return reply.code(created ? 201 : 200).send(checkoutIntentJson(intent));
    },
  );

  app.get(
    BASE,
    {
      schema: {
        tags,
        operationId: 'listCheckoutIntents',
        security: JWT_SECURITY,
        summary: "List the caller's intents, newest first",
        description: "Paginated by `limit` and `offset`; follow `next`. Administrators see everyone's, or one user's with `user_id`.",
        querystring: IntentListQuerySchema,
        response: { 200: described(CheckoutIntentListSchema, 'One page of intents'), 400: badRequest, ...authResponses },
      },
      onRequest: signedIn,
    },
    async (request) => {
      const { user_id: userId, limit: asked = 50, offset = 0 } = request.query;
      // A page holds at most MAX_INTENTS_PER_PAGE whatever `limit` asks (DRF's max_limit): `next` goes on from there.
      const limit = Math.min(asked, MAX_INTENTS_PER_PAGE);
      const page = await deps.listIntents(principalOf(request), { userId, limit, offset });
      const pageUrl = (at: number): string => {
        const query = new URLSearchParams({ ...(userId === undefined ? {} : { user_id: userId }), limit: String(limit), offset: String(at) });
        return `${BASE}?${query.toString()}`;
      };
      return {
        count: page.total,
        next: offset + limit < page.total ? pageUrl(offset + limit) : null,
        previous: offset > 0 ? pageUrl(Math.max(0, offset - limit)) : null,
        results: page.intents.map(checkoutIntentJson),
      };
    },
  );

  app.get(
    `${BASE}current/`,
    {
      schema: {
        tags,
        operationId: 'getCurrentCheckoutIntent',
        security: JWT_SECURITY,
        summary: "Retrieve the caller's current intent",
        description: 'The newest intent that is `created` and unexpired, or `paid`; optionally only for one enterprise slug or product.',
        querystring: CurrentIntentQuerySchema,
        response: {
          200: described(CheckoutIntentSchema, 'The current intent'),
          400: badRequest,
          404: described(DetailErrorSchema, 'No current intent'),
          ...authResponses,
        },
      },
      onRequest: signedIn,
    },
    async (request, reply) => {
      const { enterprise_slug: slug, stripe_product_id: productId } = request.query;
      const intent = await deps.currentIntent({
        userId: principalOf(request).userId,
        // `enterprise_slug=` (empty) means "any", as omitting it does; `stripe_product_id=` means Teams.
        enterpriseSlug: slug === undefined || slug === '' ? undefined : slug,
        stripeProductId: productId,
      });
      if (!intent) return reply.code(404).send({ detail: 'Not found.' });
      return checkoutIntentJson(intent);
    },
  );

  app.get(
    `${BASE}:uuid/`,
    {
      schema: {
        tags,
        operationId: 'getCheckoutIntent',
        security: JWT_SECURITY,
        summary: 'Retrieve one intent',
        description: 'Its owner or an administrator; anyone else gets 404, as for an intent that does not exist.',
        params: IntentParamsSchema,
        response: { 200: described(CheckoutIntentSchema, 'The intent'), 404: notFound, ...authResponses },
      },
      onRequest: signedIn,
    },
    async (request) => checkoutIntentJson(await deps.getIntent(principalOf(request), request.params.uuid)),
  );

  app.post(
    `${BASE}:uuid/transitions/`,
    {
      schema: {
        tags,
        operationId: 'transitionCheckoutIntent',
        security: JWT_SECURITY,
        summary: 'Move an intent to another state',
        description:
          'Administrator (or service) tokens only. The allowed moves are the table of spec §5; the errored states record `error`. ' +
          'Counted against AUTHENTICATED_WRITE_RATE_LIMIT per user.',
        params: IntentParamsSchema,
        body: ref(TransitionBodySchema),
        response: {
          200: described(CheckoutIntentSchema, 'The intent in its new state'),
          400: badRequest,
          403: described(DetailErrorSchema, 'The token is not an admin (or service) token'),
          404: notFound,
          409: described(TransitionConflictErrorSchema, 'The move conflicts with the intent or another one; `error_code` says why'),
          422: described(InvalidStateTransitionErrorSchema, 'The table of §5 does not allow this move'),
          429: throttled,
          ...authResponses,
        },
      },
      onRequest: adminWrite,
    },
    async (request) => {
      const body = request.body;
      const intent = await deps.transitionIntent(request.params.uuid, {
        state: body.state,
        stripeCheckoutSessionId: body.stripe_checkout_session_id,
        stripeCustomerId: body.stripe_customer_id,
        error: body.error,
      });
      return checkoutIntentJson(intent);
    },
  );
};
