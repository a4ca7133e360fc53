import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { SyncAcademies } from '../../../application/sync-academies.ts';
import type { TokenVerifier } from '../../../application/ports/token-verifier.ts';
import { authenticate } from '../auth.ts';
import { methodNotAllowed } from '../method-not-allowed.ts';
import { AcademySyncBodySchema, SyncReportSchema } from '../schemas/academy-sync.schema.ts';
import { CodedErrorSchema, DetailErrorSchema, FieldErrorsSchema } from '../schemas/errors.schema.ts';

export interface AcademySyncRouteDeps {
  readonly syncAcademies: SyncAcademies;
  readonly tokenVerifier: TokenVerifier | null;
}

const PATH = '/api/v1/admin/academy-sync';

/** Runs the sync on an administrator's request (spec §4, §6); catalog failures answer 502 with nothing changed. */
export const academySyncRoutes: FastifyPluginAsyncTypebox<AcademySyncRouteDeps> = async (app, deps) => {
  app.post(
    PATH,
    {
      schema: {
        tags: ['admin'],
        summary: 'Sync academies from enterprise-catalog (administrators only)',
        security: [{ jwt: [] }],
        body: AcademySyncBodySchema,
        response: {
          200: SyncReportSchema,
          400: FieldErrorsSchema,
          401: DetailErrorSchema,
          403: DetailErrorSchema,
          409: CodedErrorSchema,
          429: DetailErrorSchema,
          502: CodedErrorSchema,
          503: CodedErrorSchema,
        },
      },
      // Before the body is parsed or validated: a caller who may not sync learns nothing about the body.
      // An authenticated write: AUTHENTICATED_WRITE_RATE_LIMIT per user applies.
      onRequest: [authenticate(deps.tokenVerifier, { adminOnly: true }), app.authenticatedWriteLimit],
      // No body at all means a real run; the schema then sees {}.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => ({ ok: true as const, ...(await deps.syncAcademies({ dryRun: request.body?.dry_run === true })) }),
  );

  methodNotAllowed(app, [PATH], ['POST']);
};
