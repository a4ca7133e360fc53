import type { FastifySchemaValidationError } from 'fastify/types/schema.js';

/** Messages in the original service's (DRF) words, keyed by the failing JSON-schema keyword and format. */
function messageFor(error: FastifySchemaValidationError): string {
  const format = (error.params as { format?: string }).format;
  if (error.keyword === 'format' && format === 'uuid') return 'Must be a valid UUID.';
  if (error.keyword === 'required') return 'This field is required.';
  if (error.keyword === 'type') return `Expected ${String((error.params as { type?: string }).type)}.`;
  return error.message ? `${error.message[0]?.toUpperCase() ?? ''}${error.message.slice(1)}.` : 'Invalid value.';
}

function fieldFor(error: FastifySchemaValidationError, context: string | undefined): string {
  const missing = (error.params as { missingProperty?: string }).missingProperty;
  const path = error.instancePath.replace(/^\//, '').split('/')[0] ?? '';
  return missing ?? (path || (context === 'body' ? 'non_field_errors' : context ?? 'non_field_errors'));
}

/** `{"field": ["message", ...]}`, the 400 body the spec and the original API use. */
export function validationErrorBody(
  errors: readonly FastifySchemaValidationError[],
  context: string | undefined,
): Record<string, string[]> {
  const body: Record<string, string[]> = {};
  for (const error of errors) {
    const field = fieldFor(error, context);
    const message = messageFor(error);
    const messages = (body[field] ??= []);
    if (!messages.includes(message)) messages.push(message);
  }
  return body;
}
