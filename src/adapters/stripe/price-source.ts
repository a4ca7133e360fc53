import type Stripe from 'stripe';
import type { Logger } from '../../application/ports/logger.ts';
import { PriceSourceUnavailable } from '../../application/ports/price-source.ts';
import type { PriceSource } from '../../application/ports/price-source.ts';
import { describeStripeFailure } from './failure.ts';
import { requestedLookupKeys, usablePricesByLookupKey } from './price-mapping.ts';

/** Stripe accepts at most 10 `lookup_keys` per `prices.list` call. */
const LOOKUP_KEYS_PER_CALL = 10;

/**
 * Prices straight from Stripe, asking only for the requested lookup keys (never
 * the whole account). No caching here: wrap it in `cachedPriceSource`.
 */
export function stripePriceSource(stripe: Stripe, options: { logger: Logger }): PriceSource {
  return {
    async pricesForLookupKeys(lookupKeys) {
      const keys = requestedLookupKeys(lookupKeys);
      if (keys.length === 0) return new Map();
      const batches = chunk(keys, LOOKUP_KEYS_PER_CALL);
      let pages: Stripe.Price[][];
      try {
        pages = await Promise.all(batches.map((batch) => listPrices(stripe, batch)));
      } catch (error) {
        throw new PriceSourceUnavailable(`Stripe prices.list failed (${describeStripeFailure(error)})`, { cause: error });
      }
      return usablePricesByLookupKey(pages.flat(), keys, options.logger);
    },
  };
}

async function listPrices(stripe: Stripe, lookupKeys: string[]): Promise<Stripe.Price[]> {
  // A lookup key names at most one price, so 10 keys fit in one page of 100: no pagination.
  const page = await stripe.prices.list({ lookup_keys: lookupKeys, active: true, expand: ['data.product'], limit: 100 });
  return page.data;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
