import type { Academy } from '../domain/academy.ts';
import type { AcademyFilter, AcademyRepository } from './ports/academy-repository.ts';
import type { CatalogueVersion } from './ports/catalogue-version.ts';
import type { Clock } from './ports/clock.ts';
import type { Logger } from './ports/logger.ts';
import { lruCache, type LruCache } from './lru-cache.ts';

export interface MemoizedAcademyRepositoryOptions {
  readonly version: CatalogueVersion;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The version is read at most this often; it is also how stale an answer can be (default 1000 ms). */
  readonly checkIntervalMs?: number;
  /** Remembered answers per kind (list filters, identifiers), least recently used evicted first (default 1000). */
  readonly maxEntries?: number;
}

/**
 * The catalogue snapshot (docs/decisions/0010): `list` and `findByIdentifier` answers are
 * remembered per normalized filter / identifier and all dropped when the catalogue version
 * changes. The version is read at most once per interval (single flight) by the request
 * that finds it due; a failed read rejects like any database failure (→ 502) and is retried
 * by the next request, so an answer is never older than the interval. Concurrent misses of
 * one key share one query. The same array / object instance is returned until the snapshot
 * is dropped, which lets callers memoize on identity. `count` passes through.
 */
export function memoizedAcademyRepository(inner: AcademyRepository, options: MemoizedAcademyRepositoryOptions): AcademyRepository {
  const { clock, logger } = options;
  const checkIntervalMs = options.checkIntervalMs ?? 1_000;
  const maxEntries = options.maxEntries ?? 1_000;
  const lists = snapshotPart<readonly Academy[]>(maxEntries);
  const found = snapshotPart<Academy | null>(maxEntries);
  let knownVersion: string | undefined;
  let verifiedAt = Number.NEGATIVE_INFINITY;
  let check: Promise<void> | undefined;
  // Bumped on every drop: a query that started before it must not refill the new snapshot.
  let generation = 0;

  function drop(): void {
    generation += 1;
    lists.clear();
    found.clear();
  }

  /** Undefined on the fast path (the snapshot was verified less than an interval ago), else the shared check. */
  function dueCheck(): Promise<void> | undefined {
    if (clock.now().getTime() - verifiedAt < checkIntervalMs) return undefined;
    check ??= verify().finally(() => {
      check = undefined;
    });
    return check;
  }

  async function verify(): Promise<void> {
    const startedAt = clock.now().getTime();
    const version = await options.version.current();
    if (version !== knownVersion) {
      if (knownVersion !== undefined) logger.debug({ from: knownVersion, to: version }, 'catalogue changed; snapshot dropped');
      knownVersion = version;
      drop();
    }
    verifiedAt = startedAt;
  }

  async function remembered<V>(part: SnapshotPart<V>, key: string, load: () => Promise<V>): Promise<V> {
    const due = dueCheck();
    if (due) await due;
    const hit = part.answers.get(key);
    if (hit !== undefined) return hit;
    const joined = part.inFlight.get(key);
    if (joined) return joined;
    const startedIn = generation;
    const pending: Promise<V> = load()
      .then((value) => {
        if (startedIn === generation) part.answers.set(key, value);
        return value;
      })
      .finally(() => {
        if (part.inFlight.get(key) === pending) part.inFlight.delete(key);
      });
    part.inFlight.set(key, pending);
    return pending;
  }

  return {
    list(filter: AcademyFilter) {
      // Callers share the array: freezing it makes an accidental mutation throw instead of corrupting the snapshot.
      return remembered(lists, filterKey(filter), async () => Object.freeze(await inner.list(filter))) as Promise<Academy[]>;
    },
    findByIdentifier(identifier: string) {
      return remembered(found, identifier, () => inner.findByIdentifier(identifier));
    },
    count() {
      return inner.count();
    },
  };
}

interface SnapshotPart<V> {
  readonly answers: LruCache<V>;
  readonly inFlight: Map<string, Promise<V>>;
  clear(): void;
}

function snapshotPart<V>(maxEntries: number): SnapshotPart<V> {
  const answers = lruCache<V>(maxEntries);
  const inFlight = new Map<string, Promise<V>>();
  return {
    answers,
    inFlight,
    clear() {
      answers.clear();
      inFlight.clear();
    },
  };
}

/**
 * Filters that select the same academies share a key: tags are a set (order and repeats do not
 * matter). Strings are length-prefixed, so no value can forge another filter's key; unset and
 * empty stay distinct.
 */
export function filterKey(filter: AcademyFilter): string {
  const tags = filter.tags && filter.tags.length > 0 ? [...new Set(filter.tags)].sort() : [];
  return `${part(filter.academyUuid)}${part(filter.productKey)}${filter.includeInactive === true ? 'i' : 'a'}${tags.map(part).join('')}`;
}

function part(value: string | undefined): string {
  return value === undefined ? '-' : `${value.length}:${value}`;
}
