/** The PriceSource contract (tests/contracts/price-source.contract.ts) on the Stripe adapter and the file source. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { createStripeClient } from '../../src/adapters/stripe/client.ts';
import { filePriceSource } from '../../src/adapters/stripe/file-price-source.ts';
import { stripePriceSource } from '../../src/adapters/stripe/price-source.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { priceSourceContract } from '../contracts/price-source.contract.ts';
import { startFakeStripe } from '../helpers/fake-stripe.ts';

t.test('Stripe adapter (the real SDK against the local fake Stripe)', async (t) => {
  priceSourceContract(t, async (t, prices) => {
    const fake = await startFakeStripe({ prices });
    t.teardown(() => fake.close());
    const stripe = createStripeClient({ secretKey: 'sk_test_contract', apiUrl: fake.url, timeoutMs: 10_000 });
    return stripePriceSource(stripe, { logger: silentLogger });
  });
});

t.test('file source (the embedded default)', async (t) => {
  priceSourceContract(t, async (t, prices) => {
    const path = join(t.testdir({}), 'prices.json');
    await writeFile(path, JSON.stringify({ object: 'list', data: prices }));
    return filePriceSource(path, { logger: silentLogger });
  });
});
