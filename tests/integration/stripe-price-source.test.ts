import t from 'tap';
import { EXAMPLE_LOOKUP_KEYS, recordingLogger } from '../helpers/example-prices.ts';
import type { Test } from 'tap';
import { createStripeClient } from '../../src/adapters/stripe/client.ts';
import { stripePriceSource } from '../../src/adapters/stripe/price-source.ts';
import { cachedPriceSource } from '../../src/application/read-model/cached-price-source.ts';
import { PriceSourceUnavailable } from '../../src/application/ports/price-source.ts';
import { startFakeStripe, stripePrice } from '../helpers/fake-stripe.ts';
import type { FakeStripe } from '../helpers/fake-stripe.ts';

const SDK_TIMEOUT_MS = 300;
const SECRET_KEY = 'sk_test_integration_secret_123';

async function setup(t: Test) {
  const fake = await startFakeStripe();
  t.teardown(() => fake.close());
  const logger = recordingLogger();
  const stripe = createStripeClient({ secretKey: SECRET_KEY, apiUrl: fake.url, timeoutMs: SDK_TIMEOUT_MS });
  return { fake, logger, source: stripePriceSource(stripe, { logger }) };
}

function manualClock() {
  let now = Date.parse('2026-01-01T00:00:00Z');
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
}

async function expectUnavailable(t: Test, fake: FakeStripe, promise: Promise<unknown>, what: string, expectedCalls = 1) {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  t.type(error, PriceSourceUnavailable, `${what} → PriceSourceUnavailable`);
  t.ok(error instanceof Error && error.cause !== undefined, `${what} → the SDK error is kept as cause`);
  t.notMatch(error instanceof Error ? error.message : '', /sk_test/, `${what} → the message carries no secret`);
  t.equal(fake.calls, expectedCalls, `${what} → ${expectedCalls} call(s): no SDK retries beyond its built-in one`);
}

t.test('23 keys are asked for in 3 parallel calls of at most 10 keys', async (t) => {
  const { fake, source } = await setup(t);
  const keys = Array.from({ length: 23 }, (_, i) => `key_${i}`);
  fake.setPrices(keys.map((key) => stripePrice({ lookup_key: key })));
  fake.setDelay(200);
  const started = performance.now();
  const found = await source.pricesForLookupKeys(keys);
  const elapsed = performance.now() - started;
  t.equal(found.size, 23, 'every key has its price');
  t.same(fake.lookupKeysByCall.map((batch) => batch.length), [10, 10, 3], 'three calls of 10, 10 and 3 keys');
  t.same(fake.lookupKeysByCall.flat().sort(), [...keys].sort(), 'each key asked for exactly once');
  t.ok(elapsed < 500, `the calls overlapped: 3 × 200 ms in sequence would take 600 ms; took ${elapsed.toFixed(0)} ms`);
});

t.test('only the requested keys are asked for, with active=true and the product expanded', async (t) => {
  const { fake, source } = await setup(t);
  const found = await source.pricesForLookupKeys(['essentials_ai_yearly', 'essentials_ai_yearly', '', 'essentials_data_yearly_jpy']);
  t.same(fake.requests, [
    { lookupKeys: ['essentials_ai_yearly', 'essentials_data_yearly_jpy'], active: 'true', expand: ['data.product'], limit: '100' },
  ], 'one call: the two distinct keys, active=true, expand[]=data.product, limit=100');
  t.same(
    [...found.values()].map((p) => [p.id, p.productId, p.unitAmountDecimal]),
    [['price_1QaiYearly', 'prod_ai', '99.00'], ['price_1QdataJpy', 'prod_data', '15000']],
    'the expanded product becomes its id; amounts use each currency’s digits',
  );
});

t.test('no keys means no call to Stripe', async (t) => {
  const { fake, source } = await setup(t);
  t.equal((await source.pricesForLookupKeys(['', ' '])).size, 0, 'empty answer');
  t.equal(fake.calls, 0, 'Stripe was not called');
});

t.test('the tiered price is skipped and logged while the others are returned', async (t) => {
  const { source, logger } = await setup(t);
  const found = await source.pricesForLookupKeys(EXAMPLE_LOOKUP_KEYS);
  t.equal(found.size, 6, 'the six usable prices are returned');
  t.notOk(found.has('essentials_leadership_tiered'), 'the tiered price is not');
  t.match(logger.warnings, [{ priceId: 'price_1Qtiered', reason: /per_unit/ }], 'one warning names the tiered price and why');
});

t.test('a fractional unit_amount_decimal survives the SDK’s Decimal parsing', async (t) => {
  const { fake, source } = await setup(t);
  fake.setPrices([stripePrice({ lookup_key: 'fractional', unit_amount: 9950, unit_amount_decimal: '9950.125' })]);
  const found = await source.pricesForLookupKeys(['fractional']);
  t.equal(found.get('fractional')?.unitAmountDecimal, '99.50125', 'usd 9950.125 minor units → "99.50125"');
});

// stripe-node retries a closed connection once even with maxNetworkRetries: 0 (stripe-node#1040), hence 2 calls on reset.
const failures = [['500', 'a 500', 1], ['429', 'a 429', 1], ['reset', 'a reset connection', 2], ['malformed', 'invalid JSON', 1]] as const;
for (const [mode, what, expectedCalls] of failures) {
  t.test(`${what} from Stripe becomes PriceSourceUnavailable`, async (t) => {
    const { fake, source } = await setup(t);
    fake.setMode(mode);
    await expectUnavailable(t, fake, source.pricesForLookupKeys(['essentials_ai_yearly']), what, expectedCalls);
  });
}

t.test('a hanging Stripe becomes PriceSourceUnavailable at the SDK timeout', async (t) => {
  const { fake, source } = await setup(t);
  fake.setMode('hang');
  const started = performance.now();
  await expectUnavailable(t, fake, source.pricesForLookupKeys(['essentials_ai_yearly']), 'a hang');
  const elapsed = performance.now() - started;
  t.ok(elapsed >= SDK_TIMEOUT_MS - 20 && elapsed < SDK_TIMEOUT_MS + 700, `failed at the ${SDK_TIMEOUT_MS} ms timeout (took ${elapsed.toFixed(0)} ms)`);
});

t.test('wrapped in the cache', async (t) => {
  const TTL_MS = 60_000;
  async function cached(t: Test) {
    const { fake, source } = await setup(t);
    const clock = manualClock();
    const cache = cachedPriceSource(source, { ttlMs: TTL_MS, timeoutMs: 2_000, clock, logger: recordingLogger() });
    return { fake, clock, cache };
  }

  t.test('the last good prices are served after a 500', async (t) => {
    const { fake, clock, cache } = await cached(t);
    await cache.pricesForLookupKeys(['essentials_ai_yearly']);
    clock.advance(TTL_MS);
    fake.setMode('500');
    const found = await cache.pricesForLookupKeys(['essentials_ai_yearly']);
    t.equal(found.get('essentials_ai_yearly')?.id, 'price_1QaiYearly', 'the stale price is served');
    t.equal(fake.calls, 2, 'the refresh did reach Stripe and failed');
  });

  t.test('50 concurrent cold requests make one Stripe call', async (t) => {
    const { fake, cache } = await cached(t);
    fake.setDelay(50);
    const answers = await Promise.all(Array.from({ length: 50 }, () => cache.pricesForLookupKeys(EXAMPLE_LOOKUP_KEYS)));
    t.equal(fake.calls, 1, 'one call to Stripe');
    t.ok(answers.every((found) => found.size === 6), 'every request got the six usable prices');
  });

  t.test('prices come back once the upstream heals', async (t) => {
    const { fake, clock, cache } = await cached(t);
    fake.setMode('500');
    t.equal((await cache.pricesForLookupKeys(['essentials_ai_yearly'])).size, 0, 'cold and failing → no prices');
    fake.setMode('ok');
    clock.advance(TTL_MS);
    const found = await cache.pricesForLookupKeys(['essentials_ai_yearly']);
    t.equal(found.get('essentials_ai_yearly')?.unitAmountDecimal, '99.00', 'the healed upstream’s price is served');
    t.equal(fake.calls, 2, 'one failed call, one good call');
  });
});

t.test('an STRIPE_API_URL the SDK cannot honour is refused at start-up', async (t) => {
  for (const apiUrl of ['not a url', 'ftp://127.0.0.1:21', 'http://127.0.0.1:12111/proxy/stripe']) {
    t.throws(() => createStripeClient({ secretKey: SECRET_KEY, apiUrl, timeoutMs: 1_000 }), /STRIPE_API_URL/, `${apiUrl} → an error naming the variable`);
  }
});
