import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';

/**
 * helmet's security headers on every response, errors included. The middleware is built once and
 * applied per request: @fastify/helmet rebuilds it (parsing the CSP directives again) on every
 * request, which was about a third of the catalogue's per-request allocation (docs/decisions/0011).
 *
 * `upgrade-insecure-requests` (a helmet default) is off: it makes a browser fetch /docs' scripts and
 * styles over https when the page was opened over plain http from a non-loopback host, a blank page.
 * The service speaks plain http (TLS ends at the ingress, where the page's relative URLs are https).
 */
export const securityHeadersPlugin = fp(
  async (app: FastifyInstance) => {
    const applyHeaders = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
    app.addHook('onRequest', (request, reply, done) => {
      applyHeaders(request.raw, reply.raw, (error?: unknown) => done(error instanceof Error ? error : undefined));
    });
  },
  { name: 'security-headers', fastify: '5.x' },
);
