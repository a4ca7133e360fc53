import { UnavailableError } from '../../domain/errors.ts';
import type { Price } from '../../domain/price.ts';

/**
 * Prices by lookup key; keys without a usable price are simply absent from the map. A returned map
 * is never changed afterwards: callers may treat the same map object as the same answer.
 */
export interface PriceSource {
  pricesForLookupKeys(lookupKeys: readonly string[]): Promise<ReadonlyMap<string, Price>>;
}

/** Raised by a price source that cannot answer (network, upstream error, timeout). */
export class PriceSourceUnavailable extends UnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('prices.unavailable', message, options);
  }
}
