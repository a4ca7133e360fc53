import { Type } from '@sinclair/typebox';

/** `POST /api/v1/admin/academy-sync` body; an absent body means a real (not dry) run. */
export const AcademySyncBodySchema = Type.Object(
  {
    // `enum` without `type`: AJV's type coercion would read null, 0 or "" as false and run a REAL sync.
    dry_run: Type.Optional(
      Type.Unsafe<boolean>({ enum: [true, false], description: 'Compute the report without writing (default false); a JSON boolean' }),
    ),
  },
  {
    $id: 'AcademySyncRequest',
    additionalProperties: false,
    description: 'What kind of run; an absent body is a real run',
    examples: [{ dry_run: true }],
  },
);

/** The sync report of spec §4: the same object `academy-billing sync` prints. */
export const SyncReportSchema = Type.Object(
  {
    ok: Type.Literal(true, { description: 'Always true on a 200 (the CLI prints ok: false with error_code and detail on a failure)' }),
    dry_run: Type.Boolean({ description: 'True when nothing was written' }),
    fetched: Type.Integer({ minimum: 0, description: 'Items received from enterprise-catalog, all pages' }),
    filtered_out: Type.Integer({ minimum: 0, description: 'Items left out by the allowlists' }),
    invalid: Type.Array(
      Type.Object({
        item: Type.String({ description: 'Position in the upstream list, uuid and name when known' }),
        reason: Type.String({ description: 'Why it was skipped' }),
      }),
      { description: 'Items skipped: not normalizable, or colliding with another academy' },
    ),
    warnings: Type.Array(Type.String(), { description: 'Ignored values, each prefixed with its item' }),
    created: Type.Integer({ minimum: 0, description: 'Academies added' }),
    updated: Type.Integer({ minimum: 0, description: 'Academies changed' }),
    unchanged: Type.Integer({ minimum: 0, description: 'Academies already up to date' }),
    deactivated: Type.Integer({ minimum: 0, description: 'Academies no longer in the catalog, now inactive' }),
  },
  {
    $id: 'AcademySyncReport',
    description: 'What the sync did (the same object `academy-billing sync` prints)',
    examples: [
      {
        ok: true,
        dry_run: false,
        fetched: 6,
        filtered_out: 0,
        invalid: [],
        warnings: [],
        created: 6,
        updated: 0,
        unchanged: 0,
        deactivated: 0,
      },
    ],
  },
);

export const ACADEMY_SYNC_SCHEMAS = [AcademySyncBodySchema, SyncReportSchema];
