import Fastify, { type FastifyInstance } from 'fastify';

/** What the bare app serves: the service's own response bytes, captured before the load. */
export interface BareBodies {
  list: Buffer;
  detail: Buffer;
}

export const BARE_LIST = '/list';
export const BARE_DETAIL = '/detail';
export const BARE_HEALTH = '/healthz';

/**
 * The honest baseline (issue 13): a Fastify 5 app with no plugins, no hooks, no logger and no schema,
 * in the same process as the service (so its CPU is read the same way), sending the same bytes the
 * service sends. What the service costs above it is everything: security headers, rate limiting,
 * metrics, request ids, validation, the use case.
 */
export async function startBareApp(bodies: BareBodies): Promise<{ app: FastifyInstance; base: string }> {
  const app = Fastify();
  const json = 'application/json; charset=utf-8';
  app.get(BARE_LIST, (_request, reply) => {
    void reply.type(json).send(bodies.list);
  });
  app.get(BARE_DETAIL, (_request, reply) => {
    void reply.type(json).send(bodies.detail);
  });
  app.get(BARE_HEALTH, () => ({ status: 'ok' }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return { app, base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}
