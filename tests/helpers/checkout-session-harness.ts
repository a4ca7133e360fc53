import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import type { Kysely } from 'kysely';
import { SignJWT } from 'jose';
import { Registry } from 'prom-client';
import Stripe from 'stripe';
import { postgresAcademyRepository } from '../../src/adapters/postgres/academy-repository.ts';
import { prometheusTelemetry } from '../../src/adapters/metrics/prometheus-telemetry.ts';
import { stripeWebhookVerifier } from '../../src/adapters/stripe/webhook-events.ts';
import { makeReceiveStripeWebhook } from '../../src/application/stripe-webhook.ts';
import { jwtVerifier } from '../../src/adapters/auth/jwt-verifier.ts';
import type { Database } from '../../src/adapters/postgres/database.ts';
import { postgresSellableProducts } from '../../src/adapters/postgres/sellable-products.ts';
import { stripeCheckoutSessions } from '../../src/adapters/stripe/checkout-sessions.ts';
import { createStripeClient } from '../../src/adapters/stripe/client.ts';
import { stripePriceSource } from '../../src/adapters/stripe/price-source.ts';
import { makeCreateCheckoutSession, type CheckoutSessionSettings } from '../../src/application/create-checkout-session.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import type { Telemetry } from '../../src/application/ports/telemetry.ts';
import { buildTestApp } from './build-test-app.ts';
import { intentUseCases, manualClock, type ManualClock } from './checkout-intents.ts';
import { createTestDatabase, insertAcademy } from './test-database.ts';
import { startFakeStripe, stripePrice, type FakeStripe } from './fake-stripe.ts';
import { inMemoryAcademyRepository } from './in-memory-academy-repository.ts';
import { fakePriceSource } from './fake-price-source.ts';

export const JWT_SECRET = 'checkout-session-test-secret-0123456789';
export const WEBHOOK_SECRET = 'whsec_checkout_harness';
export const ACADEMY_PRODUCT = 'prod_checkout_ai';
export const ACADEMY_PRICE = stripePrice({ id: 'price_checkout_ai', lookup_key: 'checkout_ai_yearly', product: ACADEMY_PRODUCT, unit_amount: 9900 });
export const TEAMS_PRICE = stripePrice({ id: 'price_checkout_teams', lookup_key: 'checkout_teams_yearly', product: 'prod_teams', unit_amount: 2500 });
export const SETTINGS: CheckoutSessionSettings = {
  successUrl: 'https://learn.example.com/checkout/done?session_id={CHECKOUT_SESSION_ID}',
  cancelUrl: 'https://learn.example.com/checkout/cancelled',
  teamsPriceLookupKey: 'checkout_teams_yearly',
};

export interface CheckoutHarness {
  readonly app: FastifyInstance;
  readonly fake: FakeStripe;
  readonly sessionOutcomes: string[];
  /** The Stripe client the app uses (the real SDK, pointed at the fake). */
  readonly stripe: Stripe;
  /** Signs `event` as Stripe does and POSTs it to the webhook. */
  deliver(event: object): Promise<{ statusCode: number; body: string }>;
  /** The value of `academy_stripe_webhook_events_total{type,outcome}` (0 when never counted). */
  webhookCount(type: string, outcome: string): Promise<number>;
  bearer(userId: string, claims?: Record<string, unknown>): Promise<{ authorization: string }>;
  close(): Promise<void>;
}

/**
 * The HTTP app with checkout sessions wired as the composition root wires them: the real PostgreSQL
 * adapters, and the real Stripe SDK against the fake Stripe server for both prices and sessions.
 */
export async function checkoutHarness(
  db: Kysely<Database>,
  clock: ManualClock,
  options: { settings?: CheckoutSessionSettings | null; rateLimit?: { max: number; windowMs: number } } = {},
): Promise<CheckoutHarness> {
  const fake = await startFakeStripe({ prices: [ACADEMY_PRICE, TEAMS_PRICE] });
  const stripe = createStripeClient({ secretKey: 'sk_test_checkout', apiUrl: fake.url, timeoutMs: 10_000 });
  const useCases = intentUseCases(db, clock);
  const sessionOutcomes: string[] = [];
  const telemetry: Pick<Telemetry, 'checkoutSession'> = { checkoutSession: (outcome) => sessionOutcomes.push(outcome) };
  const settings = options.settings === undefined ? SETTINGS : options.settings;
  const registry = new Registry();
  const webhookTelemetry = prometheusTelemetry(registry);
  const livePrices = stripePriceSource(stripe, { logger: silentLogger });
  const app = await buildTestApp({
    academies: inMemoryAcademyRepository(),
    prices: fakePriceSource([]),
    tokenVerifier: jwtVerifier({ secretKey: JWT_SECRET }),
    checkoutIntents: {
      ...useCases,
      createCheckoutSession: makeCreateCheckoutSession({
        gateway: settings ? stripeCheckoutSessions(stripe) : null,
        settings,
        unitOfWork: useCases.unitOfWork,
        products: postgresSellableProducts(db),
        prices: livePrices,
        clock,
        logger: silentLogger,
        telemetry,
      }),
      receiveStripeWebhook: makeReceiveStripeWebhook({
        verifier: stripeWebhookVerifier(WEBHOOK_SECRET),
        unitOfWork: useCases.unitOfWork,
        priceCache: { async invalidate() {} },
        prices: livePrices,
        academies: postgresAcademyRepository(db),
        teamsPriceLookupKey: settings?.teamsPriceLookupKey,
        clock,
        logger: silentLogger,
        telemetry: webhookTelemetry,
      }),
      checkoutSessionRateLimit: options.rateLimit ?? { max: 10_000, windowMs: 3_600_000 },
    },
  });
  return {
    app,
    fake,
    sessionOutcomes,
    stripe,
    async deliver(event) {
      const payload = JSON.stringify(event);
      const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/stripe/webhook',
        headers: { 'stripe-signature': header, 'content-type': 'application/json' },
        payload,
      });
      return { statusCode: res.statusCode, body: res.body };
    },
    async webhookCount(type, outcome) {
      const metric = await registry.getSingleMetric('academy_stripe_webhook_events_total')?.get();
      return metric?.values.find((value) => value.labels['type'] === type && value.labels['outcome'] === outcome)?.value ?? 0;
    },
    async bearer(userId, claims = {}) {
      const token = await new SignJWT({ user_id: userId, ...claims })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(JWT_SECRET));
      return { authorization: `Bearer ${token}` };
    },
    async close() {
      await app.close();
      await fake.close();
    },
  };
}

/**
 * The usual set-up of a checkout test file: its own database, the harness on it (torn down with `t`), and
 * one active academy selling ACADEMY_PRODUCT at ACADEMY_PRICE (issue 15: intents are for a sold product).
 */
export async function checkoutRig(t: Test, academyName: string): Promise<{ db: Kysely<Database>; clock: ManualClock; harness: CheckoutHarness }> {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.close());
  t.comment(`database: ${testDb.kind}`);
  const clock = manualClock(new Date());
  const harness = await checkoutHarness(testDb.db, clock);
  t.teardown(() => harness.close());
  await insertAcademy(testDb.db, { name: academyName, stripe_product_id: ACADEMY_PRODUCT, stripe_price_lookup_key: String(ACADEMY_PRICE['lookup_key']) });
  return { db: testDb.db, clock, harness };
}
