import type Stripe from 'stripe';
import type { Logger } from '../../application/ports/logger.ts';
import { PriceSourceUnavailable } from '../../application/ports/price-source.ts';
import type { PriceSource } from '../../application/ports/price-source.ts';
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
        throw new PriceSourceUnavailable(`Stripe prices.list failed (${describeFailure(error)})`, { cause: error });
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

/**
 * Error class and HTTP status only: Stripe's messages can quote (part of) the
 * API key, and this text ends up in logs and possibly responses. The full error
 * stays available as `cause` for the log.
 */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? `${error.name}, status ${status}` : error.name;
}
