import type { FastifyReply, FastifyRequest } from 'fastify';

const SYNC_REJECTED = { sync: ['sync=true is not supported on this public endpoint.'] };

/**
 * The original ran a sync inside a public GET when `sync=true`; clients that still send it get a
 * clear 400 before any other parameter is looked at. Any other value is ignored.
 */
export async function rejectSyncParameter(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const sync = (request.query as Record<string, unknown> | undefined)?.sync;
  const values = Array.isArray(sync) ? sync : [sync];
  if (values.includes('true')) await reply.code(400).send(SYNC_REJECTED);
}
