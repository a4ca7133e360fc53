import type { Kysely } from 'kysely';
import type { SellableProducts } from '../../application/ports/sellable-products.ts';
import type { Database } from './database.ts';

/** SellableProducts over `academies`: the first active academy (default order) with this Stripe product. */
export function postgresSellableProducts(db: Kysely<Database>): SellableProducts {
  return {
    async priceLookupKeyFor(stripeProductId) {
      if (stripeProductId === '') return null;
      const row = await db
        .selectFrom('academies')
        .select('stripe_price_lookup_key')
        .where('stripe_product_id', '=', stripeProductId)
        .where('is_active', '=', true)
        .where('stripe_price_lookup_key', 'is not', null)
        .orderBy('display_order')
        .orderBy('name')
        .orderBy('uuid')
        .limit(1)
        .executeTakeFirst();
      return row?.stripe_price_lookup_key ?? null;
    },
  };
}
