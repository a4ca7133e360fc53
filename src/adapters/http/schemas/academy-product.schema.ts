import { Type, type Static } from '@sinclair/typebox';
import { ref } from './described.ts';
import { nullable } from './nullable.ts';

export const PriceRecurrenceSchema = Type.Object(
  {
    interval: Type.String({ description: "Stripe's billing interval: `day`, `week`, `month` or `year`" }),
    interval_count: Type.Integer({ description: 'Number of intervals between two bills' }),
    usage_type: Type.String({ description: "Stripe's usage type: `licensed` or `metered`" }),
  },
  {
    $id: 'PriceRecurrence',
    description: 'How often a recurring price bills',
    examples: [{ interval: 'year', interval_count: 1, usage_type: 'licensed' }],
  },
);

const EXAMPLE_PRICE = {
  id: 'price_1QdataJpy',
  product: 'prod_data',
  lookup_key: 'essentials_data_yearly_jpy',
  currency: 'jpy',
  unit_amount: 15000,
  unit_amount_decimal: '15000',
  recurring: { interval: 'year', interval_count: 1, usage_type: 'licensed' },
};

export const PriceSchema = Type.Object(
  {
    id: Type.String({ description: 'Stripe price id' }),
    product: Type.String({ description: 'Stripe product id the price belongs to' }),
    lookup_key: Type.String({ description: 'Stripe lookup key the academy names its price by' }),
    currency: Type.String({ description: 'Lower-case ISO 4217 code' }),
    unit_amount: Type.Integer({ description: 'Amount in minor units of the currency' }),
    unit_amount_decimal: Type.String({ description: "Amount in major units with Stripe's digits for the currency" }),
    recurring: Type.Union([ref(PriceRecurrenceSchema), Type.Null()], { description: 'Billing interval; null for a one-off price' }),
  },
  { $id: 'Price', description: "An academy's live Stripe price", examples: [EXAMPLE_PRICE] },
);

/** From the bundled example catalogue (`examples/`), as `npm start` serves it. */
const EXAMPLE_ACADEMY_PRODUCT = {
  id: 'prod_data',
  name: 'Data Academy',
  long_name: 'Data Academy',
  description: 'Analytics, SQL and data engineering.',
  marketing_url: '',
  thumbnail_url: 'academies/data/thumbnail.png',
  tags: ['data', 'essentials'],
  stripe_product_id: 'prod_data',
  catalog_query_id: 3180,
  edx_catalog_id: 3180,
  prices: [EXAMPLE_PRICE],
};

export const AcademyProductSchema = Type.Object(
  {
    id: Type.String({ description: 'First non-empty of stripe_product_id, product_key, slug, uuid' }),
    name: Type.String({ description: 'Short display name' }),
    long_name: Type.String({ description: 'Full display name' }),
    description: Type.String({ description: 'Marketing description (may be empty)' }),
    marketing_url: Type.String({ description: 'Marketing page URL (may be empty)' }),
    thumbnail_url: Type.String({ description: 'Thumbnail URL, absolute when THUMBNAIL_BASE_URL is set (may be empty)' }),
    tags: Type.Array(Type.String(), { description: 'Tags the catalogue filters on (`tag=`)' }),
    stripe_product_id: Type.String({ description: 'Stripe product id (may be empty)' }),
    catalog_query_id: Type.Union([Type.Integer(), Type.Null()], { description: 'enterprise-catalog query id, when known' }),
    edx_catalog_id: Type.Union([Type.Integer(), Type.Null()], { description: 'Same as catalog_query_id (kept for older clients)' }),
    prices: Type.Array(ref(PriceSchema), { maxItems: 1, description: 'The academy price, or none when Stripe has no active price for it' }),
  },
  { $id: 'AcademyProduct', description: 'An academy of the public catalogue with its price', examples: [EXAMPLE_ACADEMY_PRODUCT] },
);
export type AcademyProductJson = Static<typeof AcademyProductSchema>;

export const AcademyProductListSchema = Type.Object(
  {
    count: Type.Integer({ description: 'Number of results (the whole list: the catalogue is not paginated)' }),
    next: nullable(Type.String({ description: 'Always null: the catalogue is one page' })),
    previous: nullable(Type.String({ description: 'Always null: the catalogue is one page' })),
    results: Type.Array(ref(AcademyProductSchema), { description: 'The academies, in default order' }),
  },
  {
    $id: 'AcademyProductList',
    description: 'The matching academies (a DRF-style page that always holds everything)',
    examples: [{ count: 1, next: null, previous: null, results: [EXAMPLE_ACADEMY_PRODUCT] }],
  },
);
export type AcademyProductListJson = Static<typeof AcademyProductListSchema>;

export const ACADEMY_PRODUCT_SCHEMAS = [PriceRecurrenceSchema, PriceSchema, AcademyProductSchema, AcademyProductListSchema];

const TagList = Type.Array(Type.String(), { description: 'Repeatable; every given tag must be present' });

export const ListQuerySchema = Type.Object({
  academy_uuid: Type.Optional(Type.String({ format: 'uuid', description: 'Only this academy (its own uuid)' })),
  product_key: Type.Optional(Type.String({ description: 'Only the academy with this product key' })),
  tag: Type.Optional(TagList),
  include_inactive: Type.Optional(Type.String({ description: '`true` includes inactive academies' })),
  sync: Type.Optional(Type.String({ description: 'Not supported: `true` is rejected with 400 (the original ran a sync)' })),
});
export type ListQuery = Static<typeof ListQuerySchema>;

export const DetailQuerySchema = Type.Object({
  sync: Type.Optional(Type.String({ description: 'Not supported: `true` is rejected with 400 (the original ran a sync)' })),
});

export const DetailParamsSchema = Type.Object({
  id: Type.String({ description: 'uuid, catalog_academy_uuid, slug, product_key or stripe_product_id' }),
});

/** Conditional GET (RFC 9110): the ETag of a previous answer; a match is a 304 without a body. */
export const ConditionalHeadersSchema = Type.Object({
  'if-none-match': Type.Optional(Type.String({ description: 'ETag(s) of a copy the client holds; a match answers 304 without a body' })),
});
