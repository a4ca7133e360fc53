import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

const SYNC_REJECTED = { sync: ['sync=true is not supported on this public endpoint.'] };

/**
 * The original ran a sync inside a public GET when `sync=true`; clients that still send it get a
 * clear 400 before any other parameter is looked at. Any other value is ignored.
 */
export function rejectSyncParameter(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  // Callback style, no promise: this runs on every catalogue request.
  const sync = (request.query as Record<string, unknown> | undefined)?.sync;
  if (sync === 'true' || (Array.isArray(sync) && sync.includes('true'))) {
    reply.code(400).send(SYNC_REJECTED);
    return;
  }
  done();
}
