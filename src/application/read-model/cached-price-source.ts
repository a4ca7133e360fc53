import { samePrice, type Price } from '../../domain/price.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { PriceSource } from '../ports/price-source.ts';
import { noTelemetry, type Telemetry } from '../ports/telemetry.ts';
import { withinBudget } from './within-budget.ts';

/**
 * A price source that remembers answers per lookup key; `invalidate` forgets them all (price/product
 * webhooks). `version` and `freshUntil` tell how long an answer built from it stays current (the
 * catalogue read model keeps ready responses that long, docs/decisions/0028).
 */
export type CachedPriceSource = PriceSource & {
  invalidate(): void;
  /**
   * Moves whenever the cache is dropped, when a refetch brings a price other than the one remembered
   * for its key (a first fetch does not: nothing answered before it can have used another price), and
   * when a fetch a caller stopped waiting for ends (that caller answered without it).
   */
  version(): number;
  /**
   * Until when an answer for these keys, just given, stays current while `version` stays: the earliest
   * expiry among their fresh entries (epoch ms; Infinity when none). A key still being fetched is not
   * counted: its fetch moves `version` when it ends.
   */
  freshUntil(lookupKeys: readonly string[]): number;
};

export interface CachedPriceSourceOptions {
  readonly ttlMs: number;
  /** How long a request waits for the inner source before answering from the cache. */
  readonly timeoutMs: number;
  /** After a failed fetch, how long its keys are served from the cache before Stripe is tried again (default: min(ttl, 10 s)). */
  readonly failureBackoffMs?: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly telemetry?: Telemetry;
}

/** One fetch from the inner source. */
interface Fetch {
  readonly keys: readonly string[];
  outcome: Promise<Outcome>;
  /** A caller stopped waiting for it (answered from the cache): reported once, and its end moves the version. */
  abandoned: boolean;
}

interface Entry {
  /** The last good price; undefined when the key had none, so misses are cached too. */
  readonly price: Price | undefined;
  readonly freshUntil: number;
}

/** What one inner fetch produced; 'failed' never escapes to callers. */
type Outcome = ReadonlyMap<string, Price> | 'failed';

/**
 * Spec §2/§3: request volume must never become Stripe volume, and the catalogue
 * answers 200 with the last good prices (or none) when the source fails or is
 * slow. Hence per-key entries (absent keys included), one shared in-flight fetch
 * per key, stale-on-error, a wait budget, and no rejection ever.
 */
export function cachedPriceSource(inner: PriceSource, options: CachedPriceSourceOptions): CachedPriceSource {
  const { clock, logger, ttlMs, timeoutMs } = options;
  const telemetry = options.telemetry ?? noTelemetry;
  const failureBackoffMs = options.failureBackoffMs ?? Math.min(ttlMs, 10_000);
  // No entry is ever fresh for longer than this from now: one that seems to be (the wall clock stepped
  // back since it was written) is treated as expired, so a clock step cannot stretch a price's life.
  const longestLifeMs = Math.max(ttlMs, failureBackoffMs);
  const isFresh = (entry: Entry | undefined, now: number): entry is Entry =>
    entry !== undefined && entry.freshUntil > now && entry.freshUntil - now <= longestLifeMs;
  const entries = new Map<string, Entry>();
  const inFlight = new Map<string, Fetch>();
  // A fetch started before invalidate() may carry what the webhook just changed: it must not refill the cache.
  let generation = 0;
  let version = 0;

  function startFetch(keys: string[]): Fetch {
    const fetch: Fetch = { keys, abandoned: false, outcome: Promise.resolve('failed') };
    fetch.outcome = fetchOutcome(fetch, generation);
    void fetch.outcome.finally(() => {
      for (const key of keys) if (inFlight.get(key) === fetch) inFlight.delete(key);
    });
    for (const key of keys) inFlight.set(key, fetch);
    return fetch;
  }

  /** Never rejects: a failure becomes 'failed' after the cache has been told. */
  async function fetchOutcome(fetch: Fetch, startedIn: number): Promise<Outcome> {
    const { keys } = fetch;
    try {
      const found = await inner.pricesForLookupKeys(keys);
      if (startedIn === generation) remember(keys, (key) => found.get(key), ttlMs);
      return found;
    } catch (error) {
      const staleKeys = keys.filter((key) => entries.get(key)?.price !== undefined);
      logger.warn({ err: error, lookupKeys: keys, staleKeys }, 'price source failed; serving the last good prices');
      // Back off so a down Stripe is not asked again by every request.
      if (startedIn === generation) remember(keys, (key) => entries.get(key)?.price, failureBackoffMs);
      return 'failed';
    } finally {
      // Someone answered without this fetch: what they built must not outlive its end.
      if (fetch.abandoned) version += 1;
    }
  }

  /** Once per fetch, not per waiting request, so a slow Stripe does not flood the log. */
  function abandon(fetches: readonly Fetch[]): void {
    for (const fetch of fetches) {
      if (fetch.abandoned) continue;
      fetch.abandoned = true;
      logger.warn({ lookupKeys: fetch.keys, timeoutMs }, 'price source slower than the budget; answering from the cache until it finishes');
    }
  }

  function remember(keys: readonly string[], priceOf: (key: string) => Price | undefined, forMs: number): void {
    const freshUntil = clock.now().getTime() + forMs;
    let changed = false;
    for (const key of keys) {
      const before = entries.get(key);
      const price = priceOf(key);
      changed ||= before !== undefined && !samePrice(before.price, price);
      entries.set(key, { price, freshUntil });
    }
    if (changed) version += 1;
  }

  return {
    async pricesForLookupKeys(lookupKeys) {
      const now = clock.now().getTime();
      const keys = [...new Set(lookupKeys.filter((key) => key.trim() !== ''))];
      const fresh = new Map<string, Price | undefined>();
      const fetchOf = new Map<string, Fetch>();
      const missing: string[] = [];
      for (const key of keys) {
        const entry = entries.get(key);
        const pending = inFlight.get(key);
        if (isFresh(entry, now)) fresh.set(key, entry.price);
        else if (pending) fetchOf.set(key, pending);
        else missing.push(key);
      }
      if (missing.length > 0) {
        const fetch = startFetch(missing);
        for (const key of missing) fetchOf.set(key, fetch);
      }

      const settled = new Map<Fetch, Outcome>();
      const fetches = [...new Set(fetchOf.values())];
      if (fetches.length > 0) {
        const all = Promise.all(fetches.map((fetch) => fetch.outcome.then((outcome) => void settled.set(fetch, outcome))));
        if (!(await withinBudget(all, timeoutMs))) abandon(fetches.filter((fetch) => !settled.has(fetch)));
      }

      const answer = new Map<string, Price>();
      let degraded = false;
      for (const key of keys) {
        const fetch = fetchOf.get(key);
        const outcome = fetch && settled.get(fetch);
        const answered = outcome !== undefined && outcome !== 'failed';
        degraded ||= fetch !== undefined && !answered;
        // Fresh cache, else this fetch's answer, else the last good price (stale), else nothing.
        const price = !fetch ? fresh.get(key) : answered ? outcome.get(key) : entries.get(key)?.price;
        if (price) answer.set(key, price);
      }
      telemetry.priceLookup(fetches.length === 0 ? 'hit' : degraded ? 'stale' : 'miss');
      return answer;
    },
    invalidate() {
      generation += 1;
      entries.clear();
      inFlight.clear();
      version += 1;
    },
    version: () => version,
    freshUntil(lookupKeys) {
      const now = clock.now().getTime();
      let earliest = Number.POSITIVE_INFINITY;
      for (const key of lookupKeys) {
        const entry = entries.get(key);
        if (isFresh(entry, now) && entry.freshUntil < earliest) earliest = entry.freshUntil;
      }
      return earliest;
    },
  };
}
