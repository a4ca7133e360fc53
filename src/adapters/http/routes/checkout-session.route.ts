import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CreateCheckoutSession } from '../../../application/create-checkout-session.ts';
import type { TokenVerifier } from '../../../application/ports/token-verifier.ts';
import { authenticate, principalOf } from '../auth.ts';
import { JWT_SECURITY } from '../plugins/openapi.ts';
import { perUserRateLimit } from '../plugins/rate-limit.ts';
import { CheckoutSessionSchema, IntentParamsSchema } from '../schemas/checkout-intent.schema.ts';
import { described } from '../schemas/described.ts';
import {
  CheckoutSessionConflictErrorSchema,
  CheckoutSessionUnavailableErrorSchema,
  CheckoutSessionUpstreamErrorSchema,
  DetailErrorSchema,
} from '../schemas/errors.schema.ts';

export interface CheckoutSessionRouteDeps {
  readonly tokenVerifier: TokenVerifier | null;
  readonly createCheckoutSession: CreateCheckoutSession;
  /** CHECKOUT_SESSION_RATE_LIMIT, counted per user. */
  readonly checkoutSessionRateLimit: { readonly max: number; readonly windowMs: number };
}

/** Paying an intent (issue 14): the owner gets a Stripe Checkout Session to send the learner to. */
export const checkoutSessionRoutes: FastifyPluginAsyncTypebox<CheckoutSessionRouteDeps> = async (app, deps) => {
  // Per user, after authentication (a sensitive business flow: OWASP API6): the budget of every
  // authenticated write, then one of its own, both in the shared rate-limit store.
  const limitSessionsPerUser = perUserRateLimit(app, 'checkout_session', deps.checkoutSessionRateLimit);
  app.post(
    '/api/v1/checkout-intents/:uuid/checkout-session/',
    {
      schema: {
        tags: ['checkout-intents'],
        operationId: 'createCheckoutSession',
        security: JWT_SECURITY,
        summary: "A Stripe Checkout Session to pay the caller's intent",
        description:
          'Send the learner to `url`. The intent becomes `paid` when Stripe confirms the payment by webhook, never because the ' +
          'learner reached the success page: poll `GET /api/v1/checkout-intents/{uuid}/` (or `current/`) until it is `paid`. ' +
          'Calling again returns the same session while it is open and more than 5 minutes from its expiry, else a new one. ' +
          'Counted against AUTHENTICATED_WRITE_RATE_LIMIT and CHECKOUT_SESSION_RATE_LIMIT per user.',
        params: IntentParamsSchema,
        response: {
          200: described(CheckoutSessionSchema, "The intent's current session, still open"),
          201: described(CheckoutSessionSchema, 'A new session'),
          401: described(DetailErrorSchema, 'Missing, expired or invalid token'),
          404: described(DetailErrorSchema, 'No such intent, or not yours'),
          409: described(CheckoutSessionConflictErrorSchema, 'The intent cannot be paid now; `error_code` says why'),
          429: described(DetailErrorSchema, 'AUTHENTICATED_WRITE_RATE_LIMIT or CHECKOUT_SESSION_RATE_LIMIT reached for this user'),
          502: described(CheckoutSessionUpstreamErrorSchema, 'Stripe or the database failed; retry'),
          503: described(CheckoutSessionUnavailableErrorSchema, 'Authentication or Stripe Checkout is not configured'),
        },
      },
      onRequest: [authenticate(deps.tokenVerifier), app.authenticatedWriteLimit, limitSessionsPerUser],
    },
    async (request, reply) => {
      const { session, created } = await deps.createCheckoutSession(principalOf(request), request.params.uuid);
      return reply.code(created ? 201 : 200).send({ id: session.id, url: session.url ?? '', expires_at: session.expiresAt.toISOString() });
    },
  );
};
