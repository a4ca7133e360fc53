import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { described } from '../schemas/described.ts';

export interface ProbeRouteDeps {
  /** Resolves when the database answers; rejects otherwise. */
  readonly checkReadiness: () => Promise<void>;
}

const Status = Type.Object({ status: Type.String() });

/** Kubernetes probes: liveness does no I/O, readiness asks the database. */
export const probeRoutes: FastifyPluginAsyncTypebox<ProbeRouteDeps> = async (app, deps) => {
  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'Liveness: the process answers', response: { 200: Status } } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the database answers within 2 s',
        response: { 200: described(Status, 'Ready'), 503: described(Status, 'Not ready (database down, or shutting down)') },
      },
    },
    async (request, reply) => {
      try {
        await deps.checkReadiness();
        return { status: 'ready' };
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
        return reply.code(503).send({ status: 'unavailable' });
      }
    },
  );
};
