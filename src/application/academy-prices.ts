import type { Academy } from '../domain/academy.ts';
import type { Price } from '../domain/price.ts';
import type { Logger } from './ports/logger.ts';
import type { PriceSource } from './ports/price-source.ts';

/** The academy's price among those found, if it has a lookup key and the key was found. */
export function priceOf(academy: Academy, pricesByLookupKey: ReadonlyMap<string, Price>): Price | undefined {
  return academy.stripePriceLookupKey ? pricesByLookupKey.get(academy.stripePriceLookupKey) : undefined;
}

/**
 * Prices for the academies about to be shown. A failing price source never
 * fails the request (spec §3): the academies go out with `prices: []`.
 */
export async function pricesFor(academies: readonly Academy[], prices: PriceSource, logger: Logger): Promise<ReadonlyMap<string, Price>> {
  const lookupKeys = [...new Set(academies.flatMap((academy) => academy.stripePriceLookupKey ?? []))];
  if (lookupKeys.length === 0) return new Map();
  try {
    return await prices.pricesForLookupKeys(lookupKeys);
  } catch (error) {
    logger.warn({ err: error, lookupKeys: lookupKeys.length }, 'price source failed; serving academies without prices');
    return new Map();
  }
}
