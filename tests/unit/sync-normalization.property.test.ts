import t from 'tap';
import fc from 'fast-check';
import { createNormalizationContext, normalizeCatalogItem } from '../../src/domain/sync-policies.ts';
import type { NormalizationSettings, NormalizedAcademy } from '../../src/domain/sync-policies.ts';

const UUID = '2a1f0c3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const ITEM_FIELDS = [
  'uuid', 'name', 'title', 'long_name', 'description', 'short_description', 'long_description', 'image', 'thumbnail_url',
  'marketing_url', 'tags', 'slug', 'product_key', 'stripe_product_id', 'stripe_price_lookup_key', 'display_order',
  'is_active', 'catalog_query_id',
] as const;
const OVERRIDE_KEYS = [
  'name', 'long_name', 'description', 'marketing_url', 'thumbnail_url', 'tags', 'stripe_product_id', 'stripe_price_lookup_key',
  'product_key', 'slug', 'display_order', 'catalog_query_id', 'is_active', 'unknown_key',
] as const;

// Values that look almost right are where rules break, so they are mixed in with arbitrary ones.
const plausible = fc.oneof(
  fc.anything(),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom('', '  ', UUID, UUID.toUpperCase(), 'https://x.example/a', 'http://', 'ftp://x', 'A b', '-', '12', ' 7 ', '\u0000', 'x'.repeat(256)),
  fc.integer({ min: -5, max: 2 ** 32 }),
  fc.double(),
  fc.boolean(),
  fc.array(fc.oneof(fc.string(), fc.record({ title: fc.anything() }), fc.anything()), { maxLength: 6 }),
);
// A well-formed item with at most one field replaced by a plausible value, so valid academies are common too.
const nearlyValidItem = fc
  .tuple(
    fc.record(
      {
        uuid: fc.oneof(fc.constant(UUID), fc.uuid()),
        title: fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }).filter((s) => s.trim() !== ''),
        short_description: fc.string(),
        image: fc.constantFrom('', 'a.png', 'https://cdn.example/a.png'),
        tags: fc.array(fc.oneof(fc.string(), fc.record({ id: fc.nat(), title: fc.string() })), { maxLength: 5 }),
        display_order: fc.nat(),
        catalog_query_id: fc.oneof(fc.nat(), fc.stringMatching(/^ ?[0-9]{1,6} ?$/)),
        is_active: fc.boolean(),
        marketing_url: fc.oneof(fc.webUrl(), fc.string()),
      },
      { requiredKeys: ['title'] },
    ),
    fc.option(fc.tuple(fc.constantFrom(...ITEM_FIELDS), plausible)),
  )
  .map(([base, replacement]) => (replacement === null ? base : { ...base, [replacement[0]]: replacement[1] }));
const item = fc.oneof(
  fc.jsonValue(),
  fc.record(Object.fromEntries(ITEM_FIELDS.map((key) => [key, plausible])), { requiredKeys: [] }),
  nearlyValidItem,
  nearlyValidItem,
);
const settings: fc.Arbitrary<NormalizationSettings> = fc.record({
  defaultCatalogQueryId: fc.oneof(fc.constant(null), fc.nat()),
  catalogQueryIdByUuid: fc.constantFrom({}, { [UUID]: 3 }, { [UUID]: 'x' }),
  overridesByUuid: fc.oneof(
    fc.constant({}),
    fc.record({ [UUID]: fc.oneof(fc.anything(), fc.record(Object.fromEntries(OVERRIDE_KEYS.map((key) => [key, plausible])), { requiredKeys: [] })) }),
  ),
});

const SLUG = /^[A-Za-z0-9_-]+$/;
const chars = (text: string): number => [...text].length;
const isHttpUrl = (text: string): boolean => {
  if (!/^https?:\/\/\S+$/i.test(text)) return false;
  try {
    return new URL(text).hostname !== '';
  } catch {
    return false;
  }
};
const isStorableCount = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 2_147_483_647 && !Object.is(n, -0);
const text = (value: unknown, max: number): boolean => typeof value === 'string' && chars(value) <= max && !value.includes('\u0000');

/** Every §1 rule a normalized academy must meet; returns the broken ones. */
function brokenRules(a: NormalizedAcademy): string[] {
  const checks: Array<[string, boolean]> = [
    ['name non-blank, ≤ 255', text(a.name, 255) && a.name.trim() !== '' && a.name === a.name.trim()],
    ['long_name ≤ 512', text(a.longName, 512)],
    ['description text', text(a.description, Infinity)],
    ["marketing_url '' or http(s)", a.marketingUrl === '' || (text(a.marketingUrl, 2048) && isHttpUrl(a.marketingUrl))],
    ['thumbnail_url ≤ 2048', text(a.thumbnailUrl, 2048)],
    ['tags trimmed, non-empty, unique strings', Array.isArray(a.tags) && a.tags.every((tag) => typeof tag === 'string' && tag !== '' && tag === tag.trim() && !tag.includes('\u0000')) && new Set(a.tags).size === a.tags.length],
    ['stripe_product_id ≤ 255', text(a.stripeProductId, 255)],
    ['lookup key null or non-blank ≤ 255', a.stripePriceLookupKey === null || (text(a.stripePriceLookupKey, 255) && a.stripePriceLookupKey.trim() !== '')],
    ['catalog_query_id null or non-negative integer', a.catalogQueryId === null || isStorableCount(a.catalogQueryId)],
    ['product_key null or slug ≤ 255', a.productKey === null || (SLUG.test(a.productKey) && a.productKey.length <= 255)],
    ['slug null or slug ≤ 255', a.slug === null || (SLUG.test(a.slug) && a.slug.length <= 255)],
    ['is_active boolean', typeof a.isActive === 'boolean'],
    ['display_order non-negative integer', isStorableCount(a.displayOrder)],
    ['catalog uuid null or canonical', a.catalogAcademyUuid === null || /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(a.catalogAcademyUuid)],
  ];
  return checks.filter(([, ok]) => !ok).map(([rule]) => rule);
}

t.test('normalization never throws and yields a reason or an academy meeting every §1 rule', async (t) => {
  fc.assert(
    fc.property(item, settings, (raw, rawSettings) => {
      const result = normalizeCatalogItem(raw, createNormalizationContext(rawSettings));
      if (!result.ok) return typeof result.reason === 'string' && result.reason !== '';
      const broken = brokenRules(result.academy);
      if (broken.length > 0) throw new Error(`broken rules: ${broken.join('; ')} in ${JSON.stringify(result.academy)}`);
      return result.warnings.every((warning) => typeof warning === 'string');
    }),
    { numRuns: 300 },
  );
  t.pass('300 random items normalized within the rules');
});

t.test('the generator reaches valid academies, not only rejections', async (t) => {
  // Guards the property above against passing vacuously because every item is invalid.
  const samples = fc.sample(fc.tuple(item, settings), { numRuns: 300, seed: 42 });
  const valid = samples.filter(([raw, s]) => normalizeCatalogItem(raw, createNormalizationContext(s)).ok).length;
  t.ok(valid >= 30, `${valid} of 300 samples normalized to academies`);
});

t.test('any JSON value at all is handled without throwing', async (t) => {
  fc.assert(
    fc.property(fc.jsonValue(), (raw) => {
      const result = normalizeCatalogItem(raw, createNormalizationContext({}));
      return result.ok ? brokenRules(result.academy).length === 0 : result.reason.length > 0;
    }),
    { numRuns: 300 },
  );
  t.pass('300 JSON values');
});
