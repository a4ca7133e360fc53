import t from 'tap';
import { createTestDatabase } from '../helpers/test-database.ts';
import { insertIntent, intentUseCases, manualClock, RESERVATION_MINUTES, STALLED_SECONDS } from '../helpers/checkout-intents.ts';

const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
t.comment(`database: ${testDb.kind}`);
const { db } = testDb;

const NOW = '2025-03-01T12:00:00.000Z';
const clock = manualClock(NOW);
const useCases = intentUseCases(db, clock);
const at = (iso: string) => new Date(iso);
const minutesFromNow = (minutes: number) => new Date(at(NOW).getTime() + minutes * 60_000);

t.beforeEach(async () => {
  clock.set(NOW);
  await db.deleteFrom('checkout_intents').execute();
});

t.test('current intent (for_user)', async (t) => {
  const current = (query: Parameters<typeof useCases.currentIntent>[0]) => useCases.currentIntent(query).then((i) => i?.uuid ?? null);

  t.test('the most recent created or paid intent wins, by created then id', async (t) => {
    await insertIntent(db, { stripe_product_id: 'prod_a', created: at('2025-03-01T09:00:00Z') });
    const tieFirst = await insertIntent(db, { stripe_product_id: 'prod_b', created: at('2025-03-01T10:00:00Z') });
    const tieSecond = await insertIntent(db, { stripe_product_id: 'prod_c', state: 'paid', created: at('2025-03-01T10:00:00Z') });
    t.equal(await current({ userId: 'u1' }), tieSecond.uuid, 'same created: the higher id wins');
    t.not(tieFirst.uuid, tieSecond.uuid);
  });

  t.test('filters by enterprise slug', async (t) => {
    const acme = await insertIntent(db, { enterprise_slug: 'acme', stripe_product_id: 'prod_a', created: at('2025-03-01T09:00:00Z') });
    await insertIntent(db, { enterprise_slug: 'globex', stripe_product_id: 'prod_b', created: at('2025-03-01T10:00:00Z') });
    t.equal(await current({ userId: 'u1', enterpriseSlug: 'acme' }), acme.uuid, 'the older acme intent, not the newer globex one');
    t.equal(await current({ userId: 'u1', enterpriseSlug: 'initech' }), null, 'no intent for that slug');
  });

  t.test("filters by product, where '' means Teams only and omitted means any", async (t) => {
    const teams = await insertIntent(db, { stripe_product_id: '', created: at('2025-03-01T09:00:00Z') });
    const academy = await insertIntent(db, { stripe_product_id: 'prod_a', created: at('2025-03-01T10:00:00Z') });
    t.equal(await current({ userId: 'u1', stripeProductId: '' }), teams.uuid, "'' gives the Teams intent");
    t.equal(await current({ userId: 'u1', stripeProductId: 'prod_a' }), academy.uuid, 'a product id gives that product');
    t.equal(await current({ userId: 'u1' }), academy.uuid, 'omitted gives the newest of any product');
  });

  t.test('a created intent past its expires_at is hidden, and an older live one is returned instead', async (t) => {
    const live = await insertIntent(db, { stripe_product_id: 'prod_a', expires_at: minutesFromNow(10), created: at('2025-03-01T08:00:00Z') });
    await insertIntent(db, { stripe_product_id: 'prod_b', expires_at: at(NOW), created: at('2025-03-01T09:00:00Z') });
    t.equal(await current({ userId: 'u1' }), live.uuid, 'expires_at == now counts as expired');
  });

  t.test('a paid intent past its reservation is still current', async (t) => {
    const paid = await insertIntent(db, { state: 'paid', expires_at: minutesFromNow(-60) });
    t.equal(await current({ userId: 'u1' }), paid.uuid, 'paid is shown whatever expires_at says');
  });

  t.test('fulfilled, expired and errored intents are not current', async (t) => {
    for (const [i, state] of ['fulfilled', 'expired', 'errored_backoffice', 'errored_provisioning'].entries()) {
      await insertIntent(db, { state, stripe_product_id: `prod_${i}` });
    }
    t.equal(await current({ userId: 'u1' }), null, 'none');
  });

  t.test('no user gives no intent', async (t) => {
    await insertIntent(db, {});
    t.equal(await current({ userId: null }), null, 'null user → none');
    t.equal(await current({ userId: '' }), null, 'empty user → none');
  });

  t.test("another user's intent is never current", async (t) => {
    await insertIntent(db, { user_id: 'u2' });
    t.equal(await current({ userId: 'u1' }), null, 'u1 has none');
  });
  t.end();
});

t.test('create or update', async (t) => {
  const create = useCases.createOrUpdateIntent;

  t.test('a first call creates a created intent reserved for the configured duration', async (t) => {
    const { intent, created } = await create({ userId: 'u1', quantity: 3, stripeProductId: 'prod_a', enterpriseSlug: 'acme', enterpriseName: 'Acme', country: 'us' });
    t.equal(created, true, 'reported as new');
    t.equal(intent.state, 'created');
    t.equal(intent.country, 'US', 'country upper-cased');
    t.same(intent.expiresAt, minutesFromNow(RESERVATION_MINUTES), 'expires after INTENT_RESERVATION_DURATION_MINUTES');
  });

  t.test('a second call for the same product updates the same row', async (t) => {
    const first = await create({ userId: 'u1', quantity: 3, stripeProductId: 'prod_a' });
    clock.advanceMinutes(5);
    const second = await create({ userId: 'u1', quantity: 7, stripeProductId: 'prod_a' });
    t.equal(second.created, false, 'reported as existing');
    t.equal(second.intent.uuid, first.intent.uuid, 'same intent');
    t.equal(second.intent.quantity, 7, 'quantity replaced');
    t.same(second.intent.expiresAt, minutesFromNow(5 + RESERVATION_MINUTES), 'reservation renewed');
    t.equal((await useCases.intents.list({ limit: 10, offset: 0 })).total, 1, 'one row in the table');
  });

  t.test('fields omitted from a later call are kept, and terms_metadata is merged', async (t) => {
    await create({ userId: 'u1', quantity: 1, enterpriseSlug: 'acme', enterpriseName: 'Acme', country: 'DE', termsMetadata: { tos: 'v1', privacy: 'v1' } });
    const { intent } = await create({ userId: 'u1', quantity: 2, termsMetadata: { tos: 'v2' } });
    t.equal(intent.enterpriseSlug, 'acme', 'slug kept');
    t.equal(intent.enterpriseName, 'Acme', 'name kept');
    t.equal(intent.country, 'DE', 'country kept');
    t.same(intent.termsMetadata, { tos: 'v2', privacy: 'v1' }, 'new keys replace, old keys stay');
  });

  t.test("a slug held by another user's live intent is a slug_reservation conflict", async (t) => {
    await create({ userId: 'u2', quantity: 1, enterpriseSlug: 'acme', enterpriseName: 'Acme Two' });
    await t.rejects(create({ userId: 'u1', quantity: 1, enterpriseSlug: 'acme', enterpriseName: 'Acme' }), { code: 'checkout_intent.slug_reservation' });
  });

  t.test("a name held by another user's paid intent is a slug_reservation conflict", async (t) => {
    await insertIntent(db, { user_id: 'u2', state: 'paid', enterprise_slug: 'other', enterprise_name: 'Acme' });
    await t.rejects(create({ userId: 'u1', quantity: 1, enterpriseSlug: 'acme', enterpriseName: 'Acme' }), { code: 'checkout_intent.slug_reservation' });
  });

  t.test("a slug whose other holder's reservation ran out is free", async (t) => {
    await insertIntent(db, { user_id: 'u2', enterprise_slug: 'acme', enterprise_name: 'Acme', expires_at: minutesFromNow(-1) });
    await insertIntent(db, { user_id: 'u3', state: 'expired', enterprise_slug: 'acme', enterprise_name: 'Acme' });
    const { created } = await create({ userId: 'u1', quantity: 1, enterpriseSlug: 'acme', enterpriseName: 'Acme' });
    t.equal(created, true, 'u1 gets the slug');
  });

  t.test('an errored intent for the product is a failed_checkout_intent conflict', async (t) => {
    await insertIntent(db, { stripe_product_id: '', state: 'errored_provisioning' });
    await t.rejects(create({ userId: 'u1', quantity: 1 }), { code: 'checkout_intent.failed_exists' });
  });

  t.test('a paid intent is returned unchanged', async (t) => {
    const paid = await insertIntent(db, { stripe_product_id: '', state: 'paid', quantity: 4 });
    const { intent, created } = await create({ userId: 'u1', quantity: 9, country: 'FR' });
    t.equal(created, false, 'not new');
    t.equal(intent.uuid, paid.uuid, 'the paid intent');
    t.equal(intent.quantity, 4, 'quantity untouched');
    t.equal(intent.country, null, 'country untouched');
  });

  t.test("the user's stale created intent is expired first and then reopened", async (t) => {
    const stale = await insertIntent(db, { stripe_product_id: '', expires_at: minutesFromNow(-5), quantity: 2 });
    const { intent, created } = await create({ userId: 'u1', quantity: 6 });
    t.equal(created, false, 'reopened, not new');
    t.equal(intent.uuid, stale.uuid, 'same row');
    t.equal(intent.state, 'created', 'created again');
    t.equal(intent.quantity, 6);
  });

  t.test('an invalid request is refused before anything is written', async (t) => {
    await t.rejects(create({ userId: 'u1', quantity: 1, country: 'USA' }), { code: 'checkout_intent.invalid_request', field: 'country' });
    await t.rejects(create({ userId: 'u1', quantity: 1, enterpriseSlug: 'acme' }), { code: 'checkout_intent.invalid_request', field: 'enterprise_name' });
    t.equal((await useCases.intents.list({ limit: 10, offset: 0 })).total, 0, 'nothing stored');
  });

  t.test('50 concurrent creates for one user and product end with one intent and no error', async (t) => {
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => create({ userId: 'u1', quantity: i + 1, stripeProductId: 'prod_a', enterpriseSlug: 'acme', enterpriseName: 'Acme' })),
    );
    const failures = results.filter((result) => result.status === 'rejected');
    t.same(failures, [], 'no call failed');
    const uuids = new Set(results.flatMap((result) => (result.status === 'fulfilled' ? [result.value.intent.uuid] : [])));
    t.equal(uuids.size, 1, 'every call saw the same intent');
    const creators = results.filter((result) => result.status === 'fulfilled' && result.value.created);
    t.equal(creators.length, 1, 'exactly one call created it');
    t.equal((await useCases.intents.list({ limit: 100, offset: 0 })).total, 1, 'one row in the table');
  });

  t.test('concurrent creates by two users for one slug leave it with exactly one of them', async (t) => {
    const results = await Promise.allSettled(
      ['u1', 'u2', 'u3', 'u4'].map((userId) => create({ userId, quantity: 1, enterpriseSlug: 'acme', enterpriseName: `Acme ${userId}` })),
    );
    t.equal(results.filter((result) => result.status === 'fulfilled').length, 1, 'one user got the slug');
    for (const result of results.filter((result) => result.status === 'rejected')) {
      t.match((result as PromiseRejectedResult).reason, { code: 'checkout_intent.slug_reservation' }, 'the others got slug_reservation');
    }
  });
  t.end();
});

t.test('transitions', async (t) => {
  t.test('paid records the Stripe ids, and a replay with the same ids changes nothing', async (t) => {
    const row = await insertIntent(db, {});
    const paid = await useCases.transitionIntent(row.uuid, { state: 'paid', stripeCheckoutSessionId: 'cs_1', stripeCustomerId: 'cus_1' });
    t.match(paid, { state: 'paid', stripeCheckoutSessionId: 'cs_1', stripeCustomerId: 'cus_1' });
    clock.advanceMinutes(1);
    const replay = await useCases.transitionIntent(row.uuid, { state: 'paid', stripeCheckoutSessionId: 'cs_1' });
    t.same(replay.modified, paid.modified, 'modified untouched by the replay');
  });

  t.test('paid again with a different session is a conflict', async (t) => {
    const row = await insertIntent(db, { state: 'paid', stripe_checkout_session_id: 'cs_1' });
    await t.rejects(useCases.transitionIntent(row.uuid, { state: 'paid', stripeCheckoutSessionId: 'cs_2' }), { code: 'checkout_intent.paid_mismatch' });
  });

  t.test('the errored states record the message', async (t) => {
    const backoffice = await insertIntent(db, { state: 'paid', stripe_product_id: 'prod_a' });
    const provisioning = await insertIntent(db, { state: 'paid', stripe_product_id: 'prod_b' });
    t.equal((await useCases.transitionIntent(backoffice.uuid, { state: 'errored_backoffice', error: 'card declined' })).lastCheckoutError, 'card declined');
    t.equal((await useCases.transitionIntent(provisioning.uuid, { state: 'errored_provisioning', error: 'LMS down' })).lastProvisioningError, 'LMS down');
  });

  t.test('an errored state without a message is a field error', async (t) => {
    const row = await insertIntent(db, { state: 'paid' });
    await t.rejects(useCases.transitionIntent(row.uuid, { state: 'errored_backoffice' }), { code: 'checkout_intent.invalid_request', field: 'error' });
  });

  t.test('an illegal transition names both states and changes nothing', async (t) => {
    const row = await insertIntent(db, { state: 'fulfilled' });
    await t.rejects(useCases.transitionIntent(row.uuid, { state: 'created' }), {
      code: 'checkout_intent.invalid_transition',
      message: 'Cannot transition checkout intent from fulfilled to created.',
    });
    t.equal((await useCases.intents.findByUuid(row.uuid))?.state, 'fulfilled', 'still fulfilled');
  });

  t.test('expired → created starts a new reservation', async (t) => {
    const row = await insertIntent(db, { state: 'expired', expires_at: minutesFromNow(-60) });
    const reopened = await useCases.transitionIntent(row.uuid, { state: 'created' });
    t.equal(reopened.state, 'created');
    t.same(reopened.expiresAt, minutesFromNow(RESERVATION_MINUTES), 'fresh expires_at');
  });

  t.test('an unknown uuid is not found', async (t) => {
    await t.rejects(useCases.transitionIntent('00000000-0000-4000-8000-000000000000', { state: 'paid' }), { code: 'checkout_intent.not_found' });
    await t.rejects(useCases.transitionIntent('not-a-uuid', { state: 'paid' }), { code: 'checkout_intent.not_found' });
  });
  t.end();
});

t.test('jobs', async (t) => {
  t.test('expire moves only created intents past their expiry', async (t) => {
    const stale = await insertIntent(db, { stripe_product_id: 'prod_a', expires_at: minutesFromNow(-1) });
    const exact = await insertIntent(db, { stripe_product_id: 'prod_b', expires_at: at(NOW) });
    const live = await insertIntent(db, { stripe_product_id: 'prod_c', expires_at: minutesFromNow(1) });
    const paid = await insertIntent(db, { stripe_product_id: 'prod_d', state: 'paid', expires_at: minutesFromNow(-60) });
    t.equal(await useCases.expireIntents(), 2, 'two expired');
    const stateOf = async (uuid: string) => (await useCases.intents.findByUuid(uuid))?.state;
    t.equal(await stateOf(stale.uuid), 'expired');
    t.equal(await stateOf(exact.uuid), 'expired', 'expires_at == now is expired');
    t.equal(await stateOf(live.uuid), 'created', 'a live reservation stays');
    t.equal(await stateOf(paid.uuid), 'paid', 'a paid intent never expires');
    t.equal(await useCases.expireIntents(), 0, 'a second run finds nothing');
  });

  t.test('mark stalled moves only paid intents unmodified for STALLED_FULFILLMENT_SECONDS', async (t) => {
    const stale = await insertIntent(db, { stripe_product_id: 'prod_a', state: 'paid', modified: new Date(at(NOW).getTime() - STALLED_SECONDS * 1000) });
    const fresh = await insertIntent(db, { stripe_product_id: 'prod_b', state: 'paid', modified: new Date(at(NOW).getTime() - 10_000) });
    const oldCreated = await insertIntent(db, { stripe_product_id: 'prod_c', modified: at('2025-01-01T00:00:00Z') });
    const oldFulfilled = await insertIntent(db, { stripe_product_id: 'prod_d', state: 'fulfilled', modified: at('2025-01-01T00:00:00Z') });
    t.equal(await useCases.markStalledIntents(), 1, 'one stalled');
    const stalled = await useCases.intents.findByUuid(stale.uuid);
    t.equal(stalled?.state, 'errored_fulfillment_stalled');
    t.match(stalled?.lastProvisioningError, /180 seconds/, 'with a message naming the delay');
    for (const [row, state] of [[fresh, 'paid'], [oldCreated, 'created'], [oldFulfilled, 'fulfilled']] as const) {
      t.equal((await useCases.intents.findByUuid(row.uuid))?.state, state, `${state} left alone`);
    }
  });
  t.end();
});

t.test('list and get', async (t) => {
  const user = { userId: 'u1', isAdmin: false };
  const admin = { userId: 'root', isAdmin: true };

  t.test("a user lists only their own intents, newest first; an admin may filter by user", async (t) => {
    const older = await insertIntent(db, { user_id: 'u1', stripe_product_id: 'prod_a', created: at('2025-03-01T09:00:00Z') });
    const newer = await insertIntent(db, { user_id: 'u1', stripe_product_id: 'prod_b', created: at('2025-03-01T10:00:00Z') });
    await insertIntent(db, { user_id: 'u2' });
    const own = await useCases.listIntents(user, { limit: 10, offset: 0 });
    t.same(own.intents.map((i) => i.uuid), [newer.uuid, older.uuid], "u1's two, newest first");
    t.equal((await useCases.listIntents(user, { userId: 'u2', limit: 10, offset: 0 })).total, 0, "a user cannot list u2's");
    t.equal((await useCases.listIntents(admin, { userId: 'u2', limit: 10, offset: 0 })).total, 1, "an admin lists u2's");
    t.equal((await useCases.listIntents(admin, { limit: 10, offset: 0 })).total, 3, 'an admin without a filter lists all');
  });

  t.test("another user's intent is not found; an admin sees it", async (t) => {
    const other = await insertIntent(db, { user_id: 'u2' });
    await t.rejects(useCases.getIntent(user, other.uuid), { code: 'checkout_intent.not_found' });
    t.equal((await useCases.getIntent(admin, other.uuid)).uuid, other.uuid);
  });
  t.end();
});
