import type { Price } from '../domain/price.ts';
import type { Clock } from './ports/clock.ts';
import type { Logger } from './ports/logger.ts';
import type { PriceSource } from './ports/price-source.ts';
import { noTelemetry, type Telemetry } from './ports/telemetry.ts';
import { withinBudget } from './within-budget.ts';

/** A price source that remembers answers per lookup key; `invalidate` forgets them all (price/product webhooks). */
export type CachedPriceSource = PriceSource & { invalidate(): void };

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
  const entries = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<Outcome>>();
  const keysOfFetch = new WeakMap<Promise<Outcome>, readonly string[]>();
  const reportedSlow = new WeakSet<Promise<Outcome>>();
  // A fetch started before invalidate() may carry what the webhook just changed: it must not refill the cache.
  let generation = 0;
  // Bumped whenever an entry is written: an answer computed before is then recomputed.
  let entriesVersion = 0;
  // All-fresh answers per lookup-key array (the catalogue passes the same array while nothing changed),
  // reused until an entry changes or the first of them expires: the same Map, without per-key work.
  const answered = new WeakMap<readonly string[], { readonly answer: ReadonlyMap<string, Price>; readonly generation: number; readonly entriesVersion: number; readonly freshUntil: number }>();

  function startFetch(keys: string[]): Promise<Outcome> {
    const pending = fetchOutcome(keys, generation).finally(() => {
      for (const key of keys) if (inFlight.get(key) === pending) inFlight.delete(key);
    });
    for (const key of keys) inFlight.set(key, pending);
    keysOfFetch.set(pending, keys);
    return pending;
  }

  /** Never rejects: a failure becomes 'failed' after the cache has been told. */
  async function fetchOutcome(keys: readonly string[], startedIn: number): Promise<Outcome> {
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
    }
  }

  /** Once per fetch, not per waiting request, so a slow Stripe does not flood the log. */
  function reportSlow(pendings: readonly Promise<Outcome>[]): void {
    for (const pending of pendings) {
      if (reportedSlow.has(pending)) continue;
      reportedSlow.add(pending);
      logger.warn({ lookupKeys: keysOfFetch.get(pending), timeoutMs }, 'price source slower than the budget; answering from the cache until it finishes');
    }
  }

  function remember(keys: readonly string[], priceOf: (key: string) => Price | undefined, forMs: number): void {
    const freshUntil = clock.now().getTime() + forMs;
    for (const key of keys) entries.set(key, { price: priceOf(key), freshUntil });
    entriesVersion += 1;
  }

  return {
    async pricesForLookupKeys(lookupKeys) {
      const now = clock.now().getTime();
      const reusable = answered.get(lookupKeys);
      if (reusable && reusable.generation === generation && reusable.entriesVersion === entriesVersion && now < reusable.freshUntil) {
        telemetry.priceLookup('hit');
        return reusable.answer;
      }
      const keys = [...new Set(lookupKeys.filter((key) => key.trim() !== ''))];
      const fresh = new Map<string, Price | undefined>();
      const pendingOf = new Map<string, Promise<Outcome>>();
      const missing: string[] = [];
      for (const key of keys) {
        const entry = entries.get(key);
        const pending = inFlight.get(key);
        if (entry && entry.freshUntil > now) fresh.set(key, entry.price);
        else if (pending) pendingOf.set(key, pending);
        else missing.push(key);
      }
      if (missing.length > 0) {
        const pending = startFetch(missing);
        for (const key of missing) pendingOf.set(key, pending);
      }

      const settled = new Map<Promise<Outcome>, Outcome>();
      const pendings = [...new Set(pendingOf.values())];
      if (pendings.length > 0) {
        const all = Promise.all(pendings.map((pending) => pending.then((outcome) => void settled.set(pending, outcome))));
        if (!(await withinBudget(all, timeoutMs))) reportSlow(pendings.filter((pending) => !settled.has(pending)));
      }

      const answer = new Map<string, Price>();
      let degraded = false;
      for (const key of keys) {
        const pending = pendingOf.get(key);
        const outcome = pending && settled.get(pending);
        const answered = outcome !== undefined && outcome !== 'failed';
        degraded ||= pending !== undefined && !answered;
        // Fresh cache, else this fetch's answer, else the last good price (stale), else nothing.
        const price = !pending ? fresh.get(key) : answered ? outcome.get(key) : entries.get(key)?.price;
        if (price) answer.set(key, price);
      }
      telemetry.priceLookup(pendings.length === 0 ? 'hit' : degraded ? 'stale' : 'miss');
      if (pendings.length === 0) {
        const freshUntil = Math.min(...keys.map((key) => entries.get(key)?.freshUntil ?? now));
        answered.set(lookupKeys, { answer, generation, entriesVersion, freshUntil });
      }
      return answer;
    },
    invalidate() {
      generation += 1;
      entriesVersion += 1;
      entries.clear();
      inFlight.clear();
    },
  };
}
