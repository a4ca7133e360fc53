import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * `upgrade-insecure-requests` (a helmet default) is off: it makes a browser fetch /docs' scripts and
 * styles over https when the page was opened over plain http from a non-loopback host, a blank page.
 * The service speaks plain http (TLS ends at the ingress, where the page's relative URLs are https).
 */
export const HELMET_OPTIONS: HelmetOptions = { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } };

/**
 * The headers helmet sets with these options, read once by running its middleware against a response
 * that only records them. Every one of them is static (no nonce, nothing taken from the request).
 */
export function helmetHeaders(options: HelmetOptions = HELMET_OPTIONS): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => (failure = error));
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return Object.freeze(headers);
}

/**
 * helmet's security headers on every response, errors included: computed once at start-up and added
 * to the reply's own headers in one step per request (docs/decisions/0011). Not `res.setHeader`:
 * one header set on the raw response sends every other header of the answer through Node's slow,
 * per-header path as well.
 */
export const securityHeadersPlugin = fp(
  async (app: FastifyInstance) => {
    const headers = helmetHeaders();
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
  },
  { name: 'security-headers', fastify: '5.x' },
);
