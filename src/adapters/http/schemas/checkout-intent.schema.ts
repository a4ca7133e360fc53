import { Type, type Static } from '@sinclair/typebox';
import { CHECKOUT_INTENT_STATES, type CheckoutIntentState } from '../../../domain/checkout-intent.ts';
import { MAX_INT32 } from '../../../domain/shapes.ts';
import { SLUG_PATTERN } from '../../../domain/sync-policies.ts';
import { ref } from './described.ts';
import { nullable } from './nullable.ts';

/** One named enum: generators make one type of it, shared by the intent and the transition body. */
export const CheckoutIntentStateSchema = Type.Unsafe<CheckoutIntentState>({
  $id: 'CheckoutIntentState',
  type: 'string',
  enum: [...CHECKOUT_INTENT_STATES],
  description: 'Where an intent is in its life (spec §5): created → paid → fulfilled, or an errored state, or expired',
  examples: ['created'],
});
const Text255 = Type.String({ maxLength: 255 });

const EXAMPLE_INTENT = {
  id: 17,
  uuid: '0b0f5a52-5a43-4c59-9d53-0d6f4bb0e6a1',
  user_id: '42',
  stripe_product_id: 'prod_data',
  state: 'created',
  enterprise_name: 'Acme',
  enterprise_slug: 'acme',
  enterprise_uuid: null,
  stripe_customer_id: null,
  stripe_checkout_session_id: null,
  quantity: 5,
  country: 'US',
  expires_at: '2026-12-04T16:00:00.000Z',
  last_checkout_error: null,
  last_provisioning_error: null,
  terms_metadata: {},
  created: '2026-12-04T15:00:00.000Z',
  modified: '2026-12-04T15:00:00.000Z',
};

export const CheckoutIntentSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Database id' }),
    uuid: Type.String({ format: 'uuid', description: 'Public identifier, used in the URLs' }),
    user_id: Type.String({ description: "The owner's user id (the JWT's user_id)" }),
    stripe_product_id: Type.String({ description: "The academy's Stripe product id; '' for a Teams trial" }),
    state: ref(CheckoutIntentStateSchema),
    enterprise_name: nullable(Type.String({ description: 'Name the learner gave for the enterprise' })),
    enterprise_slug: nullable(Type.String({ description: 'Slug reserved for the enterprise' })),
    enterprise_uuid: nullable(Type.String({ description: 'The provisioned enterprise, once known' })),
    stripe_customer_id: nullable(Type.String({ description: 'Stripe customer, once known' })),
    stripe_checkout_session_id: nullable(Type.String({ description: 'Stripe Checkout Session that pays the intent, once created' })),
    quantity: Type.Integer({ minimum: 1, description: 'Number of seats' }),
    country: nullable(Type.String({ description: 'ISO 3166-1 alpha-2' })),
    expires_at: Type.String({ format: 'date-time', description: 'When an unpaid intent expires' }),
    last_checkout_error: nullable(Type.String({ description: 'Last checkout failure recorded' })),
    last_provisioning_error: nullable(Type.String({ description: 'Last provisioning failure recorded' })),
    terms_metadata: Type.Record(Type.String(), Type.Unknown(), { description: 'Terms the learner accepted, as the front end sent them' }),
    created: Type.String({ format: 'date-time', description: 'Creation time' }),
    modified: Type.String({ format: 'date-time', description: 'Last change' }),
  },
  { $id: 'CheckoutIntent', description: "A learner's intent to buy seats of an academy (or a Teams trial)", examples: [EXAMPLE_INTENT] },
);
export type CheckoutIntentJson = Static<typeof CheckoutIntentSchema>;

export const CheckoutIntentListSchema = Type.Object(
  {
    count: Type.Integer({ description: 'Number of intents over all pages' }),
    next: nullable(Type.String({ description: 'Path and query of the next page; null on the last page' })),
    previous: nullable(Type.String({ description: 'Path and query of the previous page; null on the first page' })),
    results: Type.Array(ref(CheckoutIntentSchema), { description: 'This page of intents, newest first' }),
  },
  {
    $id: 'CheckoutIntentList',
    description: 'A page of intents (limit/offset pagination)',
    examples: [{ count: 1, next: null, previous: null, results: [EXAMPLE_INTENT] }],
  },
);

export const CreateIntentBodySchema = Type.Object(
  {
    quantity: Type.Integer({ minimum: 1, maximum: MAX_INT32, description: 'Number of seats' }),
    enterprise_slug: Type.Optional(
      nullable(Type.String({ maxLength: 255, pattern: SLUG_PATTERN.source, description: 'Slug to reserve for the enterprise' })),
    ),
    enterprise_name: Type.Optional(nullable(Type.String({ maxLength: 255, description: 'Name of the enterprise' }))),
    country: Type.Optional(nullable(Type.String({ description: 'ISO 3166-1 alpha-2' }))),
    terms_metadata: Type.Optional(
      nullable(Type.Object({}, { additionalProperties: true, description: 'Terms the learner accepted (free-form JSON object)' })),
    ),
    stripe_product_id: Type.Optional(
      Type.String({ maxLength: 255, description: "An active academy's Stripe product id; '' (the default) is a Teams trial" }),
    ),
  },
  {
    $id: 'CreateCheckoutIntent',
    description: 'Creates the intent, or updates the open one for the same product; omitted fields keep their value',
    examples: [{ quantity: 5, enterprise_slug: 'acme', enterprise_name: 'Acme', country: 'US', stripe_product_id: 'prod_data' }],
  },
);
export type CreateIntentBody = Static<typeof CreateIntentBodySchema>;

export const TransitionBodySchema = Type.Object(
  {
    state: ref(CheckoutIntentStateSchema),
    stripe_checkout_session_id: Type.Optional(nullable({ ...Text255, description: 'Recorded when moving to paid' })),
    stripe_customer_id: Type.Optional(nullable({ ...Text255, description: 'Recorded when given' })),
    error: Type.Optional(nullable(Type.String({ maxLength: 10_000, description: 'Recorded by the errored states' }))),
  },
  {
    $id: 'CheckoutIntentTransition',
    description: 'The state to move to, with what that state records',
    examples: [{ state: 'paid', stripe_checkout_session_id: 'cs_test_1' }],
  },
);

/**
 * The most intents one list page holds (`limit` accepts 1–200 and is lowered to this). Each intent
 * carries up to 4 KB of terms_metadata, which costs ~50 KB of heap once parsed when shaped as many
 * small objects: 200 per page let 64 concurrent lists take the process past 300 MB (decision 0020).
 */
export const MAX_INTENTS_PER_PAGE = 50;

export const IntentListQuerySchema = Type.Object({
  user_id: Type.Optional(Type.String({ description: 'Admins only: that user’s intents' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: `Page size asked for: a page holds at most ${MAX_INTENTS_PER_PAGE} intents (follow \`next\`)` })),
  offset: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0, description: 'Intents to skip; at most 10⁹ (a larger one overflowed in PostgreSQL)' }),
  ),
});

export const CurrentIntentQuerySchema = Type.Object({
  enterprise_slug: Type.Optional(Type.String({ description: 'Only intents for this slug; empty = any' })),
  stripe_product_id: Type.Optional(Type.String({ description: "'' = Teams only; omitted = any product" })),
});

export const IntentParamsSchema = Type.Object({
  uuid: Type.String({ description: 'The intent uuid' }),
});

export const WebhookReceivedSchema = Type.Object(
  { received: Type.Boolean({ description: 'Always true: the event was verified and handled or deliberately ignored' }) },
  { $id: 'WebhookReceived', description: 'Acknowledgement Stripe expects', examples: [{ received: true }] },
);

export const CheckoutSessionSchema = Type.Object(
  {
    id: Type.String({ description: 'The Stripe Checkout Session id (cs_…)' }),
    url: Type.String({ description: "Stripe's hosted payment page: send the learner's browser here" }),
    expires_at: Type.String({ format: 'date-time', description: 'When Stripe ends the session if it is not paid' }),
  },
  {
    $id: 'CheckoutSession',
    description: 'A Stripe Checkout Session that pays an intent',
    examples: [{ id: 'cs_test_a1', url: 'https://checkout.stripe.com/c/pay/cs_test_a1', expires_at: '2026-12-04T16:00:00.000Z' }],
  },
);

export const CHECKOUT_INTENT_SCHEMAS = [
  CheckoutIntentStateSchema,
  CheckoutIntentSchema,
  CheckoutIntentListSchema,
  CreateIntentBodySchema,
  TransitionBodySchema,
  WebhookReceivedSchema,
  CheckoutSessionSchema,
];
