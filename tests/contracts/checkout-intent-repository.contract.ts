import type { Test } from 'tap';
import type { CheckoutIntentRepository } from '../../src/application/ports/checkout-intent-repository.ts';
import type { UnitOfWork } from '../../src/application/ports/unit-of-work.ts';
import type { CheckoutIntent, CheckoutIntentState, NewCheckoutIntent } from '../../src/domain/checkout-intent.ts';

/** An empty store: the repository outside any transaction, and the unit of work over the same data. */
export interface IntentStore {
  readonly intents: CheckoutIntentRepository;
  readonly unitOfWork: UnitOfWork;
}
export type MakeIntentStore = () => Promise<IntentStore>;

export const NOW = new Date('2025-03-01T12:00:00.000Z');
/** `NOW` moved by minutes (and milliseconds), for boundaries. */
export const at = (minutes: number, milliseconds = 0) => new Date(NOW.getTime() + minutes * 60_000 + milliseconds);

/** A created academy intent of user u1 for prod_a, reserved for an hour from NOW; override any field. */
export function newIntent(overrides: Partial<NewCheckoutIntent> = {}): NewCheckoutIntent {
  return {
    userId: 'u1',
    stripeProductId: 'prod_a',
    state: 'created',
    enterpriseName: null,
    enterpriseSlug: null,
    enterpriseUuid: null,
    stripeCustomerId: null,
    stripeCheckoutSessionId: null,
    quantity: 1,
    country: null,
    expiresAt: at(60),
    lastCheckoutError: null,
    lastProvisioningError: null,
    termsMetadata: {},
    checkoutSessionAttempts: 0,
    ...overrides,
  };
}

const uuids = (intents: readonly CheckoutIntent[]) => intents.map((intent) => intent.uuid);
const LOWER_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * What every CheckoutIntentRepository promises (src/application/ports/checkout-intent-repository.ts), run against
 * the PostgreSQL adapter and the in-memory one the use-case tests stand on: reads, orders and pages, the time rules
 * at their boundaries (the adapter's SQL against the domain's functions the fake uses), the database's uniqueness
 * rules and column checks, the writes. Every intent is written through the port itself, so the suite needs nothing
 * else of an implementation. (Transactions and locks: checkout-intent-unit-of-work.contract.ts.)
 */
export function checkoutIntentRepositoryContract(t: Test, make: MakeIntentStore): void {
  t.test('insert: every field comes back as written, with a new id, a lower-case uuid, and created = modified = now', async (t) => {
    const { intents } = await make();
    const fields = newIntent({
      enterpriseName: 'Acme Inc', enterpriseSlug: 'acme', stripeCustomerId: 'cus_1', stripeCheckoutSessionId: 'cs_1', quantity: 7,
      country: 'FR', lastCheckoutError: 'declined', lastProvisioningError: 'LMS down', termsMetadata: { tos: 'v1', nested: { a: [1, true, null] } },
      checkoutSessionAttempts: 2,
    });
    const first = await intents.insert(fields, NOW);
    t.match(first, { ...fields, created: NOW, modified: NOW }, 'the written fields');
    t.same(first.expiresAt, fields.expiresAt, 'expires_at to the millisecond');
    t.match(first.uuid, LOWER_UUID, 'a lower-case uuid');
    t.ok(Number.isSafeInteger(first.id), 'an integer id');
    const second = await intents.insert(newIntent({ stripeProductId: 'prod_b' }), NOW);
    t.ok(second.id > first.id, 'ids grow');
    t.not(second.uuid, first.uuid, 'a uuid each');
    t.same(await intents.findByUuid(first.uuid), first, 'read back: the same intent');
  });

  t.test('insert: enterprise_uuid comes back in lower case; terms_metadata with jsonb key order (shorter keys first, then bytewise)', async (t) => {
    const { intents } = await make();
    const upper = 'A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D';
    const intent = await intents.insert(newIntent({ enterpriseUuid: upper, termsMetadata: { zeta: 1, b: 2, aa: { y: 1, x: 2 }, a: 3 } }), NOW);
    t.equal(intent.enterpriseUuid, upper.toLowerCase(), 'a uuid column hands back lower case');
    t.same(Object.keys(intent.termsMetadata), ['a', 'b', 'aa', 'zeta'], 'top-level keys in jsonb order');
    t.same(Object.keys(intent.termsMetadata.aa as object), ['x', 'y'], 'nested keys too');
  });

  t.test('the column checks refuse a bad value with the database error (not a domain one), and nothing is written', async (t) => {
    const { intents } = await make();
    const refused: ReadonlyArray<[string, Partial<NewCheckoutIntent>, string]> = [
      ['a zero quantity', { quantity: 0 }, '23514'],
      ['a fractional quantity', { quantity: 1.5 }, '22P02'],
      ['a quantity past int32', { quantity: 2 ** 31 }, '22003'],
      ['a negative session attempt count', { checkoutSessionAttempts: -1 }, '23514'],
      ['an unknown state', { state: 'pending' as CheckoutIntentState }, '23514'],
      ['a lower-case country', { country: 'us' }, '23514'],
      ['a three-letter country', { country: 'USA' }, '22001'],
      ['a blank user', { userId: '  ' }, '23514'],
      ['an enterprise name of 256 characters', { enterpriseName: 'n'.repeat(256) }, '22001'],
      ['a NUL in a text column', { enterpriseName: 'Acme\u0000' }, '22021'],
      ['a NUL in terms_metadata', { termsMetadata: { tos: 'v\u0000' } }, '22P05'],
      ['terms_metadata that is an array', { termsMetadata: ['v1'] as never }, '23514'],
      ['an enterprise_uuid that is not a uuid', { enterpriseUuid: 'not-a-uuid' }, '22P02'],
    ];
    for (const [name, overrides, code] of refused) {
      await t.rejects(intents.insert(newIntent(overrides), NOW), { code }, `${name}: ${code}`);
    }
    t.equal((await intents.list({ limit: 10, offset: 0 })).total, 0, 'nothing stored');
    const stored = await intents.insert(newIntent({ enterpriseName: 'n'.repeat(255) }), NOW);
    t.equal(stored.enterpriseName?.length, 255, '255 characters fit');
    await t.rejects(intents.update({ ...stored, quantity: 0 }), { code: '23514' }, 'an update is checked too');
    t.equal((await intents.findByUuid(stored.uuid))?.quantity, 1, 'and left the row as it was');
  });

  t.test('one active intent per user and product: a second one is ActiveIntentConflictError, and nothing is written', async (t) => {
    const { intents } = await make();
    const conflict = { code: 'checkout_intent.active_conflict' };
    await intents.insert(newIntent({ enterpriseSlug: 'acme', enterpriseName: 'Acme' }), NOW);
    await t.rejects(intents.insert(newIntent({ state: 'paid', enterpriseSlug: 'acme', enterpriseName: 'Acme' }), NOW), conflict, 'academy: created + paid, same slug');
    await intents.insert(newIntent({ stripeProductId: 'prod_b' }), NOW);
    await t.rejects(intents.insert(newIntent({ stripeProductId: 'prod_b' }), NOW), conflict, 'academy: two without a slug (NULL slugs are not distinct)');
    await intents.insert(newIntent({ stripeProductId: '', state: 'fulfilled' }), NOW);
    await t.rejects(intents.insert(newIntent({ stripeProductId: '' }), NOW), conflict, 'Teams: a fulfilled one still blocks');
    t.equal((await intents.list({ limit: 10, offset: 0 })).total, 3, 'only the first three stored');
  });

  t.test('what does not break the uniqueness rule', async (t) => {
    const { intents } = await make();
    for (const state of ['fulfilled', 'expired', 'errored_backoffice', 'errored_fulfillment_stalled', 'errored_provisioning'] as const) {
      await intents.insert(newIntent({ state }), NOW);
    }
    await intents.insert(newIntent(), NOW);
    await intents.insert(newIntent({ enterpriseSlug: 'globex', enterpriseName: 'Globex' }), NOW);
    await intents.insert(newIntent({ stripeProductId: 'prod_b', state: 'paid' }), NOW);
    await intents.insert(newIntent({ userId: 'u2' }), NOW);
    for (const state of ['expired', 'errored_backoffice', 'errored_fulfillment_stalled', 'errored_provisioning', 'created'] as const) {
      await intents.insert(newIntent({ stripeProductId: '', state }), NOW);
    }
    t.equal((await intents.list({ limit: 20, offset: 0 })).total, 14, 'academy intents past paid, another slug, product or user, and Teams ones not active, all coexist');
  });

  t.test('update into a second active intent is ActiveIntentConflictError, and the row is left as it was', async (t) => {
    const { intents } = await make();
    await intents.insert(newIntent(), NOW);
    const expired = await intents.insert(newIntent({ state: 'expired' }), NOW);
    await t.rejects(intents.update({ ...expired, state: 'created', modified: at(1) }), { code: 'checkout_intent.active_conflict' });
    t.match(await intents.findByUuid(expired.uuid), { state: 'expired', modified: NOW }, 'still expired, unmodified');
  });

  t.test("one user per enterprise slug or name, as people read them: another user's is SlugReservationError", async (t) => {
    const { intents } = await make();
    const reserved = { code: 'checkout_intent.slug_reservation' };
    await intents.insert(newIntent({ userId: 'victim', enterpriseSlug: 'victim-co', enterpriseName: 'Victim Co' }), NOW);
    for (const [slug, name] of [['VICTIM_CO', 'other'], ['victim.co', 'other'], ['other', 'victim  co'], ['other', 'VICTIM-CO'], ['other', 'Victim\u00A0Co'], ['other', 'Victim\u200BCo']]) {
      await t.rejects(intents.insert(newIntent({ userId: 'squatter', enterpriseSlug: slug, enterpriseName: name }), NOW), reserved, `${slug} / ${name}`);
    }
    await intents.insert(newIntent({ userId: 'victim', stripeProductId: 'prod_b', enterpriseSlug: 'Victim_Co', enterpriseName: 'victim co' }), NOW);
    await intents.insert(newIntent({ userId: 'squatter', state: 'expired', enterpriseSlug: 'victim-co', enterpriseName: 'Victim Co' }), NOW);
    t.pass('the holder may hold it again, in any spelling; an expired intent holds nothing');
  });

  t.test('the write rule cannot see time: a lapsed created intent still holds its name until it is moved to expired', async (t) => {
    const { intents } = await make();
    await intents.insert(newIntent({ userId: 'u2', enterpriseSlug: 'acme', enterpriseName: 'Acme', expiresAt: at(-60) }), at(-120));
    await t.rejects(intents.insert(newIntent({ enterpriseSlug: 'acme', enterpriseName: 'Acme' }), NOW), { code: 'checkout_intent.slug_reservation' }, 'refused');
    t.equal(await intents.releaseLapsedReservations({ enterpriseSlug: 'acme', enterpriseName: null }, NOW), 1, 'released');
    t.match(await intents.insert(newIntent({ enterpriseSlug: 'acme', enterpriseName: 'Acme' }), NOW), { enterpriseSlug: 'acme' }, 'then stored');
  });

  t.test('a write breaking both rules is ActiveIntentConflictError (the unique indexes are checked first)', async (t) => {
    const { intents } = await make();
    await intents.insert(newIntent({ enterpriseSlug: 'acme', enterpriseName: 'Acme' }), NOW);
    await intents.insert(newIntent({ userId: 'u2', stripeProductId: 'prod_b', enterpriseSlug: 'globex', enterpriseName: 'Globex' }), NOW);
    await t.rejects(intents.insert(newIntent({ enterpriseSlug: 'acme', enterpriseName: 'Globex' }), NOW), { code: 'checkout_intent.active_conflict' });
  });

  t.test('findByUuid: any case; null for an unknown uuid or a string that is not one, without an error', async (t) => {
    const { intents } = await make();
    const intent = await intents.insert(newIntent(), NOW);
    t.equal((await intents.findByUuid(intent.uuid.toUpperCase()))?.id, intent.id, 'upper case');
    t.equal((await intents.findByUuid(intent.uuid, { forUpdate: true }))?.id, intent.id, 'forUpdate outside a unit of work');
    t.equal(await intents.findByUuid('00000000-0000-4000-8000-000000000000'), null, 'unknown');
    for (const notUuid of ['', 'not-a-uuid', intent.uuid.replaceAll('-', ''), `{${intent.uuid}}`, `${intent.uuid} `, "' or 1=1 --"]) {
      t.equal(await intents.findByUuid(notUuid), null, `${JSON.stringify(notUuid)}: null`);
    }
  });

  t.test('latestForProduct: the newest (created, then id) of the user and product, in any state', async (t) => {
    const { intents } = await make();
    await intents.insert(newIntent({ state: 'expired' }), at(-10));
    const tieFirst = await intents.insert(newIntent({ state: 'errored_backoffice' }), NOW);
    const tieSecond = await intents.insert(newIntent({ state: 'fulfilled' }), NOW);
    await intents.insert(newIntent({ stripeProductId: 'prod_b' }), at(10));
    await intents.insert(newIntent({ userId: 'u2' }), at(10));
    t.equal((await intents.latestForProduct('u1', 'prod_a'))?.uuid, tieSecond.uuid, 'the same created: the higher id');
    t.not(tieFirst.uuid, tieSecond.uuid);
    t.equal(await intents.latestForProduct('u1', 'prod_c'), null, 'none for another product');
    t.equal(await intents.latestForProduct('u3', 'prod_a'), null, 'none for another user');
  });

  t.test('current: created inside its reservation (expires_at == now is out) or paid whatever expires_at; newest, then highest id', async (t) => {
    const { intents } = await make();
    const current = async (query: Partial<Parameters<CheckoutIntentRepository['current']>[0]> = {}) =>
      (await intents.current({ userId: 'u1', now: NOW, ...query }))?.uuid ?? null;
    const live = await intents.insert(newIntent({ stripeProductId: 'prod_live', expiresAt: at(0, 1) }), at(-50));
    await intents.insert(newIntent({ stripeProductId: 'prod_lapsed', expiresAt: NOW }), at(-40));
    t.equal(await current(), live.uuid, 'one millisecond left is current; expires_at == now is not');
    const paid = await intents.insert(newIntent({ stripeProductId: 'prod_paid', state: 'paid', expiresAt: at(-60) }), at(-30));
    t.equal(await current(), paid.uuid, 'paid past its reservation, and newer');
    for (const [i, state] of (['fulfilled', 'expired', 'errored_backoffice', 'errored_provisioning', 'errored_fulfillment_stalled'] as const).entries()) {
      await intents.insert(newIntent({ stripeProductId: `prod_${i}`, state }), at(-20));
    }
    await intents.insert(newIntent({ stripeProductId: '', state: 'fulfilled' }), at(-20));
    await intents.insert(newIntent({ userId: 'u2' }), at(-10));
    t.equal(await current(), paid.uuid, 'newer intents in other states, or of another user, are not current');
    const tieFirst = await intents.insert(newIntent({ stripeProductId: 'prod_tie_1' }), at(-5));
    const tieSecond = await intents.insert(newIntent({ stripeProductId: 'prod_tie_2', state: 'paid' }), at(-5));
    t.equal(await current(), tieSecond.uuid, 'the same created: the higher id');
    t.not(tieFirst.uuid, tieSecond.uuid);
    t.equal(await current({ stripeProductId: 'prod_live' }), live.uuid, 'at NOW, one millisecond before its expires_at');
    t.equal(await current({ stripeProductId: 'prod_live', now: at(0, 1) }), null, 'judged at the given now: not at its expires_at');
    t.equal(await current({ userId: 'nobody' }), null, 'none for a user without intents');
  });

  t.test('current: the enterprise slug is matched exactly; the product too, where "" is Teams and undefined any', async (t) => {
    const { intents } = await make();
    const current = async (query: Partial<Parameters<CheckoutIntentRepository['current']>[0]>) =>
      (await intents.current({ userId: 'u1', now: NOW, ...query }))?.uuid ?? null;
    const teams = await intents.insert(newIntent({ stripeProductId: '', enterpriseSlug: 'acme', enterpriseName: 'Acme' }), at(-20));
    const academy = await intents.insert(newIntent({ stripeProductId: 'prod_a', enterpriseSlug: 'globex', enterpriseName: 'Globex' }), at(-10));
    t.equal(await current({ enterpriseSlug: 'acme' }), teams.uuid, 'the older acme intent, not the newer globex one');
    t.equal(await current({ enterpriseSlug: 'ACME' }), null, 'the slug filter is exact (case too)');
    t.equal(await current({ stripeProductId: '' }), teams.uuid, "'' is Teams only");
    t.equal(await current({ stripeProductId: 'prod_a' }), academy.uuid, 'a product id is that product');
    t.equal(await current({ stripeProductId: undefined }), academy.uuid, 'undefined is any product');
    t.equal(await current({ enterpriseSlug: 'acme', stripeProductId: 'prod_a' }), null, 'filters compose');
  });

  t.test('list: newest first (created, then id), one user or everyone, with the total over all pages', async (t) => {
    const { intents } = await make();
    const u1 = [];
    for (const [i, created] of [at(-3), at(-1), at(-1), at(-1), at(-2)].entries()) u1.push(await intents.insert(newIntent({ stripeProductId: `prod_${i}` }), created));
    const u2 = await intents.insert(newIntent({ userId: 'u2' }), at(-1));
    const expected = [u1[3], u1[2], u1[1], u1[4], u1[0]].map((intent) => intent?.uuid);
    const own = await intents.list({ userId: 'u1', limit: 10, offset: 0 });
    t.same(uuids(own.intents), expected, 'newest first; ties by the higher id');
    t.equal(own.total, 5, 'the total');
    const everyone = await intents.list({ limit: 10, offset: 0 });
    t.same(uuids(everyone.intents), [u2.uuid, ...expected], "everyone's: u2's (the highest id) first among the ties");
    t.equal(everyone.total, 6);
    t.same(await intents.list({ userId: 'nobody', limit: 10, offset: 0 }), { total: 0, intents: [] }, 'none for a user without intents');
  });

  t.test('list: pages partition the list across ties; limit and offset bounds', async (t) => {
    const { intents } = await make();
    for (let i = 0; i < 7; i += 1) await intents.insert(newIntent({ stripeProductId: `prod_${i}` }), i < 5 ? NOW : at(-1));
    const all = uuids((await intents.list({ limit: 100, offset: 0 })).intents);
    const paged = [];
    for (let offset = 0; offset < 7; offset += 2) {
      const page = await intents.list({ limit: 2, offset });
      t.equal(page.total, 7, `offset ${offset}: the total over all pages`);
      paged.push(...uuids(page.intents));
    }
    t.same(paged, all, 'pages of 2 give every intent once, in order');
    t.same(await intents.list({ limit: 2, offset: 7 }), { total: 7, intents: [] }, 'an offset at the end: an empty page, the total');
    t.same(await intents.list({ limit: 2, offset: 1_000_000_000 }), { total: 7, intents: [] }, 'an offset far past it, without an error');
    t.equal((await intents.list({ limit: 200, offset: 5 })).intents.length, 2, 'a limit past the end: the rest');
    t.same((await intents.list({ limit: 0, offset: 0 })).intents, [], 'limit 0: none');
    await t.rejects(intents.list({ limit: -1, offset: 0 }), { code: '2201W' }, 'a negative limit is refused');
    await t.rejects(intents.list({ limit: 1, offset: -1 }), { code: '2201X' }, 'a negative offset is refused');
  });

  t.test("isReservedByAnotherUser: another user's intent holding the slug or the name, unless expired or created past expires_at", async (t) => {
    const { intents } = await make();
    const sought = (enterpriseSlug: string | null, enterpriseName: string | null) => ({ enterpriseSlug, enterpriseName });
    const reserved = (reservation: ReturnType<typeof sought>, now = NOW, userId = 'u1') => intents.isReservedByAnotherUser(userId, reservation, now);
    await intents.insert(newIntent({ userId: 'u2', enterpriseSlug: 'live', enterpriseName: 'Live Co', expiresAt: at(0, 1) }), at(-10));
    await intents.insert(newIntent({ userId: 'u2', stripeProductId: 'prod_b', enterpriseSlug: 'lapsing', enterpriseName: 'Lapsing Co', expiresAt: NOW }), at(-10));
    await intents.insert(newIntent({ userId: 'u3', state: 'expired', enterpriseSlug: 'gone', enterpriseName: 'Gone Co' }), at(-10));
    for (const [i, state] of (['paid', 'fulfilled', 'errored_provisioning'] as const).entries()) {
      await intents.insert(newIntent({ userId: 'u4', stripeProductId: `prod_${i}`, state, enterpriseSlug: `kept-${i}`, enterpriseName: `Kept ${i}`, expiresAt: at(-60) }), at(-120));
    }
    t.equal(await reserved(sought('live', null)), true, 'a live created intent holds its slug');
    t.equal(await reserved(sought(null, 'LIVE-CO')), true, 'and its name, as people read it');
    t.equal(await reserved(sought('other', 'live co')), true, 'either one is enough');
    t.equal(await reserved(sought('live', null), at(0, 1)), false, 'not once its expires_at == now');
    t.equal(await reserved(sought('lapsing', 'Lapsing Co')), false, 'a created intent at its expires_at holds nothing');
    t.equal(await reserved(sought('gone', 'Gone Co')), false, 'an expired intent holds nothing');
    for (const i of [0, 1, 2]) t.equal(await reserved(sought(`kept-${i}`, null)), true, `a ${['paid', 'fulfilled', 'errored'][i]} intent holds it whatever its expires_at`);
    t.equal(await reserved(sought('live', 'Live Co'), NOW, 'u2'), false, "the holder's own intents do not count");
    t.equal(await reserved(sought(null, null)), false, 'nothing sought: nothing reserved');
    t.equal(await reserved(sought('nobody', 'Nobody')), false, 'a free slug and name');
  });

  t.test('releaseLapsedReservations: created intents past expires_at holding the slug or the name become expired, whoever holds them', async (t) => {
    const { intents } = await make();
    const bySlug = await intents.insert(newIntent({ userId: 'u2', enterpriseSlug: 'acme', enterpriseName: 'Acme Corp', expiresAt: NOW }), at(-10));
    const byName = await intents.insert(newIntent({ userId: 'u2', stripeProductId: 'prod_b', enterpriseSlug: 'x', enterpriseName: 'ACME', expiresAt: at(-1) }), at(-10));
    const live = await intents.insert(newIntent({ userId: 'u3', stripeProductId: 'prod_c', enterpriseSlug: 'globex', enterpriseName: 'Globex', expiresAt: at(0, 1) }), at(-10));
    const paid = await intents.insert(newIntent({ userId: 'u4', state: 'paid', enterpriseSlug: 'initech', enterpriseName: 'Initech', expiresAt: at(-60) }), at(-10));
    t.equal(await intents.releaseLapsedReservations({ enterpriseSlug: 'ACME', enterpriseName: 'a.c.m.e' }, NOW), 2, 'two released');
    t.match(await intents.findByUuid(bySlug.uuid), { state: 'expired', modified: NOW }, 'by its slug (expires_at == now), modified now');
    t.match(await intents.findByUuid(byName.uuid), { state: 'expired', modified: NOW }, 'by its name');
    t.equal(await intents.releaseLapsedReservations({ enterpriseSlug: 'globex', enterpriseName: 'Initech' }, NOW), 0, 'a live or paid holder is kept');
    t.match([await intents.findByUuid(live.uuid), await intents.findByUuid(paid.uuid)], [{ state: 'created' }, { state: 'paid' }]);
    t.equal(await intents.releaseLapsedReservations({ enterpriseSlug: null, enterpriseName: null }, at(600)), 0, 'nothing sought: nothing released');
  });

  t.test('expireCreated: created intents at or past expires_at become expired (one user\'s when given); modified = now', async (t) => {
    const { intents } = await make();
    const past = await intents.insert(newIntent({ stripeProductId: 'prod_a', expiresAt: at(-1) }), at(-10));
    const exact = await intents.insert(newIntent({ stripeProductId: 'prod_b', expiresAt: NOW }), at(-10));
    const live = await intents.insert(newIntent({ stripeProductId: 'prod_c', expiresAt: at(0, 1) }), at(-10));
    const paid = await intents.insert(newIntent({ stripeProductId: 'prod_d', state: 'paid', expiresAt: at(-60) }), at(-10));
    const other = await intents.insert(newIntent({ userId: 'u2', expiresAt: at(-1) }), at(-10));
    t.equal(await intents.expireCreated(NOW, 'u1'), 2, "u1's two");
    const stateOf = async (intent: CheckoutIntent) => (await intents.findByUuid(intent.uuid))?.state;
    t.match(await intents.findByUuid(past.uuid), { state: 'expired', modified: NOW });
    t.equal(await stateOf(exact), 'expired', 'expires_at == now is expired');
    t.equal(await stateOf(live), 'created', 'one millisecond left stays');
    t.equal(await stateOf(paid), 'paid', 'a paid intent never expires');
    t.equal(await stateOf(other), 'created', "another user's is left to the job");
    t.equal(await intents.expireCreated(NOW), 1, 'everyone: the one left');
    t.equal(await intents.expireCreated(NOW), 0, 'again: none');
  });

  t.test('markStalledPaid: paid intents modified at or before the cutoff; the message goes to the provisioning error', async (t) => {
    const { intents } = await make();
    const withModified = async (overrides: Partial<NewCheckoutIntent>, modified: Date) => {
      const intent = await intents.insert(newIntent(overrides), at(-600));
      return intents.update({ ...intent, modified });
    };
    const cutoff = at(-3);
    const exact = await withModified({ stripeProductId: 'prod_a', state: 'paid' }, cutoff);
    const older = await withModified({ stripeProductId: 'prod_b', state: 'paid', lastProvisioningError: 'old' }, at(-60));
    const fresh = await withModified({ stripeProductId: 'prod_c', state: 'paid' }, at(-3, 1));
    const created = await withModified({ stripeProductId: 'prod_d' }, at(-60));
    const fulfilled = await withModified({ stripeProductId: 'prod_e', state: 'fulfilled' }, at(-60));
    t.equal(await intents.markStalledPaid(cutoff, 'Fulfillment stalled.', NOW), 2, 'two stalled');
    for (const intent of [exact, older]) {
      t.match(await intents.findByUuid(intent.uuid), { state: 'errored_fulfillment_stalled', lastProvisioningError: 'Fulfillment stalled.', modified: NOW });
    }
    for (const [intent, state] of [[fresh, 'paid'], [created, 'created'], [fulfilled, 'fulfilled']] as const) {
      t.match(await intents.findByUuid(intent.uuid), { state, modified: intent.modified }, `${state} (modified ${intent.modified.toISOString()}) left alone`);
    }
  });

  t.test('update: writes every mutable field and modified, keeps id, uuid, user, product and created, returns the stored row', async (t) => {
    const { intents } = await make();
    const intent = await intents.insert(newIntent(), NOW);
    const changed: CheckoutIntent = {
      ...intent, state: 'paid', enterpriseName: 'Acme', enterpriseSlug: 'acme', enterpriseUuid: 'A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D',
      stripeCustomerId: 'cus_1', stripeCheckoutSessionId: 'cs_1', quantity: 9, country: 'DE', expiresAt: at(5), lastCheckoutError: 'e1',
      lastProvisioningError: 'e2', termsMetadata: { tos: 'v2' }, checkoutSessionAttempts: 3, modified: at(1),
    };
    const stored = await intents.update({ ...changed, uuid: '00000000-0000-4000-8000-000000000000', userId: 'u9', stripeProductId: 'prod_z', created: at(-99) });
    const expected = { ...changed, enterpriseUuid: changed.enterpriseUuid?.toLowerCase() ?? null };
    t.same(stored, expected, 'the stored row: the mutable fields changed, the rest kept');
    t.same(await intents.findByUuid(intent.uuid), expected, 'read back the same');
    await t.rejects(intents.update({ ...intent, id: intent.id + 1000 }), 'an unknown id is an error');
  });

  t.test('withSessionToReconcile: created or expired intents holding a session, at most `limit`, in random order', async (t) => {
    const { intents } = await make();
    const candidates = [];
    for (const [i, state] of (['created', 'expired', 'created', 'expired'] as const).entries()) {
      candidates.push(await intents.insert(newIntent({ stripeProductId: `prod_${i}`, state, stripeCheckoutSessionId: `cs_${i}`, expiresAt: i === 2 ? at(-5) : at(60) }), NOW));
    }
    await intents.insert(newIntent({ stripeProductId: 'prod_open' }), NOW);
    for (const [i, state] of (['paid', 'fulfilled', 'errored_backoffice'] as const).entries()) {
      await intents.insert(newIntent({ stripeProductId: `prod_done_${i}`, state, stripeCheckoutSessionId: `cs_done_${i}` }), NOW);
    }
    t.same(uuids(await intents.withSessionToReconcile(100)).sort(), uuids(candidates).sort(), 'exactly the four (a lapsed created one too)');
    t.equal((await intents.withSessionToReconcile(2)).length, 2, 'at most the limit');
    t.same(await intents.withSessionToReconcile(0), [], 'limit 0: none');
    const firsts = new Set<string>();
    for (let draw = 0; draw < 50 && firsts.size < 2; draw += 1) firsts.add((await intents.withSessionToReconcile(1))[0]?.uuid ?? '');
    t.equal(firsts.size, 2, 'not always the same one first (an ordered batch would never reach the rest)');
  });

  t.test('countOpen: the user\'s created intents, lapsed ones too (they are open until moved)', async (t) => {
    const { intents } = await make();
    await intents.insert(newIntent({ stripeProductId: 'prod_a' }), NOW);
    await intents.insert(newIntent({ stripeProductId: 'prod_b', expiresAt: at(-5) }), at(-10));
    for (const [i, state] of (['paid', 'expired', 'fulfilled'] as const).entries()) await intents.insert(newIntent({ stripeProductId: `prod_${i}`, state }), NOW);
    await intents.insert(newIntent({ userId: 'u2' }), NOW);
    t.equal(await intents.countOpen('u1'), 2);
    t.equal(await intents.countOpen('nobody'), 0);
  });

  t.test('countByState: intents per state; a state without intents is absent', async (t) => {
    const { intents } = await make();
    t.same([...(await intents.countByState())], [], 'an empty store: an empty map');
    for (const [i, state] of (['created', 'created', 'paid', 'expired', 'expired', 'expired'] as const).entries()) {
      await intents.insert(newIntent({ stripeProductId: `prod_${i}`, state }), NOW);
    }
    const counts = await intents.countByState();
    t.same(Object.fromEntries(counts), { created: 2, paid: 1, expired: 3 });
  });
}
