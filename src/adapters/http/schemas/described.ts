import type { TSchema } from '@sinclair/typebox';

/**
 * A response schema with the description OpenAPI shows for that status. The `$id` is dropped so
 * the same named schema can be described differently per route without AJV seeing two
 * different schemas under one id.
 */
export function described<T extends TSchema>(schema: T, description: string): T {
  const { $id: _id, ...rest } = schema;
  return { ...rest, description } as T;
}
