import type { AcademyProduct } from './academy-product.ts';
import { toAcademyProduct } from './academy-product.ts';
import { pricesFor } from './academy-prices.ts';
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

/** The public list (spec §3): filtered in the repository, priced only when something matched. */
export function makeListAcademyProducts(deps: CatalogueDeps): ListAcademyProducts {
  return async (filter) => {
    const academies = await deps.academies.list(filter);
    const pricesByKey = await pricesFor(academies, deps.prices, deps.logger);
    return academies.map((academy) => toAcademyProduct(academy, pricesByKey, deps.thumbnailBaseUrl));
  };
}
