import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DomainError } from '../../domain/errors.ts';
import { errorAnswer } from '../error-table.ts';
import { SERVICE_UNAVAILABLE_BODY } from './schemas/errors.schema.ts';
import { validationErrorBody } from './validation-errors.ts';

/** An error a plugin throws with the reply it wants (rate limit, body limit…). */
interface HttpError {
  statusCode: number;
  body?: object;
  headers?: Record<string, string>;
}

/**
 * Errors Fastify raises before routing (`frameworkErrors`): a URL that is not valid percent-encoding is a
 * 400, a path parameter longer than any identifier names nothing (404); both with the documented body.
 */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') void reply.code(404).send({ detail: 'Not found.' });
  else void reply.code(error.statusCode && error.statusCode < 500 ? error.statusCode : 400).send({ detail: 'Malformed request URL.' });
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ detail: 'Not found.' }));
  app.setErrorHandler((error: FastifyError | DomainError | HttpError, request: FastifyRequest, reply: FastifyReply) => {
    // Expected failures: the one table (src/adapters/error-table.ts) says status, body and headers.
    const answer = errorAnswer(error);
    if (answer) {
      if (answer.logged) request.log.error({ err: error }, answer.logged);
      return reply
        .code(answer.status)
        .headers(answer.headers ?? {})
        .send(answer.body(error as DomainError));
    }
    if ('validation' in error && error.validation) {
      return reply.code(400).send(validationErrorBody(error.validation, error.validationContext));
    }
    if ('body' in error && error.body && error.statusCode) {
      return reply.code(error.statusCode).headers(error.headers ?? {}).send(error.body);
    }
    const status = 'statusCode' in error ? error.statusCode : undefined;
    if (status !== undefined && status >= 400 && status < 500) {
      const message = 'message' in error ? error.message : 'Bad request.';
      // A 400 (unparsable or empty JSON body) is declared as field errors on the routes: a {detail} body was serialized as {}.
      return reply.code(status).send(status === 400 ? { non_field_errors: [message] } : { detail: message });
    }
    // Anything else is ours or a dependency's (database down, bug): log it whole, say nothing inside.
    request.log.error({ err: error }, 'request failed');
    return reply.code(502).send(SERVICE_UNAVAILABLE_BODY);
  });
}
