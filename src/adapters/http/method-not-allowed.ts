import type { FastifyInstance, HTTPMethods } from 'fastify';
import { DetailErrorSchema } from './schemas/errors.schema.ts';

const ALL_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** 405 with `Allow` for every method a path does not serve (DRF's body). */
export function methodNotAllowed(app: FastifyInstance, paths: readonly string[], allowed: readonly HTTPMethods[]): void {
  const others = ALL_METHODS.filter((method) => !allowed.includes(method));
  for (const url of paths) {
    app.route({
      method: others,
      url,
      schema: { hide: true, response: { 405: DetailErrorSchema } },
      handler: async (request, reply) =>
        reply
          .code(405)
          .header('allow', allowed.join(', '))
          .send({ detail: `Method "${request.method}" not allowed.` }),
    });
  }
}
