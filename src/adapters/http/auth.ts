import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import {
  AuthenticationError,
  TokenVerificationUnavailable,
  type Principal,
  type TokenVerifier,
} from '../../application/ports/token-verifier.ts';
import { parseAuthorizationHeader } from './authorization-header.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate` on routes that require a token. */
    principal?: Principal;
  }
}

const NOT_AUTHENTICATED = { detail: 'Authentication credentials were not provided.' };
const INVALID_TOKEN = { detail: 'Given token not valid for any token type.' };
const FORBIDDEN = { detail: 'You do not have permission to perform this action.' };
const AUTH_UNAVAILABLE = { error_code: 'authentication_unavailable', detail: 'Retry later.' };

/** The principal `authenticate` put on the request; a route without the hook gets a loud error. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route is missing the authenticate hook');
  return request.principal;
}

/**
 * A preHandler that verifies `Authorization: JWT|Bearer <token>` and sets `request.principal`.
 * `verifier` null means no JWT_SECRET_KEY / JWT_JWKS_URL is configured: 503, since no token could pass.
 * Nothing about the token is logged: only why it failed.
 */
export function authenticate(verifier: TokenVerifier | null, options: { adminOnly?: boolean } = {}): preHandlerAsyncHookHandler {
  return async function authenticateRequest(request: FastifyRequest, reply: FastifyReply) {
    if (!verifier) {
      request.log.error('authentication is not configured (JWT_SECRET_KEY or JWT_JWKS_URL)');
      return reply.code(503).send(AUTH_UNAVAILABLE);
    }
    const token = parseAuthorizationHeader(request.headers.authorization);
    if (!token) return unauthorized(reply, NOT_AUTHENTICATED);
    try {
      request.principal = await verifier.verify(token);
    } catch (error) {
      if (error instanceof AuthenticationError) {
        request.log.info({ reason: error.reason }, 'token refused');
        return unauthorized(reply, INVALID_TOKEN);
      }
      if (error instanceof TokenVerificationUnavailable) {
        request.log.warn({ err: error }, 'token keys unavailable');
        return reply.code(503).send(AUTH_UNAVAILABLE);
      }
      throw error;
    }
    if (options.adminOnly && !request.principal.isAdmin) return reply.code(403).send(FORBIDDEN);
    return undefined;
  };
}

function unauthorized(reply: FastifyReply, body: object): FastifyReply {
  return reply.code(401).header('www-authenticate', 'JWT realm="api"').send(body);
}
