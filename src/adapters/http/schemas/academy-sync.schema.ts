import { Type } from '@sinclair/typebox';

/** `POST /api/v1/admin/academy-sync` body; an absent body means a real (not dry) run. */
export const AcademySyncBodySchema = Type.Object(
  {
    // `enum` without `type`: AJV's type coercion would read null, 0 or "" as false and run a REAL sync.
    dry_run: Type.Optional(
      Type.Unsafe<boolean>({ enum: [true, false], description: 'compute the report without writing (default false); a JSON boolean' }),
    ),
  },
  { $id: 'AcademySyncRequest', additionalProperties: false },
);

/** The sync report of spec §4: the same object `academy-billing sync` prints. */
export const SyncReportSchema = Type.Object(
  {
    ok: Type.Literal(true, { description: 'always true on a 200 (the CLI prints ok: false with error_code and detail on a failure)' }),
    dry_run: Type.Boolean(),
    fetched: Type.Integer({ minimum: 0, description: 'items received from enterprise-catalog, all pages' }),
    filtered_out: Type.Integer({ minimum: 0, description: 'items left out by the allowlists' }),
    invalid: Type.Array(
      Type.Object({
        item: Type.String({ description: 'position in the upstream list, uuid and name when known' }),
        reason: Type.String(),
      }),
      { description: 'items skipped: not normalizable, or colliding with another academy' },
    ),
    warnings: Type.Array(Type.String(), { description: 'ignored values, each prefixed with its item' }),
    created: Type.Integer({ minimum: 0 }),
    updated: Type.Integer({ minimum: 0 }),
    unchanged: Type.Integer({ minimum: 0 }),
    deactivated: Type.Integer({ minimum: 0 }),
  },
  {
    $id: 'AcademySyncReport',
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
