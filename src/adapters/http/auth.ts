import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AuthenticationError, type Principal, type TokenVerifier } from '../../application/ports/token-verifier.ts';
import { DomainError } from '../../domain/errors.ts';
import { parseAuthorizationHeader } from './authorization-header.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate` on routes that require a token. */
    principal?: Principal;
  }
}


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
  return async function authenticateRequest(request: FastifyRequest) {
    if (!verifier) {
      request.log.error('authentication is not configured (JWT_SECRET_KEY or JWT_JWKS_URL)');
      throw new DomainError('auth.not_configured', 'Authentication is not configured.');
    }
    const token = parseAuthorizationHeader(request.headers.authorization);
    if (!token) throw new DomainError('auth.not_authenticated', 'No token.');
    try {
      request.principal = await verifier.verify(token);
    } catch (error) {
      // Why a token was refused is logged here, where it is known; the answer comes from the error table.
      if (error instanceof AuthenticationError) request.log.info({ reason: error.reason }, 'token refused');
      throw error;
    }
    if (options.adminOnly && !request.principal.isAdmin) throw new DomainError('auth.forbidden', 'Not an admin.');
  };
}
