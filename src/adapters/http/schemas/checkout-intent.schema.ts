import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { CHECKOUT_INTENT_STATES } from '../../../domain/checkout-intent.ts';


/**
 * `type: [T, 'null']` rather than anyOf: with AJV's type coercion an anyOf would turn `null`
 * into `""` in its first (string) branch; a type list coerces only when no listed type matches.
 */
function nullable<T extends TSchema>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema['type'] as string, 'null'] });
}

const State = Type.Union(CHECKOUT_INTENT_STATES.map((state) => Type.Literal(state)));
const Text255 = Type.String({ maxLength: 255 });

export const CheckoutIntentSchema = Type.Object(
  {
    id: Type.Integer(),
    uuid: Type.String({ format: 'uuid' }),
    user_id: Type.String(),
    stripe_product_id: Type.String({ description: "'' for a Teams trial" }),
    state: State,
    enterprise_name: nullable(Type.String()),
    enterprise_slug: nullable(Type.String()),
    enterprise_uuid: nullable(Type.String()),
    stripe_customer_id: nullable(Type.String()),
    stripe_checkout_session_id: nullable(Type.String()),
    quantity: Type.Integer({ minimum: 1 }),
    country: nullable(Type.String({ description: 'ISO 3166-1 alpha-2' })),
    expires_at: Type.String({ format: 'date-time' }),
    last_checkout_error: nullable(Type.String()),
    last_provisioning_error: nullable(Type.String()),
    terms_metadata: Type.Record(Type.String(), Type.Unknown()),
    created: Type.String({ format: 'date-time' }),
    modified: Type.String({ format: 'date-time' }),
  },
  { $id: 'CheckoutIntent' },
);
export type CheckoutIntentJson = Static<typeof CheckoutIntentSchema>;

export const CheckoutIntentListSchema = Type.Object(
  {
    count: Type.Integer(),
    next: nullable(Type.String()),
    previous: nullable(Type.String()),
    results: Type.Array(CheckoutIntentSchema),
  },
  { $id: 'CheckoutIntentList' },
);

export const CreateIntentBodySchema = Type.Object(
  {
    quantity: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
    enterprise_slug: Type.Optional(nullable(Type.String({ maxLength: 255, pattern: '^[A-Za-z0-9_-]+$' }))),
    enterprise_name: Type.Optional(nullable(Text255)),
    country: Type.Optional(nullable(Type.String({ description: 'ISO 3166-1 alpha-2' }))),
    terms_metadata: Type.Optional(nullable(Type.Object({}, { additionalProperties: true }))),
    stripe_product_id: Type.Optional(Type.String({ maxLength: 255, description: "'' (default) = Teams trial" })),
  },
  { $id: 'CreateCheckoutIntent' },
);
export type CreateIntentBody = Static<typeof CreateIntentBodySchema>;

export const TransitionBodySchema = Type.Object(
  {
    state: State,
    stripe_checkout_session_id: Type.Optional(nullable(Text255)),
    stripe_customer_id: Type.Optional(nullable(Text255)),
    error: Type.Optional(nullable(Type.String({ maxLength: 10_000, description: 'recorded by the errored states' }))),
  },
  { $id: 'CheckoutIntentTransition' },
);

export const IntentListQuerySchema = Type.Object({
  user_id: Type.Optional(Type.String({ description: 'admins only: that user’s intents' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0, description: 'at most 10⁹ (a larger one overflowed in PostgreSQL)' })),
});

export const CurrentIntentQuerySchema = Type.Object({
  enterprise_slug: Type.Optional(Type.String({ description: 'only intents for this slug; empty = any' })),
  stripe_product_id: Type.Optional(Type.String({ description: "'' = Teams only; omitted = any product" })),
});

export const IntentParamsSchema = Type.Object({
  uuid: Type.String({ description: 'the intent uuid' }),
});

export const WebhookReceivedSchema = Type.Object({ received: Type.Boolean() }, { $id: 'WebhookReceived' });

export const CheckoutSessionSchema = Type.Object(
  {
    id: Type.String({ description: 'the Stripe Checkout Session id (cs_…)' }),
    url: Type.String({ description: "Stripe's hosted payment page: send the learner's browser here" }),
    expires_at: Type.String({ format: 'date-time', description: 'when Stripe ends the session if it is not paid' }),
  },
  { $id: 'CheckoutSession' },
);
