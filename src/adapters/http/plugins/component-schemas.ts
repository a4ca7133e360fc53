import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ACADEMY_PRODUCT_SCHEMAS } from '../schemas/academy-product.schema.ts';
import { ACADEMY_SYNC_SCHEMAS } from '../schemas/academy-sync.schema.ts';
import { CHECKOUT_INTENT_SCHEMAS } from '../schemas/checkout-intent.schema.ts';
import { ERROR_SCHEMAS } from '../schemas/errors.schema.ts';
import { ProbeStatusSchema } from '../schemas/probe.schema.ts';

/** Every named body schema, each once: routes `$ref` them by `$id`; OpenAPI lists them under components.schemas. */
export const COMPONENT_SCHEMAS = [
  ...ACADEMY_PRODUCT_SCHEMAS,
  ...ACADEMY_SYNC_SCHEMAS,
  ...CHECKOUT_INTENT_SCHEMAS,
  ...ERROR_SCHEMAS,
  ProbeStatusSchema,
];

/** Registers the named schemas on the root instance, before any route refers to them (with or without the docs). */
export const componentSchemasPlugin = fp(
  async (app: FastifyInstance) => {
    for (const schema of COMPONENT_SCHEMAS) app.addSchema(schema);
  },
  { name: 'component-schemas', fastify: '5.x' },
);
