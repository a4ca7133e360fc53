import type { CatalogueState } from '../ports/catalogue-state.ts';
import type { Logger } from '../ports/logger.ts';
import type { CachedPriceSource } from './cached-price-source.ts';
import type { CatalogueStateWatcher } from './catalogue-state-watcher.ts';

/** A price cache every replica drops together: `invalidate` is shared, not local. */
export type SharedPriceCache = Omit<CachedPriceSource, 'invalidate'> & { invalidate(): Promise<void> };

export interface SharedPriceCacheOptions {
  /** Where the shared price generation is bumped. */
  readonly state: CatalogueState;
  /** Where it is read: the catalogue read model's watcher, which reads it with the catalogue version (one query a second). */
  readonly watcher: CatalogueStateWatcher;
  readonly logger: Logger;
}

/**
 * Makes one replica's price cache follow every replica's webhooks (docs/decisions/0024, 0028).
 * `invalidate` drops this replica's cache and bumps the shared generation; every lookup and every
 * validity check compares the generation the watcher last read (no read of its own) and drops the
 * cache when another replica moved it. The catalogue read model reads the state before it consults
 * prices, so a change is followed within the watcher's interval.
 */
export function sharedPriceCache(cache: CachedPriceSource, options: SharedPriceCacheOptions): SharedPriceCache {
  const { state, watcher, logger } = options;
  // The highest generation this replica has acted on: its own bumps count, so they do not drop the cache twice.
  let known: bigint | undefined;
  // The last token compared, so the per-request check is one string comparison.
  let lastSeen: string | undefined;

  function follow(): void {
    const latest = watcher.latest();
    if (latest === undefined || latest.priceGeneration === lastSeen) return;
    lastSeen = latest.priceGeneration;
    const seen = BigInt(latest.priceGeneration);
    if (known !== undefined && seen <= known) return;
    if (known !== undefined) {
      cache.invalidate();
      logger.info({ from: known.toString(), to: latest.priceGeneration }, 'prices changed on another replica; price cache dropped');
    }
    known = seen;
  }

  return {
    pricesForLookupKeys(lookupKeys) {
      follow();
      return cache.pricesForLookupKeys(lookupKeys);
    },
    version() {
      follow();
      return cache.version();
    },
    freshUntil: (lookupKeys) => cache.freshUntil(lookupKeys),
    async invalidate() {
      cache.invalidate();
      const bumped = BigInt(await state.bumpPriceGeneration());
      if (known === undefined || bumped > known) known = bumped;
      // Dropped again once the bump is durable: a refill between the first drop and the bump must not survive.
      cache.invalidate();
    },
  };
}
