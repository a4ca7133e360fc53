import { UnavailableError } from '../../domain/errors.ts';
import type { Price } from '../../domain/price.ts';

/** Prices by lookup key; keys without a usable price are simply absent from the map. */
export interface PriceSource {
  pricesForLookupKeys(lookupKeys: readonly string[]): Promise<ReadonlyMap<string, Price>>;
}

/** Raised by a price source that cannot answer (network, upstream error, timeout). */
export class PriceSourceUnavailable extends UnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('prices.unavailable', message, options);
  }
}
