import t from 'tap';
import { sql } from 'kysely';
import { checkoutHarness, ACADEMY_PRICE, ACADEMY_PRODUCT, SETTINGS, TEAMS_PRICE } from '../helpers/checkout-session-harness.ts';
import { TEAMS_SESSION_PRODUCT } from '../../src/domain/checkout-intent.ts';
import { insertIntent, intentUseCases, manualClock } from '../helpers/checkout-intents.ts';
import { checkoutSessionEvent } from '../helpers/fake-stripe-checkout.ts';
import { postgresAcademyRepository } from '../../src/adapters/postgres/academy-repository.ts';
import { stripeCheckoutSessions } from '../../src/adapters/stripe/checkout-sessions.ts';
import { createTestDatabase, insertAcademy } from '../helpers/test-database.ts';

// POST /api/v1/checkout-intents/{uuid}/checkout-session/ end to end below the process: HTTP, the use case,
// real PostgreSQL (or PGlite), and the real Stripe SDK against the fake Stripe server.
const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
t.comment(`database: ${testDb.kind}`);
const { db } = testDb;
const clock = manualClock(new Date());
const harness = await checkoutHarness(db, clock);
t.teardown(() => harness.close());
const { app, fake } = harness;

await insertAcademy(db, { name: 'Checkout AI', stripe_product_id: ACADEMY_PRODUCT, stripe_price_lookup_key: String(ACADEMY_PRICE['lookup_key']) });
await insertAcademy(db, { name: 'Retired', stripe_product_id: 'prod_retired', stripe_price_lookup_key: 'retired_yearly', is_active: false });

const url = (uuid: string) => `/api/v1/checkout-intents/${uuid}/checkout-session/`;
const post = async (uuid: string, userId = 'learner-1') => app.inject({ method: 'POST', url: url(uuid), headers: await harness.bearer(userId) });
const intentRow = (uuid: string) => db.selectFrom('checkout_intents').selectAll().where('uuid', '=', uuid).executeTakeFirstOrThrow();
const inOneDay = () => new Date(Date.now() + 86_400_000 - 3_600_000);

t.beforeEach(async () => {
  clock.set(new Date());
  fake.checkout.mode = 'ok';
  await db.deleteFrom('checkout_intents').execute();
});

t.test('the owner of a created intent gets a new Checkout Session made from server-side values only', async (t) => {
  const expiresAt = inOneDay();
  const intent = await insertIntent(db, { user_id: 'learner-1', stripe_product_id: ACADEMY_PRODUCT, quantity: 3, expires_at: expiresAt });
  const requestsBefore = fake.checkout.createRequests.length;
  const res = await post(intent.uuid);
  t.equal(res.statusCode, 201, 'a new session is 201');
  const body = res.json<{ id: string; url: string; expires_at: string }>();
  t.same(Object.keys(body).sort(), ['expires_at', 'id', 'url'], 'the body is {id, url, expires_at}');
  t.match(body.url, /^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/, 'the hosted page to send the learner to');
  t.equal(body.expires_at, new Date(Math.floor(expiresAt.getTime() / 1000) * 1000).toISOString(), "the intent's expiry, inside Stripe's window");

  const sent = fake.checkout.createRequests.slice(requestsBefore);
  t.equal(sent.length, 1, 'one create call reached Stripe');
  t.same(sent[0]?.params, {
    mode: 'subscription',
    'line_items[0][price]': ACADEMY_PRICE['id'],
    'line_items[0][quantity]': '3',
    client_reference_id: intent.uuid,
    'metadata[intent_uuid]': intent.uuid,
    'metadata[user_id]': 'learner-1',
    'metadata[stripe_product_id]': ACADEMY_PRODUCT,
    'metadata[quantity]': '3',
    success_url: SETTINGS.successUrl,
    cancel_url: SETTINGS.cancelUrl,
    expires_at: String(Math.floor(expiresAt.getTime() / 1000)),
  }, 'the session Stripe was asked for: subscription, the academy price, the intent quantity, uuid and metadata');
  t.match(sent[0]?.idempotencyKey, new RegExp(`^academy-billing:checkout-session:${intent.uuid}:1:[A-Za-z0-9_-]{22}$`), 'the Idempotency-Key names the intent, attempt 1 and a digest of the parameters');
  t.equal(fake.checkout.sessions.get(body.id)?.['amount_total'], 29700, 'Stripe prices it at 3 × 99.00');

  const row = await intentRow(intent.uuid);
  t.equal(row.stripe_checkout_session_id, body.id, 'the session id is stored on the intent');
  t.equal(row.checkout_session_attempts, 1, 'attempt 1 recorded');
  t.equal(row.state, 'created', 'the intent stays created until Stripe confirms the payment');
});

t.test('asking again returns the open session with 200 and makes nothing at Stripe', async (t) => {
  const intent = await insertIntent(db, { user_id: 'learner-1', stripe_product_id: ACADEMY_PRODUCT, expires_at: inOneDay() });
  const first = (await post(intent.uuid)).json<{ id: string }>();
  const requestsBefore = fake.checkout.createRequests.length;
  const again = await post(intent.uuid);
  t.equal(again.statusCode, 200, 'the current session is 200');
  t.equal(again.json<{ id: string }>().id, first.id, 'the same session');
  t.equal(fake.checkout.createRequests.length, requestsBefore, 'no second create call');
});

t.test('a Teams intent is paid with the TEAMS_STRIPE_PRICE_LOOKUP_KEY price, and its payment verifies', async (t) => {
  const intent = await insertIntent(db, { user_id: 'learner-1', stripe_product_id: '', quantity: 10, expires_at: inOneDay() });
  const res = await post(intent.uuid);
  t.equal(res.statusCode, 201);
  const sent = fake.checkout.createRequests.at(-1);
  t.equal(sent?.params['line_items[0][price]'], 'price_checkout_teams', 'the Teams price');
  t.equal(sent?.params['metadata[stripe_product_id]'], TEAMS_SESSION_PRODUCT, "metadata says Teams, never '' (Stripe would unset the key)");
  const sessionId = res.json<{ id: string }>().id;
  t.match(fake.checkout.sessions.get(sessionId)?.['metadata'], { stripe_product_id: TEAMS_SESSION_PRODUCT }, 'the session Stripe keeps carries the key');

  // The learner pays; the event carries the session as Stripe stored it.
  const delivered = await harness.deliver(checkoutSessionEvent('checkout.session.completed', fake.checkout.complete(sessionId, { customer: 'cus_teams' })));
  t.equal(delivered.statusCode, 200, 'acknowledged');
  t.match(await intentRow(intent.uuid), { state: 'paid', stripe_checkout_session_id: sessionId, stripe_customer_id: 'cus_teams', last_checkout_error: null }, 'the Teams payment is applied');
});

t.test('refusals: not the owner, not payable, no usable price — and nothing reaches Stripe', async (t) => {
  const mine = await insertIntent(db, { user_id: 'learner-1', stripe_product_id: ACADEMY_PRODUCT, expires_at: inOneDay() });
  const paid = await insertIntent(db, { user_id: 'learner-2', stripe_product_id: ACADEMY_PRODUCT, state: 'paid', expires_at: inOneDay() });
  const lapsed = await insertIntent(db, { user_id: 'learner-3', stripe_product_id: ACADEMY_PRODUCT, expires_at: new Date(Date.now() - 1000) });
  const unknownProduct = await insertIntent(db, { user_id: 'learner-4', stripe_product_id: 'prod_nobody_sells', expires_at: inOneDay() });
  const retired = await insertIntent(db, { user_id: 'learner-5', stripe_product_id: 'prod_retired', expires_at: inOneDay() });
  const requestsBefore = fake.checkout.createRequests.length;

  t.equal((await app.inject({ method: 'POST', url: url(mine.uuid) })).statusCode, 401, 'no token → 401');
  const other = await post(mine.uuid, 'someone-else');
  t.equal(other.statusCode, 404, "another user's intent is not found");
  t.same(other.json(), { detail: 'Not found.' });
  const admin = await app.inject({ method: 'POST', url: url(mine.uuid), headers: await harness.bearer('admin-1', { administrator: true }) });
  t.equal(admin.statusCode, 404, 'an admin is not the owner either');
  t.equal((await post('00000000-0000-4000-8000-000000000000')).statusCode, 404, 'unknown uuid → 404');
  t.equal((await post('not-a-uuid')).statusCode, 404, 'a non-uuid → 404');

  for (const [intent, user, code, why] of [
    [paid, 'learner-2', 'intent_not_payable', 'a paid intent'],
    [lapsed, 'learner-3', 'intent_not_payable', 'a created intent past its expires_at'],
    [unknownProduct, 'learner-4', 'price_unavailable', 'a product no academy sells'],
    [retired, 'learner-5', 'price_unavailable', 'an inactive academy'],
  ] as const) {
    const res = await post(intent.uuid, user);
    t.equal(res.statusCode, 409, `${why} → 409`);
    t.equal(res.json<{ error_code: string }>().error_code, code, `${why} → ${code}`);
  }
  t.equal(fake.checkout.createRequests.length, requestsBefore, 'Stripe was never asked');
  t.equal((await intentRow(mine.uuid)).stripe_checkout_session_id, null, 'nothing recorded');
});

t.test('a Teams intent without TEAMS_STRIPE_PRICE_LOOKUP_KEY, or whose price Stripe lacks, is price_unavailable', async (t) => {
  const noTeams = await checkoutHarness(db, clock, { settings: { ...SETTINGS, teamsPriceLookupKey: undefined } });
  t.teardown(() => noTeams.close());
  const intent = await insertIntent(db, { user_id: 'learner-1', stripe_product_id: '', expires_at: inOneDay() });
  const res = await noTeams.app.inject({ method: 'POST', url: url(intent.uuid), headers: await noTeams.bearer('learner-1') });
  t.equal(res.statusCode, 409);
  t.equal(res.json<{ error_code: string }>().error_code, 'price_unavailable');

  fake.setPrices([]);
  t.teardown(() => fake.setPrices([ACADEMY_PRICE, TEAMS_PRICE]));
  const academy = await insertIntent(db, { user_id: 'learner-2', stripe_product_id: ACADEMY_PRODUCT, expires_at: inOneDay() });
  const noPrice = await post(academy.uuid, 'learner-2');
  t.equal(noPrice.json<{ error_code: string }>().error_code, 'price_unavailable', 'the lookup key has no usable price at Stripe');
});

t.test('Stripe failing is a 502 and nothing is recorded', async (t) => {
  const intent = await insertIntent(db, { user_id: 'learner-1', stripe_product_id: ACADEMY_PRODUCT, expires_at: inOneDay() });
  fake.checkout.mode = '500';
  const res = await post(intent.uuid);
  t.equal(res.statusCode, 502);
  t.equal(res.json<{ error_code: string }>().error_code, 'stripe_unavailable');
  const row = await intentRow(intent.uuid);
  t.equal(row.stripe_checkout_session_id, null, 'no session id stored');
  t.equal(row.checkout_session_attempts, 0, 'no attempt counted');
});

t.test('prices failing at Stripe is a 502; a price of another product is price_unavailable', async (t) => {
  const intent = await insertIntent(db, { user_id: 'learner-1', stripe_product_id: ACADEMY_PRODUCT, expires_at: inOneDay() });
  fake.setMode('500');
  const failed = await post(intent.uuid);
  fake.setMode('ok');
  t.equal(failed.statusCode, 502);
  t.equal(failed.json<{ error_code: string }>().error_code, 'stripe_unavailable');

  fake.setPrices([{ ...ACADEMY_PRICE, product: 'prod_someone_else' }, TEAMS_PRICE]);
  t.teardown(() => fake.setPrices([ACADEMY_PRICE, TEAMS_PRICE]));
  const foreign = await post(intent.uuid);
  t.equal(foreign.statusCode, 409);
  t.equal(foreign.json<{ error_code: string }>().error_code, 'price_unavailable');
  t.equal((await intentRow(intent.uuid)).stripe_checkout_session_id, null, 'nothing recorded');
});

t.test('a retry after Stripe made the session but its answer was lost gets that same session (Idempotency-Key)', async (t) => {
  const intent = await insertIntent(db, { user_id: 'learner-1', stripe_product_id: ACADEMY_PRODUCT, expires_at: inOneDay() });
  const sessionsBefore = fake.checkout.sessions.size;
  fake.checkout.mode = 'created-then-500';
  t.equal((await post(intent.uuid)).statusCode, 502, 'the lost answer is a 502');
  t.equal(fake.checkout.sessions.size, sessionsBefore + 1, 'yet Stripe made a session');
  fake.checkout.mode = 'ok';
  const retry = await post(intent.uuid);
  t.equal(retry.statusCode, 201);
  t.equal(fake.checkout.sessions.size, sessionsBefore + 1, 'the retry made no second session');
  const [lost, retried] = fake.checkout.createRequests.slice(-2);
  t.equal(retried?.idempotencyKey, lost?.idempotencyKey, 'both calls carried the same Idempotency-Key');
  t.equal((await intentRow(intent.uuid)).stripe_checkout_session_id, retry.json<{ id: string }>().id, 'and the intent holds it');
});

t.test('after a lost answer, a retry with other parameters (the quantity changed) gets a new session, not a 502 for a day', async (t) => {
  const intent = await insertIntent(db, { user_id: 'learner-1', stripe_product_id: ACADEMY_PRODUCT, quantity: 1, expires_at: inOneDay() });
  fake.checkout.mode = 'created-then-500';
  t.equal((await post(intent.uuid)).statusCode, 502, 'the lost answer is a 502');
  fake.checkout.mode = 'ok';
  await db.updateTable('checkout_intents').set({ quantity: 2 }).where('uuid', '=', intent.uuid).execute();
  const retry = await post(intent.uuid);
  t.equal(retry.statusCode, 201, 'the retry for the new quantity gets a session (Stripe did not refuse a reused key)');
  const [lost, retried] = fake.checkout.createRequests.slice(-2);
  t.not(retried?.idempotencyKey, lost?.idempotencyKey, 'other parameters travel under another key');
  t.equal(retried?.params['line_items[0][quantity]'], '2', 'for the new quantity');
  t.equal((await intentRow(intent.uuid)).stripe_checkout_session_id, retry.json<{ id: string }>().id, 'and the intent holds it');
});

t.test('a session near its expiry, or made for another quantity, is expired at Stripe and replaced', async (t) => {
  const intent = await insertIntent(db, { user_id: 'learner-1', stripe_product_id: ACADEMY_PRODUCT, quantity: 2, expires_at: inOneDay() });
  const first = (await post(intent.uuid)).json<{ id: string }>();
  const session = fake.checkout.sessions.get(first.id)!;
  session['expires_at'] = Math.floor(Date.now() / 1000) + 240;
  const second = await post(intent.uuid);
  t.equal(second.statusCode, 201, 'four minutes left: a new session');
  t.not(second.json<{ id: string }>().id, first.id);
  t.equal(session['status'], 'expired', 'the old one was expired so it cannot be paid too');
  t.match(fake.checkout.createRequests.at(-1)?.idempotencyKey, new RegExp(`^academy-billing:checkout-session:${intent.uuid}:2:`), 'attempt 2');

  await db.updateTable('checkout_intents').set({ quantity: 5 }).where('uuid', '=', intent.uuid).execute();
  const third = await post(intent.uuid);
  t.equal(third.statusCode, 201, 'the quantity changed: a new session');
  t.equal(fake.checkout.createRequests.at(-1)?.params['line_items[0][quantity]'], '5', 'for the new quantity');
  t.equal(fake.checkout.sessions.get(second.json<{ id: string }>().id)?.['status'], 'expired', 'the old one expired');
});

t.test('a session Stripe already completed (webhook not yet here) blocks a new one; an expired one is replaced', async (t) => {
  const intent = await insertIntent(db, { user_id: 'learner-1', stripe_product_id: ACADEMY_PRODUCT, expires_at: inOneDay() });
  const first = (await post(intent.uuid)).json<{ id: string }>();
  fake.checkout.complete(first.id, { paymentStatus: 'unpaid' });
  const processing = await post(intent.uuid);
  t.equal(processing.statusCode, 409, 'a payment is processing: no second session');
  t.equal(processing.json<{ error_code: string }>().error_code, 'intent_not_payable');

  const other = await insertIntent(db, { user_id: 'learner-2', stripe_product_id: ACADEMY_PRODUCT, expires_at: inOneDay() });
  const lapsed = (await post(other.uuid, 'learner-2')).json<{ id: string }>();
  fake.checkout.expire(lapsed.id);
  const renewed = await post(other.uuid, 'learner-2');
  t.equal(renewed.statusCode, 201, 'the expired session (its webhook lost) is replaced');
  t.not(renewed.json<{ id: string }>().id, lapsed.id);
});

t.test('two concurrent requests for one intent yield one session', async (t) => {
  const intent = await insertIntent(db, { user_id: 'learner-1', stripe_product_id: ACADEMY_PRODUCT, expires_at: inOneDay() });
  const sessionsBefore = fake.checkout.sessions.size;
  const [a, b] = await Promise.all([post(intent.uuid), post(intent.uuid)]);
  t.same([a.statusCode, b.statusCode].sort(), [200, 201], 'one made it, the other found it');
  t.equal(a.json<{ id: string }>().id, b.json<{ id: string }>().id, 'the same session for both');
  t.equal(fake.checkout.sessions.size, sessionsBefore + 1, 'one session at Stripe');
});

t.test('session creation is limited per user (CHECKOUT_SESSION_RATE_LIMIT) with the catalogue’s 429', async (t) => {
  const limited = await checkoutHarness(db, clock, { rateLimit: { max: 2, windowMs: 3_600_000 } });
  t.teardown(() => limited.close());
  const intent = await insertIntent(db, { user_id: 'learner-1', stripe_product_id: ACADEMY_PRODUCT, expires_at: inOneDay() });
  const call = async (user: string) => limited.app.inject({ method: 'POST', url: url(intent.uuid), headers: await limited.bearer(user) });
  t.equal((await call('learner-1')).statusCode, 201);
  t.equal((await call('learner-1')).statusCode, 200);
  const throttled = await call('learner-1');
  t.equal(throttled.statusCode, 429, 'the third call in the window is refused');
  t.match(throttled.json(), { detail: /^Request was throttled\. Expected available in \d+ seconds\.$/ });
  t.ok(Number(throttled.headers['retry-after']) > 0, 'with Retry-After');
  t.equal((await call('learner-2')).statusCode, 404, 'another user has a budget of their own (and gets the usual 404)');
});

t.test('without Stripe Checkout settings the endpoint answers 503 checkout_not_configured', async (t) => {
  const bare = await checkoutHarness(db, clock, { settings: null });
  t.teardown(() => bare.close());
  const intent = await insertIntent(db, { user_id: 'learner-1', stripe_product_id: ACADEMY_PRODUCT, expires_at: inOneDay() });
  const res = await bare.app.inject({ method: 'POST', url: url(intent.uuid), headers: await bare.bearer('learner-1') });
  t.equal(res.statusCode, 503);
  t.equal(res.json<{ error_code: string }>().error_code, 'checkout_not_configured');
});

t.test('metrics count created, reused, refused and failed requests', async (t) => {
  t.ok(harness.sessionOutcomes.includes('created'), 'created counted');
  t.ok(harness.sessionOutcomes.includes('reused'), 'reused counted');
  t.ok(harness.sessionOutcomes.includes('refused'), 'refused counted');
  t.ok(harness.sessionOutcomes.includes('failed'), 'failed counted');
});

t.test('a new quantity ends the open session at Stripe, so the old amount cannot be paid from another tab', async (t) => {
  const { createOrUpdateIntent } = intentUseCases(db, clock, { academies: postgresAcademyRepository(db), sessions: stripeCheckoutSessions(harness.stripe) });
  const repost = (quantity: number) => createOrUpdateIntent({ userId: 'learner-1', stripeProductId: ACADEMY_PRODUCT, quantity });
  const { intent } = await repost(1);
  const first = (await post(intent.uuid)).json<{ id: string }>();

  const same = await repost(1);
  t.equal(same.intent.stripeCheckoutSessionId, first.id, 'the same quantity keeps the session');
  t.equal(fake.checkout.sessions.get(first.id)?.['status'], 'open', 'still open at Stripe');

  const changed = await repost(2);
  t.equal(changed.intent.quantity, 2, 'updated');
  t.equal(changed.intent.stripeCheckoutSessionId, null, 'the intent let the session go');
  t.equal(fake.checkout.sessions.get(first.id)?.['status'], 'expired', 'and it was expired at Stripe: no one can pay it now');
  const next = await post(intent.uuid);
  t.equal(next.statusCode, 201, 'a session for the new quantity');
  t.equal(fake.checkout.createRequests.at(-1)?.params['line_items[0][quantity]'], '2');
});

t.test('a new quantity while a payment of the session is complete is refused (409), and Stripe failing changes nothing (502)', async (t) => {
  const { createOrUpdateIntent } = intentUseCases(db, clock, { academies: postgresAcademyRepository(db), sessions: stripeCheckoutSessions(harness.stripe) });
  const repost = (quantity: number) => createOrUpdateIntent({ userId: 'learner-1', stripeProductId: ACADEMY_PRODUCT, quantity });
  const { intent } = await repost(1);
  const session = (await post(intent.uuid)).json<{ id: string }>();

  fake.checkout.mode = '500';
  await t.rejects(repost(3), { code: 'stripe.unavailable' }, 'Stripe down: the update fails (502)');
  fake.checkout.mode = 'ok';
  t.match(await intentRow(intent.uuid), { quantity: 1, stripe_checkout_session_id: session.id }, 'nothing changed');

  fake.checkout.complete(session.id, { paymentStatus: 'unpaid' });
  await t.rejects(repost(3), { code: 'checkout_intent.not_payable', message: /payment of this checkout intent is complete or processing/ }, 'a payment on its way: 409');
  t.match(await intentRow(intent.uuid), { quantity: 1, stripe_checkout_session_id: session.id }, 'nothing changed');
});

t.test('a re-post waits for the row a session is being attached to, then ends that session (no stale write)', { skip: testDb.kind === 'pglite' ? 'needs two concurrent transactions (a database server)' : false }, async (t) => {
  const gateway = stripeCheckoutSessions(harness.stripe);
  const { createOrUpdateIntent } = intentUseCases(db, clock, { academies: postgresAcademyRepository(db), sessions: gateway });
  const { intent } = await createOrUpdateIntent({ userId: 'learner-1', stripeProductId: ACADEMY_PRODUCT, quantity: 1 });
  let repost: ReturnType<typeof createOrUpdateIntent> | undefined;
  // The session endpoint's transaction, played by hand: the row locked while Stripe makes the session.
  const made = await db.transaction().execute(async (trx) => {
    await trx.selectFrom('checkout_intents').select('uuid').where('uuid', '=', intent.uuid).forUpdate().execute();
    repost = createOrUpdateIntent({ userId: 'learner-1', stripeProductId: ACADEMY_PRODUCT, quantity: 2 });
    // Wait until the re-post is blocked on that row (a condition, not a time).
    for (;;) {
      const waiting = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
      if ((waiting.rows[0]?.n ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const session = await gateway.create({
      intentUuid: intent.uuid, userId: 'learner-1', stripeProductId: ACADEMY_PRODUCT, priceId: String(ACADEMY_PRICE['id']), quantity: 1,
      successUrl: SETTINGS.successUrl, cancelUrl: SETTINGS.cancelUrl, expiresAt: new Date(Date.now() + 3_600_000), idempotencyKey: `race-${intent.uuid}`,
    });
    await trx.updateTable('checkout_intents').set({ stripe_checkout_session_id: session.id }).where('uuid', '=', intent.uuid).execute();
    return session;
  });
  const after = await repost;
  t.equal(after?.intent.quantity, 2, 'the re-post went through once the row was free');
  t.equal(after?.intent.stripeCheckoutSessionId, null, 'and let the session it found go');
  t.equal(fake.checkout.sessions.get(made.id)?.['status'], 'expired', 'the session made meanwhile (for quantity 1) was expired at Stripe: nobody can pay it');
});
