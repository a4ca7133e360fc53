import { Type, type Static } from '@sinclair/typebox';

export const PriceSchema = Type.Object(
  {
    id: Type.String(),
    product: Type.String(),
    lookup_key: Type.String(),
    currency: Type.String({ description: 'lower-case ISO code' }),
    unit_amount: Type.Integer({ description: 'minor units' }),
    unit_amount_decimal: Type.String({ description: "major units with Stripe's digits for the currency" }),
    recurring: Type.Union([
      Type.Object({ interval: Type.String(), interval_count: Type.Integer(), usage_type: Type.String() }),
      Type.Null(),
    ]),
  },
  { $id: 'Price' },
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
  prices: [
    {
      id: 'price_1QdataJpy',
      product: 'prod_data',
      lookup_key: 'essentials_data_yearly_jpy',
      currency: 'jpy',
      unit_amount: 15000,
      unit_amount_decimal: '15000',
      recurring: { interval: 'year', interval_count: 1, usage_type: 'licensed' },
    },
  ],
};

export const AcademyProductSchema = Type.Object(
  {
    id: Type.String({ description: 'first non-empty of stripe_product_id, product_key, slug, uuid' }),
    name: Type.String(),
    long_name: Type.String(),
    description: Type.String(),
    marketing_url: Type.String(),
    thumbnail_url: Type.String(),
    tags: Type.Array(Type.String()),
    stripe_product_id: Type.String(),
    catalog_query_id: Type.Union([Type.Integer(), Type.Null()]),
    edx_catalog_id: Type.Union([Type.Integer(), Type.Null()], { description: 'same as catalog_query_id' }),
    prices: Type.Array(PriceSchema, { maxItems: 1 }),
  },
  { $id: 'AcademyProduct', examples: [EXAMPLE_ACADEMY_PRODUCT] },
);
export type AcademyProductJson = Static<typeof AcademyProductSchema>;

export const AcademyProductListSchema = Type.Object(
  {
    count: Type.Integer(),
    next: Type.Null(),
    previous: Type.Null(),
    results: Type.Array(AcademyProductSchema),
  },
  { $id: 'AcademyProductList' },
);
export type AcademyProductListJson = Static<typeof AcademyProductListSchema>;

const TagList = Type.Array(Type.String(), { description: 'repeatable; every given tag must be present' });

export const ListQuerySchema = Type.Object({
  academy_uuid: Type.Optional(Type.String({ format: 'uuid', description: "only this academy (its own uuid)" })),
  product_key: Type.Optional(Type.String()),
  tag: Type.Optional(TagList),
  include_inactive: Type.Optional(Type.String({ description: '`true` includes inactive academies' })),
  sync: Type.Optional(Type.String({ description: '`true` is rejected with 400' })),
});
export type ListQuery = Static<typeof ListQuerySchema>;

export const DetailQuerySchema = Type.Object({
  sync: Type.Optional(Type.String({ description: '`true` is rejected with 400' })),
});

export const DetailParamsSchema = Type.Object({
  id: Type.String({ description: 'uuid, catalog_academy_uuid, slug, product_key or stripe_product_id' }),
});
