import { publicIdentifier, resolveThumbnailUrl, type Academy } from '../domain/academy.ts';
import type { Price } from '../domain/price.ts';
import { priceOf } from './academy-prices.ts';

/** The public read model of an academy with its price (spec §3, ACADEMY). */
export interface AcademyProduct
  extends Pick<Academy, 'name' | 'longName' | 'description' | 'marketingUrl' | 'thumbnailUrl' | 'tags' | 'stripeProductId' | 'catalogQueryId'> {
  /** The public identifier (`publicIdentifier`); `longName` falls back to the name, `thumbnailUrl` is absolute. */
  readonly id: string;
  readonly prices: readonly Price[];
  /** The key its price is looked up by (not published): what the read model watches for expiry. */
  readonly priceLookupKey: string | null;
}

export function toAcademyProduct(
  academy: Academy,
  pricesByLookupKey: ReadonlyMap<string, Price>,
  thumbnailBaseUrl: string,
): AcademyProduct {
  const price = priceOf(academy, pricesByLookupKey);
  return {
    id: publicIdentifier(academy),
    name: academy.name,
    longName: academy.longName || academy.name,
    description: academy.description,
    marketingUrl: academy.marketingUrl,
    thumbnailUrl: resolveThumbnailUrl(academy.thumbnailUrl, thumbnailBaseUrl),
    tags: academy.tags,
    stripeProductId: academy.stripeProductId,
    catalogQueryId: academy.catalogQueryId,
    prices: price ? [price] : [],
    priceLookupKey: academy.stripePriceLookupKey,
  };
}
