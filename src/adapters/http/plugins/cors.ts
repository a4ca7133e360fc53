import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface CorsOptions {
  /** CORS_ALLOWED_ORIGINS: exact origins (validated in src/config/cors-origins.ts). */
  readonly allowedOrigins: readonly string[];
}

/** How long a browser may reuse a preflight answer (Chromium caps it at 2 h): one preflight per 10 minutes, not per call. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

const SHARED: FastifyCorsOptions = {
  // The methods the API serves.
  methods: ['GET', 'HEAD', 'POST'],
  // X-Request-Id: a front end may send its own id (kept when valid, passed on to Stripe and the catalog).
  allowedHeaders: ['Authorization', 'Content-Type', 'If-None-Match', 'X-Request-Id'],
  // What a front end may read besides the CORS-safelisted ones (Cache-Control, Content-Type, …).
  exposedHeaders: ['ETag', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After', 'X-Request-Id'],
  // Tokens travel in the Authorization header, never in cookies: no credentialed requests.
  credentials: false,
  maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  // Answered in the onRequest hook, before authentication and every rate limit: a preflight is never
  // counted against a budget nor refused with 401/429 (it carries no credentials; docs/decisions/0023).
  hook: 'onRequest',
};

/**
 * @fastify/cors for the listed origins. Every response carries `Vary: Origin`. A request from an origin not
 * on the list (or with none) gets no CORS header at all, and its OPTIONS the 405 (or 404) it gets without
 * CORS; so does an OPTIONS from a listed origin that is not a preflight (no Access-Control-Request-Method),
 * instead of @fastify/cors's plain-text 400. A preflight from a listed origin: 204 with the allowed methods
 * and request headers.
 */
export const corsPlugin = fp(
  async (app: FastifyInstance, options: CorsOptions) => {
    const allowed = new Set(options.allowedOrigins);
    await app.register(cors, {
      hook: SHARED.hook,
      delegator: (request: FastifyRequest, callback) => {
        const origin = request.headers.origin;
        callback(null, {
          ...SHARED,
          origin: origin !== undefined && allowed.has(origin) ? origin : false,
          preflight: request.headers['access-control-request-method'] !== undefined,
        });
      },
    });
  },
  { name: 'academy-cors', fastify: '5.x' },
);
