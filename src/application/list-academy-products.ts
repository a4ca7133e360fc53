import type { Academy } from '../domain/academy.ts';
import type { Price } from '../domain/price.ts';
import type { AcademyProduct } from './academy-product.ts';
import { toAcademyProduct } from './academy-product.ts';
import { priceOf, pricesFor } from './academy-prices.ts';
import type { AcademyFilter, AcademyRepository } from './ports/academy-repository.ts';
import type { Logger } from './ports/logger.ts';
import type { PriceSource } from './ports/price-source.ts';

export interface CatalogueDeps {
  readonly academies: AcademyRepository;
  readonly prices: PriceSource;
  readonly thumbnailBaseUrl: string;
  readonly logger: Logger;
}

export type ListAcademyProducts = (filter: AcademyFilter) => Promise<readonly AcademyProduct[]>;

/**
 * The public list: filtered in the repository, priced only when something matched. While
 * the repository hands back the same array and the price source the same Price objects
 * (the snapshot and the price cache do), the same result array comes back, so the HTTP
 * adapter can reuse its bytes (docs/decisions/0010).
 */
export function makeListAcademyProducts(deps: CatalogueDeps): ListAcademyProducts {
  const built = new WeakMap<
    readonly Academy[],
    { readonly pricesByKey: ReadonlyMap<string, Price>; readonly prices: readonly (Price | undefined)[]; readonly products: readonly AcademyProduct[] }
  >();
  return async (filter) => {
    const academies = await deps.academies.list(filter);
    const pricesByKey = await pricesFor(academies, deps.prices, deps.logger);
    const previous = built.get(academies);
    // The price cache answers with the same map while nothing expired: nothing to compare.
    if (previous?.pricesByKey === pricesByKey) return previous.products;
    const prices = academies.map((academy) => priceOf(academy, pricesByKey));
    if (previous && sameItems(previous.prices, prices)) {
      built.set(academies, { ...previous, pricesByKey });
      return previous.products;
    }
    const products = Object.freeze(academies.map((academy) => toAcademyProduct(academy, pricesByKey, deps.thumbnailBaseUrl)));
    built.set(academies, { pricesByKey, prices, products });
    return products;
  };
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}
