import type { Price } from '../../src/domain/price.ts';
import type { PriceSource } from '../../src/application/ports/price-source.ts';

/** A PriceSource that answers from a fixed list and records what it was asked. */
export interface FakePriceSource extends PriceSource {
  readonly requests: string[][];
  failWith: Error | null;
}

export function fakePriceSource(prices: readonly Price[]): FakePriceSource {
  const source: FakePriceSource = {
    requests: [],
    failWith: null,
    async pricesForLookupKeys(lookupKeys) {
      source.requests.push([...lookupKeys]);
      if (source.failWith) throw source.failWith;
      return new Map(prices.filter((p) => lookupKeys.includes(p.lookupKey)).map((p) => [p.lookupKey, p]));
    },
  };
  return source;
}

export function usdPrice(lookupKey: string, unitAmount = 9900): Price {
  return {
    id: `price_${lookupKey}`,
    productId: `prod_${lookupKey}`,
    lookupKey,
    currency: 'usd',
    unitAmount,
    unitAmountDecimal: (unitAmount / 100).toFixed(2),
    recurring: { interval: 'year', intervalCount: 1, usageType: 'licensed' },
  };
}
