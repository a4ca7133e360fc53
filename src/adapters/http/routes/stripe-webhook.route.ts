import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ReceiveStripeWebhook } from '../../../application/stripe-webhook.ts';
import { WebhookReceivedSchema } from '../schemas/checkout-intent.schema.ts';
import { described } from '../schemas/described.ts';
import { PUBLIC } from '../plugins/openapi.ts';
import { ServiceFailureErrorSchema, WebhookNotConfiguredErrorSchema, WebhookSignatureErrorSchema } from '../schemas/errors.schema.ts';

export interface StripeWebhookRouteDeps {
  readonly receiveStripeWebhook: ReceiveStripeWebhook;
}

/** Stripe events (spec §5). Encapsulated (no fastify-plugin) so the raw-body parser stays on this route. */
export const stripeWebhookRoutes: FastifyPluginAsyncTypebox<StripeWebhookRouteDeps> = async (app, deps) => {
  // The signature covers the exact bytes Stripe sent: keep them, whatever the content type says.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post(
    '/api/v1/stripe/webhook',
    {
      schema: {
        tags: ['stripe'],
        operationId: 'receiveStripeWebhook',
        security: PUBLIC,
        summary: 'Receive a Stripe event',
        description:
          'A checkout session that proves its payment marks the intent paid; an expired session, or one whose delayed payment failed, ' +
          "is forgotten by its intent (only the intent's current one) so a new one can be made; each event id takes effect once " +
          '(a redelivery is a no-op, see docs/decisions/0021); price.* and product.* events drop the price cache. ' +
          'Verified with `Stripe-Signature` and STRIPE_WEBHOOK_SECRET. Every verified event is acknowledged with 200, including sessions refused because they do not prove the payment (see docs/decisions/0013).',
        response: {
          200: described(WebhookReceivedSchema, 'Verified and handled (or deliberately ignored)'),
          400: described(WebhookSignatureErrorSchema, 'Missing or bad Stripe-Signature, or a signed body that is not a readable event; nothing changed, and Stripe does not retry a 4xx'),
          502: described(ServiceFailureErrorSchema, 'The database failed; Stripe will retry'),
          503: described(WebhookNotConfiguredErrorSchema, 'STRIPE_WEBHOOK_SECRET is not set'),
        },
      },
    },
    async (request) => {
      const payload = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const signature = request.headers['stripe-signature'];
      await deps.receiveStripeWebhook(payload, typeof signature === 'string' ? signature : undefined);
      return { received: true };
    },
  );
};
