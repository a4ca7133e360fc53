import t from 'tap';
import { judgePrice } from '../../src/domain/price.ts';
import type { PriceCandidate } from '../../src/domain/price.ts';

const usable: PriceCandidate = {
  id: 'price_ai',
  productId: 'prod_ai',
  active: true,
  type: 'recurring',
  billingScheme: 'per_unit',
  lookupKey: 'essentials_ai_yearly',
  currency: 'usd',
  unitAmount: 9900,
  unitAmountDecimal: '9900',
  recurring: { interval: 'year', intervalCount: 1, usageType: 'licensed' },
};
const licensedYearly = { interval: 'year', intervalCount: 1, usageType: 'licensed' };

t.test('a complete recurring per-unit price is usable', async (t) => {
  t.equal(judgePrice(usable).usable, true, 'the baseline candidate passes, so each case below fails for its own reason');
});

t.test('each usability condition alone makes a price unusable', async (t) => {
  const breakers: Array<[string, Partial<PriceCandidate>]> = [
    ['inactive', { active: false }],
    ['one_time type', { type: 'one_time' }],
    ['missing type', { type: null }],
    ['tiered billing scheme', { billingScheme: 'tiered' }],
    ['missing billing scheme', { billingScheme: null }],
    ['no lookup key', { lookupKey: null }],
    ['empty lookup key', { lookupKey: '' }],
    ['no product', { productId: null }],
    ['no unit_amount', { unitAmount: null }],
    ['fractional unit_amount', { unitAmount: 99.5 }],
    ['negative unit_amount', { unitAmount: -1 }],
    ['no currency', { currency: null }],
    ['no recurring', { recurring: null }],
    ['no interval', { recurring: { ...licensedYearly, interval: null } }],
    ['no interval_count', { recurring: { ...licensedYearly, intervalCount: null } }],
    ['metered usage', { recurring: { ...licensedYearly, usageType: 'metered' } }],
    ['malformed unit_amount_decimal', { unitAmountDecimal: '99,00' }],
  ];
  for (const [name, change] of breakers) {
    const verdict = judgePrice({ ...usable, ...change });
    t.equal(verdict.usable, false, `${name} → unusable`);
    if (!verdict.usable) t.ok(verdict.reason.length > 0, `${name} → carries a reason to log`);
  }
});

t.test('a usable usd price serializes with two decimals', async (t) => {
  t.same(
    judgePrice({ ...usable, currency: 'USD', unitAmount: 9950, unitAmountDecimal: '9950' }),
    {
      usable: true,
      price: {
        id: 'price_ai',
        productId: 'prod_ai',
        lookupKey: 'essentials_ai_yearly',
        currency: 'usd',
        unitAmount: 9950,
        unitAmountDecimal: '99.50',
        recurring: { interval: 'year', intervalCount: 1, usageType: 'licensed' },
      },
    },
    'usd 9950 → "99.50", currency lower-cased',
  );
});

t.test('a usable jpy price serializes without decimals', async (t) => {
  const verdict = judgePrice({ ...usable, currency: 'jpy', unitAmount: 1000, unitAmountDecimal: '1000' });
  t.equal(verdict.usable && verdict.price.unitAmountDecimal, '1000', 'jpy 1000 → "1000"');
});

t.test('a usable kwd price serializes with three decimals', async (t) => {
  const verdict = judgePrice({ ...usable, currency: 'kwd', unitAmount: 12345, unitAmountDecimal: '12345' });
  t.equal(verdict.usable && verdict.price.unitAmountDecimal, '12.345', 'kwd 12345 → "12.345"');
});

t.test('the amount falls back to unit_amount when unit_amount_decimal is absent', async (t) => {
  const verdict = judgePrice({ ...usable, unitAmountDecimal: null });
  t.equal(verdict.usable && verdict.price.unitAmountDecimal, '99.00', 'usd 9900 without decimal string → "99.00"');
});

t.test('a fractional unit_amount_decimal is computed exactly from the string', async (t) => {
  const verdict = judgePrice({ ...usable, unitAmount: 9950, unitAmountDecimal: '9950.123456789012' });
  t.equal(verdict.usable && verdict.price.unitAmountDecimal, '99.50123456789012', 'every digit kept, no float rounding');
  t.equal(verdict.usable && verdict.price.unitAmount, 9950, 'unit_amount stays the integer minor units');
});
