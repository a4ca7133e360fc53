import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ReceiveStripeWebhook } from '../../../application/stripe-webhook.ts';
import { WebhookReceivedSchema } from '../schemas/checkout-intent.schema.ts';
import { described } from '../schemas/described.ts';
import { CodedErrorSchema } from '../schemas/errors.schema.ts';

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
        summary: 'Stripe webhook: a checkout session that proves its payment marks the intent paid; price.*/product.* drop the price cache',
        description: 'Verified with `Stripe-Signature` and STRIPE_WEBHOOK_SECRET. Every verified event is acknowledged with 200, including sessions refused because they do not prove the payment (see docs/decisions/0013).',
        response: {
          200: described(WebhookReceivedSchema, 'Verified and handled (or deliberately ignored)'),
          400: described(CodedErrorSchema, '`invalid_signature`: missing or bad Stripe-Signature; nothing changed'),
          502: described(CodedErrorSchema, 'The database failed; Stripe will retry'),
          503: described(CodedErrorSchema, '`webhook_not_configured`: STRIPE_WEBHOOK_SECRET is not set'),
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
