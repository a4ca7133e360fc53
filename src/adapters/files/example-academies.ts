import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ACADEMY_FIELD_DEFAULTS, type AcademyFields } from '../../domain/academy.ts';

const Slug = Type.String({ pattern: '^[A-Za-z0-9_-]+$', maxLength: 255 });
const ExampleAcademy = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    long_name: Type.Optional(Type.String({ maxLength: 512 })),
    description: Type.Optional(Type.String()),
    marketing_url: Type.Optional(Type.String({ maxLength: 2048 })),
    thumbnail_url: Type.Optional(Type.String({ maxLength: 2048 })),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    stripe_product_id: Type.Optional(Type.String({ maxLength: 255 })),
    stripe_price_lookup_key: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    catalog_query_id: Type.Optional(Type.Integer({ minimum: 0 })),
    product_key: Type.Optional(Slug),
    slug: Type.Optional(Slug),
    is_active: Type.Optional(Type.Boolean()),
    display_order: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
const ExampleFile = Type.Array(ExampleAcademy);
type ExampleAcademy = Static<typeof ExampleAcademy>;

/** Reads the bundled example catalogue (`examples/academies.json`, table column names). */
export async function loadExampleAcademies(path: string): Promise<AcademyFields[]> {
  const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
  const firstError = Value.Errors(ExampleFile, parsed).First();
  if (firstError) throw new Error(`${path}${firstError.path}: ${firstError.message}`);
  return (parsed as ExampleAcademy[]).map(toFields);
}

function toFields(example: ExampleAcademy): AcademyFields {
  return {
    ...ACADEMY_FIELD_DEFAULTS,
    name: example.name,
    longName: example.long_name ?? '',
    description: example.description ?? '',
    marketingUrl: example.marketing_url ?? '',
    thumbnailUrl: example.thumbnail_url ?? '',
    tags: example.tags ?? [],
    stripeProductId: example.stripe_product_id ?? '',
    stripePriceLookupKey: example.stripe_price_lookup_key ?? null,
    catalogQueryId: example.catalog_query_id ?? null,
    productKey: example.product_key ?? null,
    slug: example.slug ?? null,
    isActive: example.is_active ?? true,
    displayOrder: example.display_order ?? 0,
  };
}
