import { errorAnswer } from '../adapters/error-table.ts';

/** What a job prints when it fails: the same `{error_code, detail}` as the HTTP API, plus `ok: false`. */
export interface JobFailure {
  readonly ok: false;
  readonly error_code: string;
  readonly detail: string;
}

/** Errors that mean "the database could not be reached" (node's socket errors and PostgreSQL's connection class). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/**
 * Maps a job's error to its code: the error table's where it has one (the codes the HTTP API answers with),
 * `database_unavailable` for a database that cannot be reached, else `<command>_failed`; messages of the
 * catalog and database errors carry no credentials.
 */
export function jobFailure(command: string, error: unknown): JobFailure {
  const detail = error instanceof Error ? error.message : String(error);
  // The HTTP API's codes, from the same table (src/adapters/error-table.ts).
  const errorCode = errorAnswer(error)?.errorCode;
  if (errorCode) return { ok: false, error_code: errorCode, detail };
  if (isDatabaseUnreachable(error)) return { ok: false, error_code: 'database_unavailable', detail: `The database could not be reached: ${detail}` };
  return { ok: false, error_code: `${command.replaceAll('-', '_')}_failed`, detail };
}

/** Walks the `cause` chain too: the migrator wraps the driver's connection error. */
function isDatabaseUnreachable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  if (isDatabaseUnreachable((error as { cause?: unknown }).cause, depth + 1)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNREACHABLE.has(code) || code.startsWith('08') || code === '57P03')) return true;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && /timeout exceeded when trying to connect|Connection terminated/i.test(message);
}
