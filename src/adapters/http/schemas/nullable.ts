import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

/**
 * `type: [T, 'null']` rather than anyOf: with AJV's type coercion an anyOf would turn `null`
 * into `""` in its first (string) branch; a type list coerces only when no listed type matches.
 */
export function nullable<T extends TSchema>(schema: T): TUnsafe<Static<T> | null> {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema['type'] as string, 'null'] });
}
