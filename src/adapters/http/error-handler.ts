import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.ts';
import { SERVICE_UNAVAILABLE_BODY } from './schemas/errors.schema.ts';
import { validationErrorBody } from './validation-errors.ts';

/** Domain error codes → HTTP status and body: the one place where business failures meet HTTP. */
const DOMAIN_ERRORS: Record<string, { status: number; body: (error: DomainError) => object }> = {
  'academy.not_found': { status: 404, body: () => ({ detail: 'Not found.' }) },
};

/** An error a plugin throws with the reply it wants (rate limit, body limit…). */
interface HttpError {
  statusCode: number;
  body?: object;
  headers?: Record<string, string>;
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ detail: 'Not found.' }));
  app.setErrorHandler((error: FastifyError | DomainError | HttpError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof DomainError) {
      const mapped = DOMAIN_ERRORS[error.code];
      if (mapped) return reply.code(mapped.status).send(mapped.body(error));
    }
    if ('validation' in error && error.validation) {
      return reply.code(400).send(validationErrorBody(error.validation, error.validationContext));
    }
    if ('body' in error && error.body && error.statusCode) {
      return reply.code(error.statusCode).headers(error.headers ?? {}).send(error.body);
    }
    const status = 'statusCode' in error ? error.statusCode : undefined;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send({ detail: 'message' in error ? error.message : 'Bad request.' });
    }
    // Anything else is ours or a dependency's (database down, bug): log it whole, say nothing inside.
    request.log.error({ err: error }, 'request failed');
    return reply.code(502).send(SERVICE_UNAVAILABLE_BODY);
  });
}
