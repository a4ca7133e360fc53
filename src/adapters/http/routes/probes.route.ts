import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PUBLIC } from '../plugins/openapi.ts';
import { described } from '../schemas/described.ts';
import { ProbeStatusSchema } from '../schemas/probe.schema.ts';

export interface ProbeRouteDeps {
  /** Resolves when the database answers; rejects otherwise. */
  readonly checkReadiness: () => Promise<void>;
}

/** Where the kubelet (and Docker's HEALTHCHECK) asks; their request lines are logged at debug (request-log.ts). */
export const PROBE_PATHS = ['/healthz', '/readyz'] as const;
export const [LIVENESS_PATH] = PROBE_PATHS;
const [, READINESS] = PROBE_PATHS;
/** What liveness answers, always. */
const ALIVE = { status: 'ok' } as const;
/** The same as bytes: what the ready lane sends without Fastify (ready-lane.ts). */
export const LIVENESS_BODY = JSON.stringify(ALIVE);

/** Kubernetes probes: liveness does no I/O, readiness asks the database. */
export const probeRoutes: FastifyPluginAsyncTypebox<ProbeRouteDeps> = async (app, deps) => {
  app.get(
    LIVENESS_PATH,
    {
      schema: {
        tags: ['operations'],
        operationId: 'checkLiveness',
        summary: 'Liveness: the process answers',
        description: 'Does no I/O: a failure means the process must be restarted.',
        security: PUBLIC,
        response: { 200: described(ProbeStatusSchema, 'Alive') },
      },
    },
    // Synchronous: no promise for the route every kubelet probe and load balancer check calls.
    () => ALIVE,
  );
  app.get(
    READINESS,
    {
      schema: {
        tags: ['operations'],
        operationId: 'checkReadiness',
        summary: 'Readiness: the database answers within 2 s',
        description: 'Not ready takes the pod out of the Service until the database answers again.',
        security: PUBLIC,
        response: {
          200: described(ProbeStatusSchema, 'Ready'),
          503: described(ProbeStatusSchema, 'Not ready (database down, or shutting down)'),
        },
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
