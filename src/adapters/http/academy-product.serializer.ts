import type { AcademyProduct } from '../../application/academy-product.ts';
import type { Price } from '../../domain/price.ts';
import type { AcademyProductJson } from './schemas/academy-product.schema.ts';

/** The original service's JSON contract, field for field. */
export function academyProductJson(product: AcademyProduct): AcademyProductJson {
  return {
    id: product.id,
    name: product.name,
    long_name: product.longName,
    description: product.description,
    marketing_url: product.marketingUrl,
    thumbnail_url: product.thumbnailUrl,
    tags: [...product.tags],
    stripe_product_id: product.stripeProductId,
    catalog_query_id: product.catalogQueryId,
    edx_catalog_id: product.catalogQueryId,
    prices: product.prices.map(priceJson),
  };
}

function priceJson(price: Price): AcademyProductJson['prices'][number] {
  return {
    id: price.id,
    product: price.productId,
    lookup_key: price.lookupKey,
    currency: price.currency,
    unit_amount: price.unitAmount,
    unit_amount_decimal: price.unitAmountDecimal,
    recurring: price.recurring
      ? { interval: price.recurring.interval, interval_count: price.recurring.intervalCount, usage_type: price.recurring.usageType }
      : null,
  };
}
