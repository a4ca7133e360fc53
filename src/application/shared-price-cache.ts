import type { CachedPriceSource } from './cached-price-source.ts';
import type { Clock } from './ports/clock.ts';
import type { Logger } from './ports/logger.ts';
import type { PriceGeneration } from './ports/price-generation.ts';
import type { PriceSource } from './ports/price-source.ts';
import { withinBudget } from './within-budget.ts';

/** A price cache every replica drops together: `invalidate` is shared, not local. */
export type SharedPriceCache = PriceSource & { invalidate(): Promise<void> };

export interface SharedPriceCacheOptions {
  readonly generation: PriceGeneration;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The shared generation is read at most this often; it bounds how long another replica's change takes (default 1000 ms). */
  readonly checkIntervalMs?: number;
  /** How long a lookup waits for a due read before answering from the cache (default 500 ms). */
  readonly readWaitMs?: number;
}

/**
 * Makes one replica's price cache follow every replica's webhooks (docs/decisions/0024). `invalidate`
 * drops this replica's cache and bumps the shared generation; lookups read the generation at most once
 * per interval (one read shared by concurrent requests, as the catalogue snapshot reads its version) and
 * drop the cache when it moved. A due read is waited for at most `readWaitMs`: a stalled database (a
 * network partition) costs a price lookup half a second once, not a query timeout on every request. A
 * failed read is logged and retried after the interval: prices are then served as before, and the
 * catalogue's own database read reports the outage.
 */
export function sharedPriceCache(cache: CachedPriceSource, options: SharedPriceCacheOptions): SharedPriceCache {
  const { generation, clock, logger } = options;
  const checkIntervalMs = options.checkIntervalMs ?? 1_000;
  const readWaitMs = options.readWaitMs ?? 500;
  let known: string | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let read: Promise<void> | undefined;
  let readStartedAt = 0;

  async function follow(startedAt: number): Promise<void> {
    try {
      const current = await generation.current();
      if (known !== undefined && current !== known) {
        cache.invalidate();
        logger.info({ from: known, to: current }, 'prices changed on another replica; price cache dropped');
      }
      known = current;
    } catch (error) {
      logger.warn({ err: error }, 'could not read the shared price generation; serving cached prices');
    }
    checkedAt = startedAt;
  }

  return {
    async pricesForLookupKeys(lookupKeys) {
      const now = clock.now().getTime();
      if (now - checkedAt >= checkIntervalMs) {
        if (!read) {
          readStartedAt = now;
          read = follow(now).finally(() => {
            read = undefined;
          });
        }
        // A stalled database must not stall prices too: the read is waited for at most readWaitMs in all
        // (later requests do not wait again for the same read), then the cached prices answer.
        const left = readWaitMs - (now - readStartedAt);
        if (left > 0) await withinBudget(read, left);
      }
      return cache.pricesForLookupKeys(lookupKeys);
    },
    async invalidate() {
      cache.invalidate();
      known = await generation.bump();
      // Dropped again once the bump is durable: a refill between the first drop and the bump (or a bump
      // another replica made meanwhile, which `known` now covers) must not survive.
      cache.invalidate();
    },
  };
}
