import { readFile } from 'node:fs/promises';
import type Stripe from 'stripe';
import type { Logger } from '../../application/ports/logger.ts';
import { PriceSourceUnavailable } from '../../application/ports/price-source.ts';
import type { PriceSource } from '../../application/ports/price-source.ts';
import { requestedLookupKeys, usablePricesByLookupKey } from './price-mapping.ts';

/**
 * Prices from a Stripe-format list file (`{object: 'list', data: [...]}`), for
 * the embedded default when no Stripe key is configured. Same mapping, rule and
 * per-price skipping as the Stripe source, so the two answer alike.
 */
export function filePriceSource(path: string, options: { logger: Logger }): PriceSource {
  let prices: Promise<readonly Stripe.Price[]> | undefined;
  return {
    async pricesForLookupKeys(lookupKeys) {
      const keys = requestedLookupKeys(lookupKeys);
      if (keys.length === 0) return new Map();
      prices ??= readPriceList(path).catch((error: unknown) => {
        prices = undefined; // a file fixed on disk is picked up by the next call
        throw error;
      });
      return usablePricesByLookupKey(await prices, keys, options.logger);
    },
  };
}

async function readPriceList(path: string): Promise<readonly Stripe.Price[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new PriceSourceUnavailable(`price file ${path} cannot be read as JSON`, { cause: error });
  }
  const data = typeof parsed === 'object' && parsed !== null ? (parsed as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) {
    throw new PriceSourceUnavailable(`price file ${path} is not a Stripe list object ({"object": "list", "data": [...]})`);
  }
  // The wire format the SDK also parses; toPriceCandidate reads every field defensively.
  return data.filter((item: unknown) => typeof item === 'object' && item !== null) as Stripe.Price[];
}
