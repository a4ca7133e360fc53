import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import { prependPreValidation, readsBody } from './route-hooks.ts';

const NUL = '\u0000';
const MESSAGE = 'Null characters are not allowed.';

/** Deeper JSON than this is refused: PostgreSQL's jsonb input recursed past its stack limit (→ 502). */
const MAX_DEPTH = 32;
const TOO_DEEP = `Nested more than ${MAX_DEPTH} levels deep.`;

/** The first top-level field whose value (or any key or string inside it) is unstorable, with why; else undefined. */
function unstorableField(input: unknown): { field: string; message: string } | undefined {
  if (typeof input !== 'object' || input === null || Buffer.isBuffer(input)) return undefined;
  for (const [key, value] of Object.entries(input)) {
    const message = key.includes(NUL) ? MESSAGE : problemIn(value);
    // A field name the error body can carry (it is a JSON object key matched by `.*`), else the DRF catch-all.
    if (message !== undefined) return { field: hasControlCharacter(key) ? 'non_field_errors' : key, message };
  }
  return undefined;
}

function hasControlCharacter(text: string): boolean {
  return [...text].some((character) => character.charCodeAt(0) < 0x20);
}

function problemIn(value: unknown): string | undefined {
  // Iterative: a deeply nested body must not overflow the stack here.
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [next, depth] = pending.pop() ?? [undefined, 0];
    if (typeof next === 'string') {
      if (next.includes(NUL)) return MESSAGE;
    } else if (typeof next === 'object' && next !== null) {
      if (depth > MAX_DEPTH) return TOO_DEEP;
      for (const [key, entry] of Object.entries(next)) {
        if (key.includes(NUL)) return MESSAGE;
        pending.push([entry, depth + 1]);
      }
    }
  }
  return undefined;
}

/**
 * PostgreSQL text and jsonb cannot hold NUL, nor jsonb arbitrarily deep nesting, so such values reached the
 * database as an error (→ 502). A path parameter with NUL names nothing (404); a query or body field gets a
 * 400 in DRF's words ("Null characters are not allowed.").
 */
export function rejectUnstorableInput(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  // Callback style, no promise: this runs on every request. A reply sent here ends the request (no `done`).
  if (unstorableField(request.params) !== undefined) {
    reply.code(404).send({ detail: 'Not found.' });
    return;
  }
  const problem = unstorableField(request.query) ?? unstorableField(request.body);
  if (problem !== undefined) {
    reply.code(400).send({ [problem.field]: [problem.message] });
    return;
  }
  done();
}

/**
 * Puts `rejectUnstorableInput` before the route's own preValidation hooks (after the request id's
 * re-entry on body routes) on every route that takes input: one that reads a body, or declares path or
 * query parameters. A GET without either (`/healthz`) passes no hook for it, and a path that names no
 * route is a 404 whatever it carries (nothing reads its input).
 */
export function guardStorableInput(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (takesInput(route)) prependPreValidation(route, rejectUnstorableInput);
  });
}

function takesInput(route: RouteOptions): boolean {
  return readsBody(route) || route.url.includes(':') || route.url.includes('*') || route.schema?.querystring !== undefined;
}
