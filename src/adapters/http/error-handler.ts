import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.ts';
import { InvalidCheckoutIntentRequestError } from '../../domain/checkout-intent.ts';
import { AcademySyncConflict } from '../../application/ports/academy-sync-store.ts';
import { CatalogSourceUnavailable } from '../../application/ports/catalog-source.ts';
import { CheckoutGatewayUnavailable } from '../../application/ports/checkout-session-gateway.ts';
import { SERVICE_UNAVAILABLE_BODY } from './schemas/errors.schema.ts';
import { validationErrorBody } from './validation-errors.ts';

/** Domain error codes → HTTP status and body: the one place where business failures meet HTTP. */
const DOMAIN_ERRORS: Record<string, { status: number; body: (error: DomainError) => object }> = {
  'academy.not_found': { status: 404, body: () => ({ detail: 'Not found.' }) },
  // Checkout intents (spec §5): the error_code values are the original service's, kept for its front ends.
  'checkout_intent.not_found': { status: 404, body: () => ({ detail: 'Not found.' }) },
  'checkout_intent.slug_reservation': { status: 409, body: coded('slug_reservation') },
  'checkout_intent.failed_exists': { status: 409, body: coded('failed_checkout_intent') },
  'checkout_intent.active_conflict': { status: 409, body: coded('active_checkout_intent') },
  'checkout_intent.paid_mismatch': { status: 409, body: coded('paid_intent_mismatch') },
  'checkout_intent.too_many_open': { status: 409, body: coded('too_many_open_intents') },
  'checkout_intent.invalid_transition': { status: 422, body: coded('invalid_state_transition') },
  'checkout_intent.invalid_request': {
    status: 400,
    body: (error) => ({ [error instanceof InvalidCheckoutIntentRequestError ? error.field : 'non_field_errors']: [error.message] }),
  },
  'checkout_intent.not_payable': { status: 409, body: coded('intent_not_payable') },
  'checkout_session.price_unavailable': { status: 409, body: coded('price_unavailable') },
  'checkout_session.not_configured': { status: 503, body: coded('checkout_not_configured') },
  'stripe_webhook.invalid_signature': { status: 400, body: coded('invalid_signature') },
  'stripe_webhook.not_configured': { status: 503, body: coded('webhook_not_configured') },
};

function coded(errorCode: string): (error: DomainError) => object {
  return (error) => ({ error_code: errorCode, detail: error.message });
}

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
    if (error instanceof DomainError) {
      const mapped = DOMAIN_ERRORS[error.code];
      if (mapped) return reply.code(mapped.status).send(mapped.body(error));
    }
    // Sync failures (admin endpoint): the transaction rolled back, so nothing changed.
    if (error instanceof CatalogSourceUnavailable) return reply.code(502).send({ error_code: 'catalog_unavailable', detail: error.message });
    if (error instanceof CheckoutGatewayUnavailable) {
      request.log.error({ err: error }, 'stripe checkout failed');
      return reply.code(502).send({ error_code: 'stripe_unavailable', detail: 'Stripe did not answer; nothing was recorded. Retry later.' });
    }
    if (error instanceof AcademySyncConflict) return reply.code(409).send({ error_code: 'academy_sync_conflict', detail: error.message });
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
