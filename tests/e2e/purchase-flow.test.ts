/**
 * Issue 14: the purchase flow on the real process, as a front end drives it (through the client generated from openapi/openapi.json) — list the catalogue, record
 * an intent (JWT), get a Checkout Session, and see the intent paid once Stripe says so: through a signed
 * `checkout.session.completed`, or, with that event lost, through `reconcile-checkout-sessions`. Stripe is
 * the fake server (tests/helpers/fake-stripe.ts) reached through the real SDK by the service and the job.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import createClient from 'openapi-fetch';
import { SignJWT } from 'jose';
import Stripe from 'stripe';
import type { paths } from '../../openapi/schema.d.ts';
import { checkoutSessionEvent } from '../helpers/fake-stripe-checkout.ts';
import { startFakeStripe } from '../helpers/fake-stripe.ts';
import { runCli, startService, type ServiceProcess } from '../helpers/service-process.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

const JWT_SECRET = 'purchase-flow-test-secret-0123456789abcdef';
const WEBHOOK_SECRET = 'whsec_purchase_flow';

const stripe = await startFakeStripe(); // the prices of examples/prices.json, which the example catalogue sells
t.teardown(() => stripe.close());

// The job runs while the service is up, so both need a database two processes can share: the PostgreSQL
// server when TEST_DATABASE_URL is set; else one PGlite directory, handed over (the service stops for the job).
const server = await createTestDatabase();
const dataDir = server.url ? null : await mkdtemp(join(tmpdir(), 'academy-billing-purchase-'));
if (!server.url) await server.close();
t.teardown(async () => {
  if (server.url) await server.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});
const databaseEnv: Record<string, string> = server.url
  ? { DATABASE_URL: server.url, JWT_ALLOW_ANY_ISSUER: 'true' }
  : { PGLITE_DIR: join(dataDir ?? '', 'pglite') };
const stripeEnv = { STRIPE_SECRET_KEY: 'sk_test_purchase_flow', STRIPE_API_URL: stripe.url };
const serviceEnv = {
  ...databaseEnv,
  ...stripeEnv,
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  JWT_SECRET_KEY: JWT_SECRET,
  CHECKOUT_SUCCESS_URL: 'https://learn.example.com/checkout/done?session_id={CHECKOUT_SESSION_ID}',
  CHECKOUT_CANCEL_URL: 'https://learn.example.com/checkout/cancelled',
  LOG_LEVEL: 'warn',
};

let service: ServiceProcess = await startService(serviceEnv);
t.teardown(() => service.stop('SIGKILL'));

/** A front end's client, generated from the committed OpenAPI document (a drift between the two breaks these calls or their types). */
async function clientFor(userId?: string) {
  const headers: Record<string, string> = {};
  if (userId) {
    const token = await new SignJWT({ user_id: userId }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('10m').sign(new TextEncoder().encode(JWT_SECRET));
    headers['authorization'] = `Bearer ${token}`;
  }
  return createClient<paths>({ baseUrl: service.baseUrl, headers });
}

/** The front end's steps up to the hosted payment page: list, intent, session. */
async function startPurchase(t: Test, userId: string): Promise<{ productId: string; intentUuid: string; sessionId: string }> {
  const list = await (await clientFor()).GET('/api/v1/academy-products/');
  t.equal(list.response.status, 200, 'the catalogue is listed');
  const academy = list.data?.results.find((a) => a.stripe_product_id === 'prod_ai');
  t.ok(academy, 'the AI academy is on sale');
  const productId = academy?.stripe_product_id ?? '';

  const learner = await clientFor(userId);
  const intent = await learner.POST('/api/v1/checkout-intents/', { body: { stripe_product_id: productId, quantity: 2 } });
  t.equal(intent.response.status, 201, 'the intent is recorded');
  const intentUuid = intent.data?.uuid ?? '';

  const session = await learner.POST('/api/v1/checkout-intents/{uuid}/checkout-session/', { params: { path: { uuid: intentUuid } } });
  t.equal(session.response.status, 201, 'a Checkout Session is made');
  t.match(session.data, { id: /^cs_test_/, url: /^https:\/\/checkout\.stripe\.com\//, expires_at: String }, 'the page to send the learner to');
  return { productId, intentUuid, sessionId: session.data?.id ?? '' };
}

async function currentIntent(userId: string, productId: string) {
  const current = await (await clientFor(userId)).GET('/api/v1/checkout-intents/current/', { params: { query: { stripe_product_id: productId } } });
  return { status: current.response.status, json: current.data };
}

t.test('list → intent → session → signed completed event → the intent is paid and current', async (t) => {
  const { productId, intentUuid, sessionId } = await startPurchase(t, 'learner-webhook');
  // The learner pays on Stripe's page; Stripe then sends the event.
  const event = checkoutSessionEvent('checkout.session.completed', stripe.checkout.complete(sessionId, { customer: 'cus_e2e_webhook' }));
  const payload = JSON.stringify(event);
  const res = await fetch(`${service.baseUrl}/api/v1/stripe/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }) },
    body: payload,
  });
  t.equal(res.status, 200, 'the webhook acknowledges the event');
  const current = await currentIntent('learner-webhook', productId);
  t.equal(current.status, 200);
  t.match(current.json, { uuid: intentUuid, state: 'paid', stripe_checkout_session_id: sessionId, stripe_customer_id: 'cus_e2e_webhook' }, 'current shows it paid');
  const again = await (await clientFor('learner-webhook')).POST('/api/v1/checkout-intents/{uuid}/checkout-session/', { params: { path: { uuid: intentUuid } } });
  t.equal(again.response.status, 409, 'a paid intent gets no new session');
  t.match(again.error, { error_code: 'intent_not_payable' }, 'with the documented code');
});

t.test('the same purchase with the event lost: reconcile-checkout-sessions marks it paid', async (t) => {
  const { productId, intentUuid, sessionId } = await startPurchase(t, 'learner-lost');
  stripe.checkout.complete(sessionId, { customer: 'cus_e2e_lost' }); // paid at Stripe; no event reaches the service
  t.match(await currentIntent('learner-lost', productId), { json: { state: 'created' } }, 'without the event the intent waits');

  if (dataDir) await service.stop(); // PGlite: one process at a time
  const job = await runCli(['reconcile-checkout-sessions'], { ...databaseEnv, ...stripeEnv });
  t.equal(job.code, 0, `the job exits 0 ${job.stderr}`);
  const report = JSON.parse(job.stdout) as Record<string, unknown>;
  t.match(report, { ok: true, checked: 1, marked_paid: 1, failed: 0 }, 'one JSON report: one session checked, one intent paid');
  if (dataDir) service = await startService(serviceEnv);

  t.match(
    (await currentIntent('learner-lost', productId)).json,
    { uuid: intentUuid, state: 'paid', stripe_checkout_session_id: sessionId, stripe_customer_id: 'cus_e2e_lost' },
    'current shows it paid',
  );
});
