/**
 * A correctly signed body that is not a readable event (attack review of the webhook): each of these
 * answered 502, so Stripe would have retried the same bytes for days. Each is signed as Stripe signs,
 * sent to the real route, use case and database, and must get the documented 400 `invalid_event`
 * with nothing written: no stripe_events row, no change to the intent the session names.
 */
import t from 'tap';
import Stripe from 'stripe';
import { checkoutRig, ACADEMY_PRODUCT, WEBHOOK_SECRET } from '../helpers/checkout-session-harness.ts';
import { checkoutSessionEvent, type WireSession } from '../helpers/fake-stripe-checkout.ts';
import { insertIntent } from '../helpers/checkout-intents.ts';

const { db, harness } = await checkoutRig(t, 'Malformed Events AI');
const { app, fake } = harness;

const intentRow = (uuid: string) => db.selectFrom('checkout_intents').selectAll().where('uuid', '=', uuid).executeTakeFirstOrThrow();
const eventCount = async () => Number((await db.selectFrom('stripe_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

/** Signs the exact `payload` text with the endpoint's secret, as Stripe does, and POSTs it. */
async function deliverRaw(payload: string) {
  const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
  return app.inject({ method: 'POST', url: '/api/v1/stripe/webhook', headers: { 'stripe-signature': header, 'content-type': 'application/json' }, payload });
}

/** A created intent holding a session that the fake Stripe reports paid, and the valid completed event about it. */
async function paidSessionEvent(userId: string): Promise<{ uuid: string; event: WireSession }> {
  const intent = await insertIntent(db, { user_id: userId, stripe_product_id: ACADEMY_PRODUCT, quantity: 2, expires_at: new Date(Date.now() + 20 * 3_600_000) });
  const res = await app.inject({ method: 'POST', url: `/api/v1/checkout-intents/${intent.uuid}/checkout-session/`, headers: await harness.bearer(userId) });
  const sessionId = res.json<{ id: string }>().id;
  return { uuid: intent.uuid, event: checkoutSessionEvent('checkout.session.completed', fake.checkout.complete(sessionId)) };
}

const without = (event: WireSession, field: string): WireSession => Object.fromEntries(Object.entries(event).filter(([key]) => key !== field));

/** Each malformed variant of a valid paid event, by what is wrong with it. */
const MALFORMED: ReadonlyArray<readonly [string, (event: WireSession) => unknown]> = [
  ['no data', (event) => without(event, 'data')],
  ['data without object', (event) => ({ ...event, data: {} })],
  ['data.object null', (event) => ({ ...event, data: { object: null } })],
  ['data.object an array', (event) => ({ ...event, data: { object: [event['data']] } })],
  ['data a string', (event) => ({ ...event, data: 'x' })],
  ['no type', (event) => without(event, 'type')],
  ['a numeric type', (event) => ({ ...event, type: 42 })],
  ['an empty type', (event) => ({ ...event, type: '' })],
  ['a type of 256 characters', (event) => ({ ...event, type: `checkout.session.completed${'x'.repeat(230)}` })],
  ['a body of null', () => null],
  ['a body that is an array', (event) => [event]],
  ['a body that is a string', () => 'evt_1'],
  ['a body that is a number', () => 7],
  ['no id', (event) => without(event, 'id')],
  ['a numeric id', (event) => ({ ...event, id: 12345 })],
  ['an empty id', (event) => ({ ...event, id: '' })],
  ['an id of 300 characters', (event) => ({ ...event, id: `evt_${'a'.repeat(296)}` })],
  ['an id of 256 characters', (event) => ({ ...event, id: `evt_${'a'.repeat(252)}` })],
  ['an id containing NUL', (event) => ({ ...event, id: 'evt_\u0000abc' })],
  ['an id containing a newline', (event) => ({ ...event, id: 'evt_abc\ndef' })],
  ['a type containing NUL', (event) => ({ ...event, type: 'checkout.session.completed\u0000' })],
  ['created 1e15 (no valid Date)', (event) => ({ ...event, created: 1e15 })],
  ['created negative', (event) => ({ ...event, created: -5 })],
  ['created zero', (event) => ({ ...event, created: 0 })],
  ['created a fraction', (event) => ({ ...event, created: 1_700_000_000.5 })],
  ['created a string', (event) => ({ ...event, created: '1700000000' })],
];

t.test('every malformed signed event is a 400 invalid_event, and nothing is written', async (t) => {
  const { uuid, event } = await paidSessionEvent('learner-1');
  const before = await intentRow(uuid);
  const eventsBefore = await eventCount();
  for (const [what, malform] of MALFORMED) {
    const res = await deliverRaw(JSON.stringify(malform(structuredClone(event))));
    t.equal(res.statusCode, 400, `${what}: 400, so Stripe does not retry it`);
    const body = res.json<{ error_code: string; detail: string }>();
    t.same(Object.keys(body).sort(), ['detail', 'error_code'], `${what}: {error_code, detail}`);
    t.equal(body.error_code, 'invalid_event', `${what}: invalid_event`);
    t.type(body.detail, 'string', `${what}: a detail for people`);
    t.notOk(body.detail.includes('\u0000') || body.detail.includes('a'.repeat(50)), `${what}: the detail does not echo the value`);
  }
  t.equal(await eventCount(), eventsBefore, 'no stripe_events row was written');
  t.same(await intentRow(uuid), before, 'the intent is untouched');
  t.equal(await harness.webhookCount('invalid', 'invalid_event'), MALFORMED.length, 'each one counted, without trusting its type as a label');

  // The event they were all made from is valid: the 400s came from what was changed, not from the base.
  const valid = await deliverRaw(JSON.stringify(event));
  t.equal(valid.statusCode, 200, 'the untouched event is acknowledged');
  t.equal((await intentRow(uuid)).state, 'paid', 'and pays the intent');
});

t.test('the bounds are inclusive: a 255-character id, no created, and a non-checkout event without data are accepted', async (t) => {
  const { uuid, event } = await paidSessionEvent('learner-2');
  const longId = `evt_${'b'.repeat(251)}`;
  const res = await deliverRaw(JSON.stringify(without({ ...event, id: longId }, 'created')));
  t.equal(res.statusCode, 200, 'a 255-character id fits stripe_events.event_id');
  t.equal((await intentRow(uuid)).state, 'paid', 'the payment is applied');
  const row = await db.selectFrom('stripe_events').selectAll().where('event_id', '=', longId).executeTakeFirstOrThrow();
  t.equal(row.stripe_created, null, 'an event without created is stored without it');

  const other = await deliverRaw(JSON.stringify({ id: 'evt_other_no_data', object: 'event', type: 'customer.created', created: 1_700_000_000 }));
  t.equal(other.statusCode, 200, 'an event this service ignores needs no data.object');
});
