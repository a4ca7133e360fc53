/**
 * Stripe faults through the HTTP list, wired as the composition root wires it: the real SDK
 * (`createStripeClient`) → `stripePriceSource` → `cachedPriceSource`, over the real academies table.
 * Spec §3: whatever Stripe does, the list answers 200 within the budget with the last good
 * prices or `[]`, and recovers when Stripe does. (Adapter-level faults: stripe-price-source.test.ts.)
 */
import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { createStripeClient } from '../../src/adapters/stripe/client.ts';
import { stripePriceSource } from '../../src/adapters/stripe/price-source.ts';
import { postgresAcademyRepository } from '../../src/adapters/postgres/academy-repository.ts';
import { cachedPriceSource } from '../../src/application/read-model/cached-price-source.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { manualClock } from '../helpers/checkout-intents.ts';
import { startFakeStripe, type FakeStripe, type FakeStripeMode, type WirePrice } from '../helpers/fake-stripe.ts';
import { startService } from '../helpers/service-process.ts';
import { createTestDatabase, insertAcademy } from '../helpers/test-database.ts';

const LIST = '/api/v1/academy-products/';
/** STRIPE_TIMEOUT_MS of these tests: the SDK timeout and the cache's wait budget, as in the composition root. */
const TIMEOUT_MS = 400;
const TTL_MS = 60_000;
/** Slack above the budget for a loaded 2-core machine; still far below "hangs". */
const SLACK_MS = 3_000;
const LOOKUP_KEYS = ['essentials_ai_yearly', 'essentials_data_yearly_jpy', 'essentials_security_yearly'];

const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
for (const [index, key] of LOOKUP_KEYS.entries()) {
  await insertAcademy(testDb.db, { name: `Priced ${index}`, stripe_price_lookup_key: key, display_order: index });
}

interface PriceJson {
  lookup_key: string;
  unit_amount: number;
}
interface ListJson {
  count: number;
  results: { name: string; prices: PriceJson[] }[];
}

/** A fresh cache over a fresh fake Stripe, wired like pickPriceSource + buildDeps. */
async function rig(t: Test, prices?: readonly WirePrice[]) {
  const fake = await startFakeStripe(prices ? { prices } : {});
  t.teardown(() => fake.close());
  const clock = manualClock(new Date());
  const stripe = createStripeClient({ secretKey: 'sk_test_faults', apiUrl: fake.url, timeoutMs: TIMEOUT_MS });
  const cache = cachedPriceSource(stripePriceSource(stripe, { logger: silentLogger }), {
    ttlMs: TTL_MS,
    timeoutMs: TIMEOUT_MS,
    clock,
    logger: silentLogger,
  });
  const app = await buildTestApp({ academies: postgresAcademyRepository(testDb.db), prices: cache });
  t.teardown(() => app.close());
  const list = async () => {
    const started = Date.now();
    const res = await app.inject({ url: LIST });
    return { status: res.statusCode, body: res.json<ListJson>(), ms: Date.now() - started };
  };
  return { fake, clock, list };
}

const pricesOf = (body: ListJson) => body.results.map((academy) => academy.prices);
const FAULTS: readonly FakeStripeMode[] = ['500', '429', 'reset', 'hang', 'malformed'];
const BUDGET = TIMEOUT_MS + SLACK_MS;

for (const mode of FAULTS) {
  t.test(`after a good answer, Stripe answering ${mode} leaves the list 200 with the last good prices within the budget`, async (t) => {
    const { fake, clock, list } = await rig(t);
    const warm = await list();
    t.equal(warm.status, 200, 'the warm-up list is 200');
    t.equal(pricesOf(warm.body).flat().length, 3, 'every academy has its price before the fault');
    const callsBefore = fake.calls;

    fake.setMode(mode);
    clock.advanceMinutes(TTL_MS / 60_000 + 1);
    const during = await list();
    t.equal(during.status, 200, `Stripe ${mode} → still 200`);
    t.same(pricesOf(during.body), pricesOf(warm.body), 'the last good prices are served');
    t.ok(during.ms < BUDGET, `answered in ${during.ms} ms (budget ${TIMEOUT_MS} ms + ${SLACK_MS} ms slack)`);
    t.ok(fake.calls > callsBefore, 'Stripe was really asked (the fault was exercised, not skipped by the cache)');
  });

  t.test(`with nothing cached, Stripe answering ${mode} gives 200 with prices [] within the budget`, async (t) => {
    const { fake, list } = await rig(t, undefined);
    fake.setMode(mode);
    const cold = await list();
    t.equal(cold.status, 200, `Stripe ${mode} on a cold cache → 200`);
    t.equal(cold.body.count, 3, 'every academy is listed');
    t.same(pricesOf(cold.body), [[], [], []], 'with prices []');
    t.ok(cold.ms < BUDGET, `answered in ${cold.ms} ms`);
  });
}

t.test('when Stripe recovers from an outage, its new prices are served once the failure back-off ends', async (t) => {
  const { fake, clock, list } = await rig(t);
  fake.setMode('500');
  t.same(pricesOf((await list()).body), [[], [], []], 'during the outage: prices []');
  fake.setMode('ok');
  clock.advanceMinutes(1); // past the failure back-off (min(ttl, 10 s))
  const healed = await list();
  t.equal(healed.status, 200, 'the list is 200');
  t.same(
    pricesOf(healed.body).map((prices) => prices.map((price) => price.lookup_key)),
    LOOKUP_KEYS.map((key) => [key]),
    'every academy has its price again',
  );
});

t.test('a price with a missing field hides only that academy’s price', async (t) => {
  const { fake, list } = await rig(t);
  const examples = JSON.parse(readFileSync(new URL('../../examples/prices.json', import.meta.url), 'utf8')) as { data: WirePrice[] };
  const withoutCurrency = examples.data.map((price) => {
    if (price['lookup_key'] !== 'essentials_ai_yearly') return price;
    const { currency: _currency, ...rest } = price;
    return rest;
  });
  fake.setPrices(withoutCurrency);
  const res = await list();
  t.equal(res.status, 200, 'the list is 200');
  t.same(pricesOf(res.body)[0], [], 'the academy whose price lacks a currency has prices []');
  t.equal(pricesOf(res.body)[1]?.[0]?.lookup_key, LOOKUP_KEYS[1], 'the second academy keeps its price');
  t.equal(pricesOf(res.body)[2]?.[0]?.lookup_key, LOOKUP_KEYS[2], 'the third academy keeps its price');
});

t.test('a burst of requests during a 429 storm becomes one Stripe call, not one per request', async (t) => {
  const { fake, list } = await rig(t);
  fake.setMode('429');
  const answers = await Promise.all(Array.from({ length: 30 }, () => list()));
  t.ok(answers.every((answer) => answer.status === 200), 'all 30 requests are 200');
  t.equal(fake.calls, 1, 'Stripe was asked once (single flight, then the failure back-off)');
  const again = await list();
  t.equal(again.status, 200, 'a request during the back-off is 200');
  t.equal(fake.calls, 1, 'and does not ask Stripe again');
});

t.test('the real process answers 200 within STRIPE_TIMEOUT_MS while Stripe hangs, and shows prices once Stripe answers', async (t) => {
  const fake: FakeStripe = await startFakeStripe({ mode: 'hang' });
  t.teardown(() => fake.close());
  const service = await startService({
    STRIPE_SECRET_KEY: 'sk_test_faults',
    STRIPE_API_URL: fake.url,
    STRIPE_TIMEOUT_MS: '500',
    STRIPE_PRICE_CACHE_TTL_SECONDS: '1',
    LOG_LEVEL: 'warn',
  });
  t.teardown(() => service.stop());
  const started = Date.now();
  const res = await fetch(`${service.baseUrl}${LIST}`);
  const ms = Date.now() - started;
  t.equal(res.status, 200, 'a hanging Stripe still gives 200');
  const body = (await res.json()) as ListJson;
  t.ok(body.count > 0 && body.results.every((academy) => academy.prices.length === 0), 'the example academies, with prices []');
  t.ok(ms < 500 + SLACK_MS, `answered in ${ms} ms (STRIPE_TIMEOUT_MS 500 + slack)`);
  t.match(service.output().stdout, /price source (failed|slower than the budget)/, 'the degradation is logged');

  fake.setMode('ok');
  const deadline = Date.now() + 20_000;
  let priced = 0;
  while (Date.now() < deadline && priced === 0) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const next = (await (await fetch(`${service.baseUrl}${LIST}`)).json()) as ListJson;
    priced = next.results.filter((academy) => academy.prices.length > 0).length;
  }
  t.ok(priced > 0, 'once Stripe answers again the prices come back, without a restart');
});
