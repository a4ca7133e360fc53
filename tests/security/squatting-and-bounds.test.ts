/**
 * Issue 15, findings 1 and 2, through HTTP on the real database: one signed-in user cannot squat
 * enterprise names (case and spacing do not make a new name, made-up products are refused, open
 * intents are capped), the database itself refuses a second holder, the 409 names nothing, and what
 * a user stores per intent is bounded.
 */
import t from 'tap';
import { SignJWT } from 'jose';
import { jwtVerifier } from '../../src/adapters/auth/jwt-verifier.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { MAX_OPEN_INTENTS, insertIntent, intentUseCases, manualClock } from '../helpers/checkout-intents.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
t.comment(`database: ${testDb.kind}`);
const { db } = testDb;

const SECRET = 'a-test-secret-of-at-least-thirty-two-bytes';
const BASE = '/api/v1/checkout-intents/';
const clock = manualClock(new Date());
// Many academies, so the open-intent cap (not the one-active-intent-per-product rule) is what stops a user.
const products = Array.from({ length: MAX_OPEN_INTENTS + 5 }, (_, i) => `prod_${i}`);
const academies = inMemoryAcademyRepository([
  ...products.map((stripeProductId) => ({ stripeProductId, name: stripeProductId })),
  { stripeProductId: 'prod_retired', name: 'Retired', isActive: false },
]);
const useCases = intentUseCases(db, clock, { academies });
const app = await buildTestApp({
  academies: inMemoryAcademyRepository(),
  prices: fakePriceSource([]),
  tokenVerifier: jwtVerifier({ secretKey: SECRET }),
  checkoutIntents: useCases,
});
t.teardown(() => app.close());

const auth = async (userId: string) => ({
  authorization: `Bearer ${await new SignJWT({ user_id: userId }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET))}`,
});
const create = async (userId: string, body: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: BASE, headers: await auth(userId), payload: { quantity: 1, stripe_product_id: 'prod_0', ...body } });
const count = async () => Number((await db.selectFrom('checkout_intents').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

t.beforeEach(async () => {
  clock.set(new Date());
  await db.deleteFrom('checkout_intents').execute();
});

t.test('a slug or name is reserved as people read it: case, spaces, dashes and underscores make no new one', async (t) => {
  t.equal((await create('victim', { enterprise_slug: 'victim-co', enterprise_name: 'Victim Co' })).statusCode, 201);
  const attempts: Array<[string, string]> = [
    ['VICTIM-CO', 'Someone Else'],
    ['victim_co', 'Someone Else'],
    ['VictimCo', 'Someone Else'],
    ['other-slug', 'victim co'],
    ['other-slug', 'VICTIM  CO'],
    ['other-slug', 'Victim-Co'],
    ['other-slug', 'victim.co'],
    // Names that read the same (slugs allow ASCII letters, digits, - and _ only): a no-break space, an
    // ideographic space, a zero-width space, a soft hyphen.
    ['other-slug', 'Victim\u00A0Co'],
    ['other-slug', 'Victim\u3000Co'],
    ['other-slug', 'Victim\u200BCo'],
    ['other-slug', 'Vic\u00ADtim Co'],
  ];
  for (const [slug, name] of attempts) {
    const res = await create('squatter', { enterprise_slug: slug, enterprise_name: name });
    t.equal(res.statusCode, 409, `${slug} / ${name} is refused`);
    t.same(res.json(), { error_code: 'slug_reservation', detail: 'This enterprise slug or name is not available.' }, 'the answer names neither the holder nor which of the two');
  }
  t.equal(await count(), 1, 'nothing stored for the squatter');
  t.equal((await create('victim', { stripe_product_id: 'prod_1', enterprise_slug: 'VICTIM_CO', enterprise_name: 'victim co' })).statusCode, 201, 'the holder may use it again, in any spelling');
});

t.test('the database refuses a second holder even when the code is bypassed', async (t) => {
  await insertIntent(db, { user_id: 'victim', enterprise_slug: 'victim-co', enterprise_name: 'Victim Co' });
  await t.rejects(insertIntent(db, { user_id: 'squatter', enterprise_slug: 'Victim_CO', enterprise_name: 'x' }), { code: '23P01' }, 'slug');
  await t.rejects(insertIntent(db, { user_id: 'squatter', enterprise_slug: 'x', enterprise_name: 'VICTIM  CO' }), { code: '23P01' }, 'name');
  await t.rejects(insertIntent(db, { user_id: 'squatter', enterprise_slug: 'y', enterprise_name: 'Victim\u00A0Co' }), { code: '23P01' }, 'a no-break space');
  await t.rejects(insertIntent(db, { user_id: 'squatter', enterprise_slug: 'w', enterprise_name: 'Victim\u2060Co' }), { code: '23P01' }, 'a word joiner');
  await insertIntent(db, { user_id: 'victim', stripe_product_id: 'prod_1', enterprise_slug: 'VICTIM-CO', enterprise_name: 'victim co' });
  await insertIntent(db, { user_id: 'squatter', state: 'expired', enterprise_slug: 'victim-co', enterprise_name: 'Victim Co' });
  t.pass('the holder may hold it on several intents; an expired intent holds nothing');
});

t.test('a lapsed reservation does not block another user (it is expired on the way)', async (t) => {
  const lapsed = await insertIntent(db, { user_id: 'victim', enterprise_slug: 'victim-co', enterprise_name: 'Victim Co', expires_at: new Date(Date.now() - 60_000) });
  t.equal((await create('newcomer', { enterprise_slug: 'Victim-Co', enterprise_name: 'victim co' })).statusCode, 201);
  t.equal((await db.selectFrom('checkout_intents').select('state').where('uuid', '=', lapsed.uuid).executeTakeFirstOrThrow()).state, 'expired');
});

t.test('stripe_product_id must be an active academy product or "" (Teams)', async (t) => {
  for (const product of ['prod_made_up', 'prod_retired', ' prod_0']) {
    const res = await create('u1', { stripe_product_id: product, enterprise_slug: `s-${product.trim()}`, enterprise_name: `n ${product}` });
    t.equal(res.statusCode, 400, `${JSON.stringify(product)} is refused`);
    t.ok(Array.isArray(res.json().stripe_product_id), 'naming the field');
  }
  t.equal((await create('u1', { stripe_product_id: '' })).statusCode, 201, 'Teams');
  t.equal(await count(), 1);
});

t.test(`at most ${MAX_OPEN_INTENTS} open intents per user; the next is 409 too_many_open_intents`, async (t) => {
  for (let i = 0; i < MAX_OPEN_INTENTS; i += 1) {
    const res = await create('hoarder', { stripe_product_id: products[i], enterprise_slug: `hoard-${i}`, enterprise_name: `Hoard ${i}` });
    if (res.statusCode !== 201) t.fail(`intent ${i} was ${res.statusCode}`);
  }
  const over = await create('hoarder', { stripe_product_id: products[MAX_OPEN_INTENTS], enterprise_slug: 'one-more', enterprise_name: 'One More' });
  t.equal(over.statusCode, 409);
  t.equal(over.json().error_code, 'too_many_open_intents');
  t.equal(await count(), MAX_OPEN_INTENTS, 'nothing stored beyond the cap');
  const update = await create('hoarder', { stripe_product_id: products[0], enterprise_slug: 'hoard-0', enterprise_name: 'Hoard 0', quantity: 2 });
  t.equal(update.statusCode, 200, 'updating an open intent is still allowed');
  t.equal((await create('someone-else', { stripe_product_id: products[0], enterprise_slug: 'free', enterprise_name: 'Free' })).statusCode, 201, 'other users are not affected');
  await db.updateTable('checkout_intents').set({ state: 'paid' }).where('stripe_product_id', '=', products[1]!).execute();
  t.equal((await create('hoarder', { stripe_product_id: products[MAX_OPEN_INTENTS], enterprise_slug: 'one-more', enterprise_name: 'One More' })).statusCode, 201, 'a paid intent frees a place');
});

t.test('terms_metadata is bounded: 4 KB as JSON and 50 keys, alone or merged', async (t) => {
  const big = { text: 'x'.repeat(4_100) };
  const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
  const wide = { text: '€'.repeat(1_400) }; // 4.2 KB as UTF-8, under 4 096 characters
  for (const [name, terms] of [['4.1 KB', big], ['51 keys', many], ['multi-byte beyond 4 KB', wide]] as const) {
    const res = await create('u1', { terms_metadata: terms });
    t.equal(res.statusCode, 400, `${name} is refused`);
    t.match(res.json(), { terms_metadata: [/at most/] });
  }
  t.equal(await count(), 0, 'nothing stored');
  t.equal((await create('u1', { terms_metadata: { a: 'y'.repeat(3_000) } })).statusCode, 201, '3 KB is fine');
  const merged = await create('u1', { terms_metadata: { b: 'z'.repeat(3_000) } });
  t.equal(merged.statusCode, 400, 'two 3 KB updates merged would be 6 KB: refused');
  t.match(merged.json(), { terms_metadata: [/once merged/] });
});

t.test('an enterprise name with control characters is a 400', async (t) => {
  const res = await create('u1', { enterprise_slug: 'ctl', enterprise_name: 'Evil\u0007Co' });
  t.equal(res.statusCode, 400);
  t.ok(Array.isArray(res.json().enterprise_name));
});

t.test('list paging is bounded: an offset beyond 10⁹ or a limit beyond 200 is a 400, not a 502', async (t) => {
  const headers = await auth('u1');
  for (const query of ['offset=9223372036854775807', 'offset=1000000001', 'limit=201', 'limit=0', 'offset=-1']) {
    const res = await app.inject({ url: `${BASE}?${query}`, headers });
    t.equal(res.statusCode, 400, query);
  }
  t.equal((await app.inject({ url: `${BASE}?offset=1000000000&limit=200`, headers })).statusCode, 200, 'the bounds themselves are fine');
});
