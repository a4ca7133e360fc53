import t from 'tap';
import { currencyExponent, formatMinorUnits } from '../../src/domain/money.ts';

t.test('golden amounts follow Stripe exponent table', async (t) => {
  const cases: Array<[string | number, string, string]> = [
    [9900, 'usd', '99.00'],
    [9950, 'usd', '99.50'],
    ['9950', 'USD', '99.50'],
    [5, 'usd', '0.05'],
    [0, 'usd', '0.00'],
    [1000, 'jpy', '1000'],
    [15000, 'krw', '15000'],
    [10000, 'isk', '100.00'],
    [10000, 'huf', '100.00'],
    [10000, 'twd', '100.00'],
    [12345, 'kwd', '12.345'],
    [5, 'kwd', '0.005'],
    ['9950.5', 'usd', '99.505'],
    ['1000.25', 'jpy', '1000.25'],
    ['12345.1000', 'kwd', '12.3451'],
  ];
  for (const [minor, currency, expected] of cases) {
    t.equal(formatMinorUnits(minor, currency), expected, `${minor} ${currency} → ${expected}`);
  }
});

t.test('exponents', async (t) => {
  t.equal(currencyExponent('jpy'), 0);
  t.equal(currencyExponent('KWD'), 3);
  t.equal(currencyExponent('isk'), 2);
});

t.test('rejects what is not a non-negative decimal', async (t) => {
  for (const bad of ['', 'abc', '-5', '1e3', 1.5, -1, Number.NaN, '1.2.3']) {
    t.equal(formatMinorUnits(bad, 'usd'), null, `${String(bad)} is rejected`);
  }
});
