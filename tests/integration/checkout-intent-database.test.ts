import t from 'tap';
import { sql } from 'kysely';
import { createTestDatabase } from '../helpers/test-database.ts';
import { insertIntent, intentUseCases, manualClock } from '../helpers/checkout-intents.ts';

const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
t.comment(`database: ${testDb.kind}`);
const { db } = testDb;

t.beforeEach(async () => {
  await db.deleteFrom('checkout_intents').execute();
});

const ACTIVE_INDEX = { code: '23505', constraint: 'checkout_intents_one_active_academy_key' };
const TEAMS_INDEX = { code: '23505', constraint: 'checkout_intents_one_active_teams_key' };

t.test('the database itself enforces one active intent (spec §5), whatever the code does', async (t) => {
  t.test('a second active Teams intent for the same user is refused', async (t) => {
    await insertIntent(db, { stripe_product_id: '', state: 'created' });
    await t.rejects(insertIntent(db, { stripe_product_id: '', state: 'paid' }), TEAMS_INDEX, 'created + paid Teams refused');
  });

  t.test('a fulfilled Teams intent still blocks a new Teams intent', async (t) => {
    await insertIntent(db, { stripe_product_id: '', state: 'fulfilled' });
    await t.rejects(insertIntent(db, { stripe_product_id: '', state: 'created' }), TEAMS_INDEX, 'fulfilled + created Teams refused');
  });

  t.test('the same academy product twice for one user and slug is refused', async (t) => {
    await insertIntent(db, { enterprise_slug: 'acme', state: 'created' });
    await t.rejects(insertIntent(db, { enterprise_slug: 'acme', state: 'paid' }), ACTIVE_INDEX, 'created + paid refused');
  });

  t.test('the same academy product twice without a slug is refused (NULL slugs are not distinct here)', async (t) => {
    await insertIntent(db, { enterprise_slug: null });
    await t.rejects(insertIntent(db, { enterprise_slug: null }), ACTIVE_INDEX, 'two slug-less active intents refused');
  });

  t.test('updating a row into a second active state is refused too', async (t) => {
    await insertIntent(db, { state: 'created' });
    const expired = await insertIntent(db, { state: 'expired' });
    await t.rejects(
      db.updateTable('checkout_intents').set({ state: 'created' }).where('id', '=', expired.id).execute(),
      ACTIVE_INDEX,
      'expired → created refused while another is created',
    );
  });

  for (const state of ['fulfilled', 'expired', 'errored_backoffice', 'errored_fulfillment_stalled', 'errored_provisioning']) {
    t.test(`an academy intent in state ${state} does not block a new one`, async (t) => {
      await insertIntent(db, { state });
      await insertIntent(db, { state });
      await insertIntent(db, { state: 'created' });
      t.equal(await countRows(), 3, `two ${state} rows and one created row stored`);
    });
  }

  for (const state of ['expired', 'errored_backoffice', 'errored_fulfillment_stalled', 'errored_provisioning']) {
    t.test(`a Teams intent in state ${state} does not block a new one`, async (t) => {
      await insertIntent(db, { stripe_product_id: '', state });
      await insertIntent(db, { stripe_product_id: '', state: 'created' });
      t.equal(await countRows(), 2, `the ${state} and the created Teams rows are both stored`);
    });
  }

  t.test('different academy products of one user coexist', async (t) => {
    await insertIntent(db, { stripe_product_id: 'prod_a' });
    await insertIntent(db, { stripe_product_id: 'prod_b', state: 'paid' });
    t.equal(await countRows(), 2, 'both stored');
  });

  t.test('one product for two different slugs of one user coexist', async (t) => {
    await insertIntent(db, { enterprise_slug: 'acme' });
    await insertIntent(db, { enterprise_slug: 'globex' });
    t.equal(await countRows(), 2, 'both stored');
  });

  t.test('a Teams intent and an academy intent of one user coexist', async (t) => {
    await insertIntent(db, { stripe_product_id: '', state: 'paid' });
    await insertIntent(db, { stripe_product_id: 'prod_a', state: 'paid' });
    t.equal(await countRows(), 2, 'both stored');
  });

  t.test('two users may each hold an active intent for the same product', async (t) => {
    await insertIntent(db, { user_id: 'u1', stripe_product_id: '' });
    await insertIntent(db, { user_id: 'u2', stripe_product_id: '' });
    t.equal(await countRows(), 2, 'both stored');
  });

  const refused: ReadonlyArray<[string, Parameters<typeof insertIntent>[1], string]> = [
    ['a zero quantity is refused', { quantity: 0 }, 'checkout_intents_quantity_positive'],
    ['an unknown state is refused', { state: 'pending' }, 'checkout_intents_state_known'],
    ['a lower-case country is refused', { country: 'us' }, 'checkout_intents_country_alpha2'],
    ['an array as terms_metadata is refused', { terms_metadata: '[1]' }, 'checkout_intents_terms_metadata_object'],
    ['a blank user id is refused', { user_id: ' ' }, 'checkout_intents_user_id_not_blank'],
  ];
  for (const [name, overrides, constraint] of refused) {
    t.test(name, async (t) => {
      await t.rejects(insertIntent(db, overrides), { code: '23514', constraint }, `check ${constraint}`);
    });
  }

  t.test('omitted columns take their defaults', async (t) => {
    const row = await insertIntent(db, {});
    t.match(row.uuid, /^[0-9a-f-]{36}$/, 'uuid generated');
    t.same(row.terms_metadata, {}, 'terms_metadata defaults to {}');
    t.ok(row.created instanceof Date, 'created defaults to now()');
  });
  t.end();
});

t.test('the repository turns a unique violation into ActiveIntentConflictError', async (t) => {
  const { intents } = intentUseCases(db, manualClock());
  const first = await insertIntent(db, { state: 'created' });
  const second = await insertIntent(db, { state: 'expired' });
  const reopened = { ...(await intents.findByUuid(second.uuid))!, state: 'created' as const };
  await t.rejects(intents.update(reopened), { code: 'checkout_intent.active_conflict' }, 'domain conflict, not a raw 23505');
  t.equal((await intents.findByUuid(first.uuid))?.state, 'created', 'the first intent is untouched');
});

t.test('the lookups are served by the indexes the migration creates', async (t) => {
  const { rows } = await sql<{ indexname: string }>`select indexname from pg_indexes where tablename = 'checkout_intents'`.execute(db);
  const names = rows.map((row) => row.indexname);
  for (const index of [
    'checkout_intents_user_created_idx',
    'checkout_intents_state_expires_idx',
    'checkout_intents_state_modified_idx',
    'checkout_intents_enterprise_slug_idx',
    'checkout_intents_session_idx',
  ]) {
    t.ok(names.includes(index), `${index} exists`);
  }
});

async function countRows(): Promise<number> {
  const { total } = await db
    .selectFrom('checkout_intents')
    .select((eb) => eb.fn.countAll<number | string>().as('total'))
    .executeTakeFirstOrThrow();
  return Number(total);
}
