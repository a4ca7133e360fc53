import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { SignJWT } from 'jose';
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
import { intentUseCases, type ManualClock } from './checkout-intents.ts';
import { startFakeStripe, stripePrice, type FakeStripe } from './fake-stripe.ts';
import { inMemoryAcademyRepository } from './in-memory-academy-repository.ts';
import { fakePriceSource } from './fake-price-source.ts';

export const JWT_SECRET = 'checkout-session-test-secret-0123456789';
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
        prices: stripePriceSource(stripe, { logger: silentLogger }),
        clock,
        logger: silentLogger,
        telemetry,
      }),
      checkoutSessionRateLimit: options.rateLimit ?? { max: 10_000, windowMs: 3_600_000 },
    },
  });
  return {
    app,
    fake,
    sessionOutcomes,
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
