import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { UnavailableError } from '../../domain/errors.ts';

/** Another process holds the PGlite directory (PGlite is single-process). */
export class DatabaseLockedError extends UnavailableError {
  constructor(
    readonly pgliteDir: string,
    holder: string,
  ) {
    super(
      'database.locked',
      `PGLITE_DIR ${pgliteDir} is in use by another academy-billing process (${holder}); PGlite allows one process ` +
        'at a time: stop it first, run the sync through POST /api/v1/admin/academy-sync, or use DATABASE_URL',
    );
  }
}

interface Holder {
  readonly pid: number;
  readonly host: string;
}

/**
 * Takes `<dir>.lock` (beside the directory: PGlite initialises an empty one) (created exclusively, holding our pid and host) and returns its release.
 * A lock whose process is gone (same host, pid not running, or our own pid as after a container restart)
 * is taken over; a live holder, or one on another host that cannot be checked, refuses with DatabaseLockedError.
 * The holder does no heartbeat: PGlite's start-up blocks the event loop for seconds, which made an
 * mtime-refreshed lock (proper-lockfile) look stale under load (docs/decisions).
 */
export function lockPgliteDir(pgliteDir: string): () => void {
  const path = `${pgliteDir}.lock`;
  const me: Holder = { pid: process.pid, host: hostname() };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      writeFileSync(path, JSON.stringify(me), { flag: 'wx' });
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // already gone: nothing to release
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(path);
    if (holder && isAlive(holder, me)) throw new DatabaseLockedError(pgliteDir, `pid ${holder.pid} on ${holder.host}`);
    // Stale: move it aside atomically (a concurrent newcomer's rename then fails) and try again.
    try {
      renameSync(path, `${path}.stale-${me.pid}`);
      unlinkSync(`${path}.stale-${me.pid}`);
    } catch {
      // someone else moved it first
    }
  }
  throw new DatabaseLockedError(pgliteDir, 'another process starting at the same moment');
}

function readHolder(path: string): Holder | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string' ? { pid: parsed.pid, host: parsed.host } : null;
  } catch {
    return null; // unreadable or half-written by a crash: stale
  }
}

function isAlive(holder: Holder, me: Holder): boolean {
  if (holder.host !== me.host) return true;
  if (holder.pid === me.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
