import { Type } from '@sinclair/typebox';

/** `{"detail": "..."}` — 404, 405, 429 and other client errors (the original DRF shape). */
export const DetailErrorSchema = Type.Object({ detail: Type.String() }, { $id: 'DetailError' });

/** `{"error_code": "...", "detail": "..."}` — service failures and business conflicts. */
export const CodedErrorSchema = Type.Object(
  { error_code: Type.String(), detail: Type.String() },
  { $id: 'CodedError' },
);

/** DRF-style field errors: `{"academy_uuid": ["Must be a valid UUID."]}`. */
export const FieldErrorsSchema = Type.Record(Type.String(), Type.Array(Type.String()), { $id: 'FieldErrors' });

export const SERVICE_UNAVAILABLE_BODY = { error_code: 'academy_service_unavailable', detail: 'Retry later.' } as const;
