import type { Academy } from '../domain/academy.ts';
import type { Price } from '../domain/price.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { AcademyProduct } from './academy-product.ts';
import { toAcademyProduct } from './academy-product.ts';
import { priceOf, pricesForAcademy } from './academy-prices.ts';
import type { CatalogueDeps } from './list-academy-products.ts';

export type GetAcademyProduct = (identifier: string) => Promise<AcademyProduct>;

/**
 * One academy by any of its identifiers (inactive ones too); NotFoundError without asking for prices.
 * The same academy and price objects give back the same product object (see the list).
 */
export function makeGetAcademyProduct(deps: CatalogueDeps): GetAcademyProduct {
  const built = new WeakMap<Academy, { readonly price: Price | undefined; readonly product: AcademyProduct }>();
  return async (identifier) => {
    const academy = await deps.academies.findByIdentifier(identifier);
    if (!academy) throw new NotFoundError('academy.not_found');
    const pricesByKey = await pricesForAcademy(academy, deps.prices, deps.logger);
    const price = priceOf(academy, pricesByKey);
    const previous = built.get(academy);
    if (previous && previous.price === price) return previous.product;
    const product = toAcademyProduct(academy, pricesByKey, deps.thumbnailBaseUrl);
    built.set(academy, { price, product });
    return product;
  };
}
