import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { SyncAcademies } from '../../../application/sync-academies.ts';
import type { TokenVerifier } from '../../../application/ports/token-verifier.ts';
import { authenticate } from '../auth.ts';
import { methodNotAllowed } from '../method-not-allowed.ts';
import { AcademySyncBodySchema, SyncReportSchema } from '../schemas/academy-sync.schema.ts';
import { described, ref } from '../schemas/described.ts';
import {
  AcademySyncConflictErrorSchema,
  AcademySyncUpstreamErrorSchema,
  AuthenticationUnavailableErrorSchema,
  DetailErrorSchema,
  FieldErrorsSchema,
} from '../schemas/errors.schema.ts';
import { JWT_SECURITY } from '../plugins/openapi.ts';

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
        operationId: 'syncAcademies',
        summary: 'Sync academies from enterprise-catalog',
        description:
          'Administrators only. Reads every page of enterprise-catalog and creates, updates or deactivates academies in one transaction ' +
          '(`dry_run: true` computes the report without writing). Counted against AUTHENTICATED_WRITE_RATE_LIMIT per user.',
        security: JWT_SECURITY,
        body: ref(AcademySyncBodySchema),
        response: {
          200: described(SyncReportSchema, 'What the sync did (or would do, on a dry run)'),
          400: described(FieldErrorsSchema, 'The body is not a JSON object with at most a boolean `dry_run`'),
          401: described(DetailErrorSchema, 'Missing, expired or invalid token'),
          403: described(DetailErrorSchema, 'The token is not an administrator token'),
          409: described(AcademySyncConflictErrorSchema, 'A write collided; the sync rolled back'),
          429: described(DetailErrorSchema, 'AUTHENTICATED_WRITE_RATE_LIMIT reached for this user'),
          502: described(AcademySyncUpstreamErrorSchema, 'enterprise-catalog or the database failed; nothing changed'),
          503: described(AuthenticationUnavailableErrorSchema, 'Authentication is not configured or its keys are unavailable'),
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
