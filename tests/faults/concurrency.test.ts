/**
 * Concurrency through HTTP over the real database (spec §4 step 5, §5). Fifty parallel creates for
 * one user and product are in tests/integration/http-checkout-intents.test.ts; two syncs at the
 * use-case level in tests/integration/academy-sync-faults.test.ts.
 */
import t, { type Test } from 'tap';
import { SignJWT } from 'jose';
import { jwtVerifier } from '../../src/adapters/auth/jwt-verifier.ts';
import { postgresAcademyRepository } from '../../src/adapters/postgres/academy-repository.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { insertIntent, intentUseCases, manualClock } from '../helpers/checkout-intents.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { academyItem, syncRig } from '../helpers/sync-harness.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
t.comment(`database: ${testDb.kind}`);
const { db } = testDb;
const SECRET = 'a-test-secret-of-at-least-thirty-two-bytes';
const adminHeaders = {
  authorization: `JWT ${await new SignJWT({ user_id: 'ops', administrator: true }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET))}`,
};
const useCases = intentUseCases(db, manualClock(new Date()));

async function appFor(t: Test, syncAcademies?: Parameters<typeof buildTestApp>[0]['syncAcademies']) {
  const app = await buildTestApp({
    academies: postgresAcademyRepository(db),
    prices: fakePriceSource([]),
    tokenVerifier: jwtVerifier({ secretKey: SECRET }),
    checkoutIntents: useCases,
    ...(syncAcademies ? { syncAcademies } : {}),
  });
  t.teardown(() => app.close());
  return app;
}

const transition = (app: Awaited<ReturnType<typeof appFor>>, uuid: string, payload: object) =>
  app.inject({ method: 'POST', url: `/api/v1/checkout-intents/${uuid}/transitions/`, headers: adminHeaders, payload });

t.test('twenty parallel "paid" transitions with different sessions: one wins, the rest are 409, none is lost or overwritten', async (t) => {
  await db.deleteFrom('checkout_intents').execute();
  const app = await appFor(t);
  const intent = await insertIntent(db, { user_id: 'u1' });
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => transition(app, intent.uuid, { state: 'paid', stripe_checkout_session_id: `cs_${i}` })),
  );
  const statuses = answers.map((res) => res.statusCode);
  t.equal(statuses.filter((status) => status === 200).length, 1, `exactly one 200 (${statuses.join(', ')})`);
  t.equal(statuses.filter((status) => status === 409).length, 19, 'the others are 409 paid_intent_mismatch');
  t.ok(answers.filter((res) => res.statusCode === 409).every((res) => res.json().error_code === 'paid_intent_mismatch'), 'with the coded body');
  const winner = answers.find((res) => res.statusCode === 200)?.json().stripe_checkout_session_id;
  const row = await db.selectFrom('checkout_intents').selectAll().where('uuid', '=', intent.uuid).executeTakeFirstOrThrow();
  t.equal(row.state, 'paid', 'the intent is paid');
  t.equal(row.stripe_checkout_session_id, winner, 'with the winner’s session id: no later writer overwrote it');
});

t.test('parallel fulfilled and errored transitions on a paid intent end in a state the table allows, with no 5xx', async (t) => {
  await db.deleteFrom('checkout_intents').execute();
  const app = await appFor(t);
  const intent = await insertIntent(db, { user_id: 'u1', state: 'paid', stripe_checkout_session_id: 'cs_1' });
  const answers = await Promise.all(
    Array.from({ length: 16 }, (_, i) =>
      transition(app, intent.uuid, i % 2 === 0 ? { state: 'fulfilled' } : { state: 'errored_provisioning', error: `attempt ${i}` }),
    ),
  );
  const statuses = answers.map((res) => res.statusCode);
  t.ok(statuses.every((status) => status === 200 || status === 422), `only 200 or 422 invalid_state_transition (${statuses.join(', ')})`);
  const row = await db.selectFrom('checkout_intents').selectAll().where('uuid', '=', intent.uuid).executeTakeFirstOrThrow();
  t.equal(row.state, 'fulfilled', 'fulfilled wins in the end: errored → fulfilled is allowed, fulfilled → errored is not');
  const lastOk = answers.filter((res) => res.statusCode === 200).map((res) => res.json().state);
  t.ok(lastOk.includes('fulfilled'), 'and a 200 reported it');
});

t.test('parallel creates of one user for one product with different quantities leave one active intent holding one of them', async (t) => {
  await db.deleteFrom('checkout_intents').execute();
  const app = await appFor(t);
  const userHeaders = {
    authorization: `JWT ${await new SignJWT({ user_id: 'buyer' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET))}`,
  };
  const answers = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      app.inject({ method: 'POST', url: '/api/v1/checkout-intents/', headers: userHeaders, payload: { quantity: i + 1, stripe_product_id: 'prod_a', enterprise_slug: 'acme', enterprise_name: 'Acme' } }),
    ),
  );
  const statuses = answers.map((res) => res.statusCode);
  t.ok(statuses.every((status) => status === 200 || status === 201), `only 200/201 (${statuses.join(', ')})`);
  t.equal(statuses.filter((status) => status === 201).length, 1, 'exactly one 201');
  const rows = await db.selectFrom('checkout_intents').selectAll().where('user_id', '=', 'buyer').execute();
  t.equal(rows.length, 1, 'one intent row');
  t.ok(rows[0] !== undefined && rows[0].quantity >= 1 && rows[0].quantity <= 12, 'holding one of the requested quantities (the last writer’s)');
});

t.test('four parallel admin syncs all answer 200 and together apply the catalogue exactly once', async (t) => {
  const rig = await syncRig(t, db);
  rig.fake.setAcademies(Array.from({ length: 12 }, (_, i) => academyItem(i + 1)));
  const app = await appFor(t, rig.sync());
  const answers = await Promise.all(Array.from({ length: 4 }, () => app.inject({ method: 'POST', url: '/api/v1/admin/academy-sync', headers: adminHeaders, payload: {} })));
  t.same(answers.map((res) => res.statusCode), [200, 200, 200, 200], 'every sync is 200');
  const reports = answers.map((res) => res.json());
  t.equal(reports.reduce((sum, report) => sum + report.created, 0), 12, 'twelve creations in total: the syncs ran one after another');
  t.equal(reports.filter((report) => report.unchanged === 12).length, 3, 'the three later ones found nothing to do');
  const rows = await db.selectFrom('academies').select('name').execute();
  t.equal(rows.length, 12, 'twelve academies, no duplicates');
});

t.test('a sync during list traffic: every list sees the catalogue entirely before or entirely after, never half, never a 5xx', async (t) => {
  const rig = await syncRig(t, db);
  rig.fake.setAcademies(Array.from({ length: 30 }, (_, i) => academyItem(i + 1)));
  await rig.sync()({ dryRun: false });
  rig.fake.setAcademies(Array.from({ length: 30 }, (_, i) => academyItem(i + 1, { title: `Renamed ${i + 1}`, tags: [{ id: 1, title: 'v2' }] })));
  const app = await appFor(t);
  const sync = rig.sync()({ dryRun: false });
  const lists: { status: number; v2: number }[] = [];
  let done = false;
  void sync.finally(() => {
    done = true;
  });
  while (!done) {
    const res = await app.inject({ url: '/api/v1/academy-products/?include_inactive=true' });
    const results = res.statusCode === 200 ? (res.json().results as { tags: string[] }[]) : [];
    lists.push({ status: res.statusCode, v2: results.filter((academy) => academy.tags.includes('v2')).length });
    // Traffic, not a busy loop: embedded PGlite serves one statement at a time and the sync needs its turns.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const report = await sync;
  const last = await app.inject({ url: '/api/v1/academy-products/?include_inactive=true' });
  lists.push({ status: last.statusCode, v2: last.json().results.filter((academy: { tags: string[] }) => academy.tags.includes('v2')).length });
  t.equal(report.updated, 30, 'the sync updated all thirty');
  t.ok(lists.every((list) => list.status === 200), `every list is 200 (${lists.length} lists)`);
  t.ok(lists.every((list) => list.v2 === 0 || list.v2 === 30), `each list shows 0 or 30 updated academies (${[...new Set(lists.map((list) => list.v2))].join(', ')})`);
  t.equal(lists.at(-1)?.v2, 30, 'and the list after the sync shows all of them');
});
