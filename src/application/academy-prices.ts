import type { Academy } from '../domain/academy.ts';
import type { Price } from '../domain/price.ts';
import type { Logger } from './ports/logger.ts';
import type { PriceSource } from './ports/price-source.ts';

/** The academy's price among those found, if it has a lookup key and the key was found. */
export function priceOf(academy: Academy, pricesByLookupKey: ReadonlyMap<string, Price>): Price | undefined {
  return academy.stripePriceLookupKey ? pricesByLookupKey.get(academy.stripePriceLookupKey) : undefined;
}

// The catalogue snapshot hands back the same array while nothing changed: its keys are worked out once.
const lookupKeysOf = new WeakMap<readonly Academy[], readonly string[]>();

/**
 * Prices for the academies about to be shown. A failing price source never
 * fails the request (spec §3): the academies go out with `prices: []`.
 */
export async function pricesFor(
  academies: readonly Academy[],
  prices: PriceSource,
  logger: Logger,
): Promise<ReadonlyMap<string, Price>> {
  let lookupKeys = lookupKeysOf.get(academies);
  if (lookupKeys === undefined) {
    lookupKeys = [...new Set(academies.flatMap((academy) => academy.stripePriceLookupKey ?? []))];
    lookupKeysOf.set(academies, lookupKeys);
  }
  if (lookupKeys.length === 0) return new Map();
  try {
    return await prices.pricesForLookupKeys(lookupKeys);
  } catch (error) {
    logger.warn({ err: error, lookupKeys: lookupKeys.length }, 'price source failed; serving academies without prices');
    return new Map();
  }
}

// One frozen one-element array per academy object, so the detail's lookups are recognised like the list's.
const alone = new WeakMap<Academy, readonly Academy[]>();

/** Prices for one academy, through `pricesFor` with the same array each time for the same academy object. */
export function pricesForAcademy(academy: Academy, prices: PriceSource, logger: Logger): Promise<ReadonlyMap<string, Price>> {
  let academies = alone.get(academy);
  if (academies === undefined) {
    academies = Object.freeze([academy]);
    alone.set(academy, academies);
  }
  return pricesFor(academies, prices, logger);
}
