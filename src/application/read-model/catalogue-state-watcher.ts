import type { CatalogueState, CatalogueStateValue } from '../ports/catalogue-state.ts';
import type { Clock } from '../ports/clock.ts';

/** The shared catalogue state as this replica last read it, re-read at most once per interval. */
export interface CatalogueStateWatcher {
  /**
   * The state read less than an interval ago; when that is due, one read shared by every concurrent
   * caller. A failed read rejects (the caller answers it like any database failure) and the next call
   * reads again, so an answer is never older than the interval.
   */
  current(): Promise<CatalogueStateValue>;
  /** What `current()` would answer without reading (read less than an interval ago), else undefined. */
  fresh(): CatalogueStateValue | undefined;
  /** The last state read, without reading; undefined before the first read. */
  latest(): CatalogueStateValue | undefined;
}

export interface CatalogueStateWatcherOptions {
  readonly clock: Clock;
  /** How often the state is read at most: how long another replica's change can take to be seen (default 1000 ms). */
  readonly checkIntervalMs?: number;
}

/** One read of one row per interval per replica, whatever the request rate (docs/decisions/0028). */
export function catalogueStateWatcher(state: CatalogueState, options: CatalogueStateWatcherOptions): CatalogueStateWatcher {
  const { clock } = options;
  const checkIntervalMs = options.checkIntervalMs ?? 1_000;
  let known: CatalogueStateValue | undefined;
  let knownAnswer: Promise<CatalogueStateValue> | undefined;
  let readAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<CatalogueStateValue> | undefined;

  async function read(): Promise<CatalogueStateValue> {
    const startedAt = clock.now().getTime();
    const value = await state.current();
    known = value;
    knownAnswer = Promise.resolve(value);
    // The interval counts from when the read started: what it saw may already be that old.
    readAt = startedAt;
    return value;
  }

  function isFresh(): boolean {
    // A wall clock stepped back (NTP, a resumed VM) makes the elapsed time negative: read again, rather
    // than serving the old state for as long as the step.
    const elapsed = clock.now().getTime() - readAt;
    return elapsed >= 0 && elapsed < checkIntervalMs;
  }

  return {
    current() {
      if (knownAnswer !== undefined && isFresh()) return knownAnswer;
      reading ??= read().finally(() => {
        reading = undefined;
      });
      return reading;
    },
    fresh: () => (known !== undefined && isFresh() ? known : undefined),
    latest: () => known,
  };
}
