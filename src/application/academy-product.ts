import { publicIdentifier, resolveThumbnailUrl, type Academy } from '../domain/academy.ts';
import type { Price } from '../domain/price.ts';

/** The public read model of an academy with its price (spec §3, ACADEMY). */
export interface AcademyProduct {
  readonly id: string;
  readonly name: string;
  readonly longName: string;
  readonly description: string;
  readonly marketingUrl: string;
  readonly thumbnailUrl: string;
  readonly tags: readonly string[];
  readonly stripeProductId: string;
  readonly catalogQueryId: number | null;
  readonly prices: readonly Price[];
}

export function toAcademyProduct(
  academy: Academy,
  pricesByLookupKey: ReadonlyMap<string, Price>,
  thumbnailBaseUrl: string,
): AcademyProduct {
  const price = academy.stripePriceLookupKey ? pricesByLookupKey.get(academy.stripePriceLookupKey) : undefined;
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
  };
}
