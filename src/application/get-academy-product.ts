import { NotFoundError } from '../domain/errors.ts';
import type { AcademyProduct } from './academy-product.ts';
import { toAcademyProduct } from './academy-product.ts';
import { pricesFor } from './academy-prices.ts';
import type { CatalogueDeps } from './list-academy-products.ts';

export type GetAcademyProduct = (identifier: string) => Promise<AcademyProduct>;

/** One academy by any of its identifiers (inactive ones too); NotFoundError without asking for prices. */
export function makeGetAcademyProduct(deps: CatalogueDeps): GetAcademyProduct {
  return async (identifier) => {
    const academy = await deps.academies.findByIdentifier(identifier);
    if (!academy) throw new NotFoundError('academy.not_found');
    const pricesByKey = await pricesFor([academy], deps.prices, deps.logger);
    return toAcademyProduct(academy, pricesByKey, deps.thumbnailBaseUrl);
  };
}
