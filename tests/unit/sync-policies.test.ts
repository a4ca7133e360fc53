import t from 'tap';
import {
  canonicalUuid,
  createNormalizationContext,
  deriveLookupKey,
  foldName,
  isValidCatalogQueryId,
  normalizeCatalogItem,
  parseCatalogQueryId,
  passesAllowlist,
  slugify,
} from '../../src/domain/sync-policies.ts';
import type { NormalizationSettings, NormalizedAcademy } from '../../src/domain/sync-policies.ts';

const UUID = '2a1f0c3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const AI = {
  uuid: UUID,
  title: 'AI Academy',
  short_description: 'Foundations.',
  long_description: '<p>Long.</p>',
  image: 'https://cdn.example.com/ai.png',
  tags: [{ id: 11, title: 'ai', description: 'AI' }, { id: 12, title: ' ml ', description: 'ML' }],
};

function normalized(item: unknown, settings: NormalizationSettings = {}): { academy: NormalizedAcademy; warnings: string[] } {
  const result = normalizeCatalogItem(item, createNormalizationContext(settings));
  if (!result.ok) throw new Error(`expected a valid item, got: ${result.reason}`);
  return result;
}

function reasonFor(item: unknown): string {
  const result = normalizeCatalogItem(item, createNormalizationContext({}));
  return result.ok ? 'valid' : result.reason;
}

t.test('catalog query ids are non-negative integers or trimmed ASCII digit strings', async (t) => {
  for (const [value, expected] of [[3180, 3180], [0, 0], [-0, 0], [' 42 ', 42], ['007', 7]] as const) {
    t.equal(parseCatalogQueryId(value), expected, `${JSON.stringify(value)} → ${expected}`);
  }
  for (const bad of [true, false, '', '  ', 1.5, -1, '-1', '1e3', '１２', '12a', null, undefined, {}, [1], Number.NaN, 2 ** 31, Number.MAX_SAFE_INTEGER + 1]) {
    t.equal(parseCatalogQueryId(bad), null, `${String(bad)} is not an id`);
    t.notOk(isValidCatalogQueryId(bad), `${String(bad)} is not valid`);
  }
});

t.test('canonical UUIDs are lower-case hyphenated and anything else is rejected', async (t) => {
  t.equal(canonicalUuid(UUID.toUpperCase()), UUID, 'upper case accepted');
  for (const bad of ['', 'not-a-uuid', UUID.replaceAll('-', ''), `{${UUID}}`, `${UUID}0`, 42, null]) {
    t.equal(canonicalUuid(bad), null, `${String(bad)} rejected`);
  }
});

t.test('names are folded by trimming and toLowerCase', async (t) => {
  t.equal(foldName('  AI Academy '), 'ai academy');
});

t.test('the allowlist keeps everything when both lists are empty', async (t) => {
  t.ok(passesAllowlist({ title: 'x' }, { uuids: [], names: [] }));
  t.ok(passesAllowlist('not even an object', { uuids: [], names: [] }));
});

t.test('the allowlist matches uuids canonically and names trimmed and case-folded', async (t) => {
  t.ok(passesAllowlist(AI, { uuids: [UUID.toUpperCase()], names: [] }), 'uuid in another case');
  t.ok(passesAllowlist(AI, { uuids: [], names: ['  ai ACADEMY '] }), 'title');
  t.ok(passesAllowlist({ name: 'Data Academy' }, { uuids: [], names: ['data academy'] }), 'name');
  t.notOk(passesAllowlist(AI, { uuids: ['3b2e1d4f-6c7e-4f80-9bac-1d2e3f4a5b6c'], names: ['Data Academy'] }), 'neither listed');
  t.notOk(passesAllowlist(null, { uuids: [UUID], names: [] }), 'a non-object never passes a non-empty allowlist');
});

t.test('slugify lower-cases, replaces runs of other characters with one dash and trims dashes', async (t) => {
  t.equal(slugify('  AI & Data: Academy! '), 'ai-data-academy');
  t.equal(slugify('snake_case-kept'), 'snake_case-kept');
  t.equal(slugify('Café Crème'), 'caf-cr-me');
  t.equal(slugify('数据'), '', 'nothing left is an empty slug');
  t.equal(slugify(`${'a'.repeat(254)} b`), 'a'.repeat(254), 'at most 255 characters, no trailing dash after the cut');
});

t.test('an enterprise-catalog item normalizes per spec §4', async (t) => {
  const { academy, warnings } = normalized(AI, { defaultCatalogQueryId: 3180 });
  t.same(academy, {
    catalogAcademyUuid: UUID,
    name: 'AI Academy',
    longName: 'AI Academy',
    description: 'Foundations.',
    marketingUrl: '',
    thumbnailUrl: 'https://cdn.example.com/ai.png',
    tags: ['ai', 'ml'],
    stripeProductId: '',
    stripePriceLookupKey: 'ai-academy-2a1f0c3e-price',
    catalogQueryId: 3180,
    productKey: 'ai-academy',
    slug: 'ai-academy',
    isActive: true,
    displayOrder: 0,
  });
  t.same(warnings, [], 'no warnings');
});

t.test('an item without a usable name or title is invalid', async (t) => {
  t.equal(reasonFor({ uuid: UUID }), 'missing name');
  t.equal(reasonFor({ name: '   ', title: '' }), 'missing name');
  t.equal(reasonFor({ name: 42 }), 'missing name');
  t.equal(reasonFor('AI Academy'), 'not an object');
  t.equal(reasonFor([AI]), 'not an object');
});

t.test('name wins over title and is trimmed; long_name falls back to title then name', async (t) => {
  const { academy } = normalized({ name: '  Short ', title: 'Long Title' });
  t.equal(academy.name, 'Short');
  t.equal(academy.longName, 'Long Title');
  t.equal(normalized({ name: 'Only', long_name: 'Explicit' }).academy.longName, 'Explicit');
});

t.test('description is the first non-empty of description, short_description, long_description', async (t) => {
  t.equal(normalized({ title: 'A', short_description: '', long_description: 'long' }).academy.description, 'long');
  t.equal(normalized({ title: 'A', description: 'd', short_description: 's' }).academy.description, 'd');
  t.equal(normalized({ title: 'A' }).academy.description, '');
});

t.test('thumbnail_url wins over image', async (t) => {
  t.equal(normalized({ title: 'A', thumbnail_url: 'a.png', image: 'b.png' }).academy.thumbnailUrl, 'a.png');
});

t.test('an invalid item marketing_url becomes empty with a warning', async (t) => {
  const { academy, warnings } = normalized({ title: 'A', marketing_url: 'javascript:alert(1)' });
  t.equal(academy.marketingUrl, '');
  t.match(warnings, [/marketing_url/]);
  t.equal(normalized({ title: 'A', marketing_url: 'https://x.example/a' }).academy.marketingUrl, 'https://x.example/a');
});

t.test('tags take strings or tag titles, trimmed, without blanks or duplicates', async (t) => {
  const { academy, warnings } = normalized({ title: 'A', tags: ['a', { title: ' b ' }, ' a ', '', { id: 3 }, 7, 'b'] });
  t.same(academy.tags, ['a', 'b']);
  t.match(warnings, [/2 entries skipped/]);
});

t.test('the slug comes from the item slug, else the name; product_key from the item, else the slug', async (t) => {
  t.equal(normalized({ title: 'A B', slug: 'My Slug' }).academy.slug, 'my-slug');
  t.equal(normalized({ title: 'A B', slug: '!!!' }).academy.slug, 'a-b', 'an empty slugified slug falls back to the name');
  t.equal(normalized({ title: '数据' }).academy.slug, null, 'no slug at all is null, never empty');
  t.equal(normalized({ title: 'A B', product_key: 'PK_1' }).academy.productKey, 'PK_1');
  t.equal(normalized({ title: 'A B' }).academy.productKey, 'a-b');
  t.match(reasonFor({ title: 'A', product_key: 'has space' }), /^product_key/);
});

t.test('display_order must be a non-negative integer, default 0', async (t) => {
  t.equal(normalized({ title: 'A', display_order: 4 }).academy.displayOrder, 4);
  t.equal(normalized({ title: 'A', display_order: null }).academy.displayOrder, 0);
  for (const bad of [-1, 1.5, '3', true]) t.match(reasonFor({ title: 'A', display_order: bad }), /^display_order/, `${String(bad)}`);
});

t.test('is_active must be a boolean, default true', async (t) => {
  t.equal(normalized({ title: 'A', is_active: false }).academy.isActive, false);
  t.equal(normalized({ title: 'A' }).academy.isActive, true);
  t.match(reasonFor({ title: 'A', is_active: 'false' }), /^is_active/, 'a string is not read as a boolean');
});

t.test('over-long values invalidate the item instead of being truncated', async (t) => {
  t.match(reasonFor({ name: 'x'.repeat(256) }), /^name must be at most 255/);
  t.equal(normalized({ name: '😀'.repeat(255) }).academy.name.length, 510, 'the limit counts characters, not UTF-16 units');
  t.match(reasonFor({ name: 'A', long_name: 'x'.repeat(513) }), /^long_name/);
  t.match(reasonFor({ name: 'A', stripe_product_id: 'x'.repeat(256) }), /^stripe_product_id/);
});

t.test('a derived lookup key uses the slug and the uuid prefix, or the slug twice', async (t) => {
  t.equal(normalized({ title: 'Data' }).academy.stripePriceLookupKey, 'data-data-price');
  t.equal(normalized({ title: 'Data', stripe_price_lookup_key: 'given' }).academy.stripePriceLookupKey, 'given');
  t.equal(deriveLookupKey('s'.repeat(255), null)?.length, 255, 'never longer than 255');
  t.equal(deriveLookupKey(null, UUID), null, 'no slug, no key');
});

t.test('catalog_query_id: override over mapping over item over default', async (t) => {
  const item = { ...AI, catalog_query_id: '12' };
  t.equal(normalized({ ...AI }, { defaultCatalogQueryId: 1 }).academy.catalogQueryId, 1, 'default');
  t.equal(normalized(item, { defaultCatalogQueryId: 1 }).academy.catalogQueryId, 12, 'item over default');
  const mapping = { defaultCatalogQueryId: 1, catalogQueryIdByUuid: { [UUID]: 13 } };
  t.equal(normalized(item, mapping).academy.catalogQueryId, 13, 'mapping over item');
  const override = { ...mapping, overridesByName: { 'ai academy': { catalog_query_id: '14' } } };
  t.equal(normalized(item, override).academy.catalogQueryId, 14, 'override over mapping');
});

t.test('an invalid item catalog_query_id falls back to the default with a warning', async (t) => {
  const { academy, warnings } = normalized({ ...AI, catalog_query_id: true }, { defaultCatalogQueryId: 5 });
  t.equal(academy.catalogQueryId, 5);
  t.match(warnings, [/catalog_query_id/]);
});

t.test('the uuid mapping wins over the name mapping, and an invalid mapped value is ignored', async (t) => {
  const both = { catalogQueryIdByUuid: { [UUID.toUpperCase()]: 1 }, catalogQueryIdByName: { 'AI ACADEMY': 2 } };
  t.equal(normalized(AI, both).academy.catalogQueryId, 1, 'by uuid');
  t.equal(normalized({ title: 'AI Academy' }, both).academy.catalogQueryId, 2, 'by name when the item has no uuid');
  const { academy, warnings } = normalized(AI, { defaultCatalogQueryId: 9, catalogQueryIdByUuid: { [UUID]: -3 } });
  t.equal(academy.catalogQueryId, 9, 'the invalid mapping changed nothing');
  t.match(warnings, [/mapping ignored/]);
});

t.test('uuid overrides win over name overrides and the two are never merged', async (t) => {
  const settings = { overridesByUuid: { [UUID]: { slug: 'by-uuid' } }, overridesByName: { 'ai academy': { slug: 'by-name', display_order: 7 } } };
  const { academy } = normalized(AI, settings);
  t.equal(academy.slug, 'by-uuid');
  t.equal(academy.displayOrder, 0, 'nothing taken from the name dict');
  t.equal(normalized({ title: 'AI Academy' }, settings).academy.slug, 'by-name', 'the name dict applies without a uuid entry');
});

t.test('valid overrides replace every allowed field', async (t) => {
  const overrides = {
    name: 'Renamed', long_name: 'Long', description: 'Desc', marketing_url: 'https://m.example/', thumbnail_url: 't.png',
    tags: [' x ', 'x', 'y'], stripe_product_id: 'prod_1', stripe_price_lookup_key: 'key_1', product_key: 'PK', slug: 'S',
    display_order: 3, catalog_query_id: 77, is_active: false,
  };
  const { academy, warnings } = normalized(AI, { overridesByUuid: { [UUID]: overrides } });
  t.same(academy, {
    catalogAcademyUuid: UUID, name: 'Renamed', longName: 'Long', description: 'Desc', marketingUrl: 'https://m.example/',
    thumbnailUrl: 't.png', tags: ['x', 'y'], stripeProductId: 'prod_1', stripePriceLookupKey: 'key_1', catalogQueryId: 77,
    productKey: 'PK', slug: 'S', isActive: false, displayOrder: 3,
  });
  t.same(warnings, []);
});

t.test('an invalid override value or unknown key is ignored with a warning and the rest still apply', async (t) => {
  const overrides = { slug: 'bad slug', display_order: -1, marketing_url: 'ftp://x', tags: ['a', 1], name: ' ', is_active: 'no', color: 'red', description: 'kept' };
  const { academy, warnings } = normalized(AI, { overridesByUuid: { [UUID]: overrides } });
  t.equal(academy.slug, 'ai-academy');
  t.equal(academy.description, 'kept');
  t.equal(warnings.length, 7, 'one warning per ignored key');
  t.match(warnings.join('\n'), /"color" ignored: not an overridable field/);
});

t.test('a null override unsets a nullable key', async (t) => {
  const { academy } = normalized(AI, { overridesByUuid: { [UUID]: { product_key: null, catalog_query_id: null } }, defaultCatalogQueryId: 4 });
  t.equal(academy.productKey, null);
  t.equal(academy.catalogQueryId, null);
});

t.test('the lookup key is derived from the overridden slug', async (t) => {
  t.equal(normalized(AI, { overridesByUuid: { [UUID]: { slug: 'new' } } }).academy.stripePriceLookupKey, 'new-2a1f0c3e-price');
});

t.test('keys named like prototype members never reach Object.prototype', async (t) => {
  const { academy, warnings } = normalized({ title: 'constructor' }, { overridesByName: {}, catalogQueryIdByName: {} });
  t.equal(academy.catalogQueryId, null);
  t.same(warnings, []);
  t.equal(reasonFor(JSON.parse('{"__proto__": {"name": "x"}}')), 'missing name');
});

t.test('a throwing getter makes the item invalid instead of throwing', async (t) => {
  const hostile = { get name(): string { throw new Error('boom'); } };
  t.same(normalizeCatalogItem(hostile, createNormalizationContext({})), { ok: false, reason: 'unreadable item' });
});
