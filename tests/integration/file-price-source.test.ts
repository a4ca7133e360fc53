import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { EXAMPLE_LOOKUP_KEYS, recordingLogger } from '../helpers/example-prices.ts';
import { filePriceSource } from '../../src/adapters/stripe/file-price-source.ts';
import { PriceSourceUnavailable } from '../../src/application/ports/price-source.ts';

const EXAMPLE_PRICES = fileURLToPath(new URL('../../examples/prices.json', import.meta.url));

t.test('the six usable example prices are found and the tiered one is skipped', async (t) => {
  const logger = recordingLogger();
  const found = await filePriceSource(EXAMPLE_PRICES, { logger }).pricesForLookupKeys(EXAMPLE_LOOKUP_KEYS);
  t.same(
    [...found.values()].map((p) => p.id),
    ['price_1QaiYearly', 'price_1QdataJpy', 'price_1QleadYearly', 'price_1QcloudEur', 'price_1QsecYearly', 'price_1QmainYearly'],
    'the six usable prices, in file order',
  );
  t.notOk(found.has('essentials_leadership_tiered'), 'the tiered price is absent');
  t.same(logger.warnings, [{ priceId: 'price_1Qtiered', lookupKey: 'essentials_leadership_tiered', reason: 'billing_scheme is not per_unit' }], 'the tiered price is logged on its own');
});

t.test('example prices serialize like Stripe’s', async (t) => {
  const found = await filePriceSource(EXAMPLE_PRICES, { logger: recordingLogger() }).pricesForLookupKeys(['essentials_cloud_yearly_eur', 'essentials_data_yearly_jpy']);
  t.same(
    found.get('essentials_cloud_yearly_eur'),
    {
      id: 'price_1QcloudEur',
      productId: 'prod_cloud',
      lookupKey: 'essentials_cloud_yearly_eur',
      currency: 'eur',
      unitAmount: 9950,
      unitAmountDecimal: '99.50',
      recurring: { interval: 'year', intervalCount: 1, usageType: 'licensed' },
    },
    'eur 9950 → "99.50", expanded product → its id',
  );
  t.equal(found.get('essentials_data_yearly_jpy')?.unitAmountDecimal, '15000', 'jpy keeps no decimals');
});

t.test('only the requested keys are answered', async (t) => {
  const logger = recordingLogger();
  const found = await filePriceSource(EXAMPLE_PRICES, { logger }).pricesForLookupKeys(['essentials_ai_yearly', 'unknown_key']);
  t.same([...found.keys()], ['essentials_ai_yearly'], 'just the one known key');
  t.equal(logger.warnings.length, 0, 'prices nobody asked for are not judged or logged');
});

t.test('the file is read once and kept in memory', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'file-price-source-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'prices.json');
  await writeFile(path, JSON.stringify({ object: 'list', data: [{ id: 'price_x', object: 'price', active: true, type: 'recurring', billing_scheme: 'per_unit', lookup_key: 'x', product: 'prod_x', currency: 'usd', unit_amount: 100, unit_amount_decimal: '100', recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' } }] }));
  const source = filePriceSource(path, { logger: recordingLogger() });
  t.equal((await source.pricesForLookupKeys(['x'])).get('x')?.unitAmountDecimal, '1.00', 'first read answers from the file');
  await rm(path);
  t.equal((await source.pricesForLookupKeys(['x'])).get('x')?.id, 'price_x', 'later calls answer from memory');
});

t.test('a missing or malformed file makes the source unavailable', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'file-price-source-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const cases: Array<[string, string | null]> = [
    ['missing', null],
    ['not JSON', '{"object": "list", "data": ['],
    ['not a list', '{"object": "price"}'],
  ];
  for (const [name, content] of cases) {
    const path = join(dir, `${name.replaceAll(' ', '-')}.json`);
    if (content !== null) await writeFile(path, content);
    await t.rejects(filePriceSource(path, { logger: recordingLogger() }).pricesForLookupKeys(['x']), PriceSourceUnavailable, `${name} file → PriceSourceUnavailable`);
  }
});

t.test('a file fixed after a failed read is picked up by the next call', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'file-price-source-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'prices.json');
  const source = filePriceSource(path, { logger: recordingLogger() });
  await t.rejects(source.pricesForLookupKeys(['essentials_ai_yearly']), PriceSourceUnavailable, 'the missing file fails first');
  await writeFile(path, JSON.stringify({ object: 'list', data: [] }));
  t.equal((await source.pricesForLookupKeys(['essentials_ai_yearly'])).size, 0, 'then the new (empty) list answers without error');
});

t.test('prices with missing, null or odd fields are skipped one by one, never thrown', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'file-price-source-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'prices.json');
  const good = { id: 'price_ok', active: true, type: 'recurring', billing_scheme: 'per_unit', lookup_key: 'ok', product: 'prod_ok', currency: 'usd', unit_amount: 500, unit_amount_decimal: null, recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' } };
  const data = [
    { lookup_key: 'empty' },
    { ...good, id: 'price_null_product', lookup_key: 'null_product', product: null },
    { ...good, id: 'price_deleted_product', lookup_key: 'deleted_product', product: { id: 'prod_gone', deleted: true } },
    { ...good, id: 'price_null_recurring', lookup_key: 'null_recurring', recurring: null },
    { ...good, id: 'price_string_amount', lookup_key: 'string_amount', unit_amount: '500' },
    { ...good, id: 'price_number_key', lookup_key: 42 },
    'not an object',
    null,
    good,
  ];
  await writeFile(path, JSON.stringify({ object: 'list', data }));
  const logger = recordingLogger();
  const keys = ['empty', 'null_product', 'deleted_product', 'null_recurring', 'string_amount', 'ok'];
  const found = await filePriceSource(path, { logger }).pricesForLookupKeys(keys);
  t.same([...found.keys()], ['ok'], 'only the complete price is usable');
  t.equal(found.get('ok')?.unitAmountDecimal, '5.00', 'a null unit_amount_decimal falls back to unit_amount');
  t.equal(logger.warnings.length, 5, 'each of the five requested broken prices is logged on its own');
});
