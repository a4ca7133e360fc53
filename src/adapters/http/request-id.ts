import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import { prependPreValidation, readsBody } from './route-hooks.ts';

/** The header that carries a request's id in, back out, and on to Stripe and enterprise-catalog. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** What an incoming id may be: short, and only characters safe in a header, a log line and a URL. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request's id: the incoming `x-request-id` when it is 1–128 characters of `[A-Za-z0-9._:-]` (a
 * UUID, a trace id, a load balancer's `Root=1-…` minus the `=`…), else a new UUID. An id that is too long
 * or carries other characters is not trimmed or cleaned: it is replaced, so what is logged and passed on
 * is either exactly what the caller sent or ours.
 */
export function requestIdOf(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
}

const currentRequest = new AsyncLocalStorage<string>();

/**
 * The id of the request being served, wherever the code runs on its behalf (an upstream call it
 * triggers, even one that finishes after the answer); undefined outside a request (CLI jobs, timers).
 */
export function currentRequestId(): string | undefined {
  return currentRequest.getStore();
}

/** Runs `fn` as part of the request `id`, for code that serves one outside Fastify's hooks. */
export function withRequestId<T>(id: string, fn: () => T): T {
  return currentRequest.run(id, fn);
}

/**
 * Echoes the id on every answer and makes it `currentRequestId()` for the rest of the request. Entered
 * in onRequest, and again in preValidation on the routes that read a body: its stream events run in
 * the socket's async context, not the hook's (nodejs/node#34430; @fastify/request-context does the
 * same). GET and HEAD read none and stay inside the first `run`, with no second hook to pass through.
 */
export const requestIdPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', (request, reply, done) => {
      reply.header(REQUEST_ID_HEADER, request.id);
      currentRequest.run(request.id, done);
    });
    app.addHook('onRoute', (route) => {
      if (readsBody(route)) prependPreValidation(route, reenterRequest);
    });
  },
  { name: 'request-id', fastify: '5.x' },
);

function reenterRequest(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (currentRequest.getStore() === request.id) done();
  else currentRequest.run(request.id, done);
}
