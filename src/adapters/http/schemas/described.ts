import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

/** The component name of a schema registered with `app.addSchema` (src/adapters/http/schemas/component-schemas.ts). */
function componentId(schema: TSchema): string {
  if (typeof schema.$id !== 'string') throw new Error('only a named schema (with $id) can be referenced');
  return schema.$id;
}

/** `{"$ref": "<Name>"}`: validated and serialized by Fastify as the named schema, shown as `#/components/schemas/<Name>`. */
export function ref<T extends TSchema>(schema: T, options: { description?: string } = {}): TUnsafe<Static<T>> {
  return Type.Unsafe<Static<T>>({ $ref: componentId(schema), ...options });
}

/** A response that is the named schema, with the description OpenAPI shows for that status on this route. */
export function described<T extends TSchema>(schema: T, description: string): TUnsafe<Static<T>> {
  return ref(schema, { description });
}
