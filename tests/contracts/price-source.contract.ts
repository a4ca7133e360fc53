import type { Test } from 'tap';
import type { PriceSource } from '../../src/application/ports/price-source.ts';
import { stripePrice, type WirePrice } from '../helpers/fake-stripe.ts';

/** Builds a price source over exactly these prices, in Stripe's wire format. */
export type MakePriceSource = (t: Test, prices: readonly WirePrice[]) => Promise<PriceSource>;

/**
 * What every PriceSource promises (src/application/ports/price-source.ts), run against each implementation:
 * the Stripe adapter (the real SDK against the local fake Stripe) and the file source of the embedded
 * default. "The two answer alike" is the file source's promise; this holds it to that.
 */
export function priceSourceContract(t: Test, make: MakePriceSource): void {
  const yearly = stripePrice({ id: 'price_c_yearly', lookup_key: 'c_yearly', product: 'prod_c', unit_amount: 9900 });
  const yen = stripePrice({ id: 'price_c_jpy', lookup_key: 'c_jpy', product: 'prod_c', currency: 'jpy', unit_amount: 15000, unit_amount_decimal: '15000' });
  const inactive = stripePrice({ id: 'price_c_old', lookup_key: 'c_old', active: false });
  const oneTime = stripePrice({ id: 'price_c_once', lookup_key: 'c_once', type: 'one_time', recurring: null });
  const tiered = stripePrice({ id: 'price_c_tiered', lookup_key: 'c_tiered', billing_scheme: 'tiered', unit_amount: null });
  const prices = [yearly, yen, inactive, oneTime, tiered];

  t.test('answers the usable price of each key asked for, and nothing for others', async (t) => {
    const source = await make(t, prices);
    const found = await source.pricesForLookupKeys(['c_yearly', 'c_jpy', 'c_unknown']);
    t.same([...found.keys()].sort(), ['c_jpy', 'c_yearly'], 'an unknown key is absent');
    t.match(found.get('c_yearly'), {
      id: 'price_c_yearly', productId: 'prod_c', lookupKey: 'c_yearly', currency: 'usd', unitAmount: 9900,
      recurring: { interval: 'year', intervalCount: 1, usageType: 'licensed' },
    });
    t.match(found.get('c_jpy'), { currency: 'jpy', unitAmount: 15000 }, 'a zero-decimal currency as it is');
  });

  t.test('never answers an inactive, one-time or tiered price', async (t) => {
    const source = await make(t, prices);
    const found = await source.pricesForLookupKeys(['c_old', 'c_once', 'c_tiered', 'c_yearly']);
    t.same([...found.keys()], ['c_yearly'], 'only the usable one; the others do not hide it');
  });

  t.test('a price not asked for is never answered, blank and repeated keys ask nothing more', async (t) => {
    const source = await make(t, prices);
    t.same([...(await source.pricesForLookupKeys(['c_jpy'])).keys()], ['c_jpy']);
    t.same([...(await source.pricesForLookupKeys(['', '  ', 'c_jpy', 'c_jpy'])).keys()], ['c_jpy']);
    t.equal((await source.pricesForLookupKeys([])).size, 0, 'no key, no price');
  });

  t.test('many keys at once (more than one Stripe page of lookup keys) are all answered', async (t) => {
    const many = Array.from({ length: 23 }, (_, i) => stripePrice({ id: `price_many_${i}`, lookup_key: `many_${i}`, product: `prod_many_${i}` }));
    const source = await make(t, many);
    const keys = many.map((price) => String(price['lookup_key']));
    t.equal((await source.pricesForLookupKeys(keys)).size, 23);
  });
}
