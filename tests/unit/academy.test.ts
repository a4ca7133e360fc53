import t from 'tap';
import { publicIdentifier, resolveThumbnailUrl } from '../../src/domain/academy.ts';

t.test('the public identifier is the first non-empty of product id, product key, slug, uuid', async (t) => {
  const uuid = '00000000-0000-4000-8000-000000000001';
  t.equal(publicIdentifier({ stripeProductId: 'prod_1', productKey: 'pk', slug: 's', uuid }), 'prod_1');
  t.equal(publicIdentifier({ stripeProductId: '', productKey: 'pk', slug: 's', uuid }), 'pk');
  t.equal(publicIdentifier({ stripeProductId: '', productKey: null, slug: 's', uuid }), 's');
  t.equal(publicIdentifier({ stripeProductId: '', productKey: null, slug: null, uuid }), uuid);
});

t.test('thumbnails resolve against the base only when they are relative', async (t) => {
  const base = 'https://bucket.s3.amazonaws.com/media/';
  t.equal(resolveThumbnailUrl('', base), '', 'empty stays empty');
  t.equal(resolveThumbnailUrl('https://cdn.example.com/a.png', base), 'https://cdn.example.com/a.png');
  t.equal(resolveThumbnailUrl('HTTP://cdn.example.com/a.png', base), 'HTTP://cdn.example.com/a.png', 'scheme is case-insensitive');
  t.equal(resolveThumbnailUrl('academies/a.png', base), 'https://bucket.s3.amazonaws.com/media/academies/a.png');
  t.equal(resolveThumbnailUrl('/academies/a.png', 'https://b.example.com'), 'https://b.example.com/academies/a.png', 'one slash between');
  t.equal(resolveThumbnailUrl('academies/a.png', ''), 'academies/a.png', 'no base: the path as stored');
});
