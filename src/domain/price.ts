import { formatMinorUnits } from './money.ts';

export interface Recurring {
  readonly interval: string;
  readonly intervalCount: number;
  readonly usageType: string;
}

/** A usable price, ready to serialize (spec §2). */
export interface Price {
  readonly id: string;
  readonly productId: string;
  readonly lookupKey: string;
  readonly currency: string;
  readonly unitAmount: number;
  readonly unitAmountDecimal: string;
  readonly recurring: Recurring | null;
}

/** Whether two answers for one lookup key say the same thing to a buyer (undefined: no usable price). */
export function samePrice(a: Price | undefined, b: Price | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const sameRecurring =
    a.recurring === b.recurring ||
    (a.recurring !== null &&
      b.recurring !== null &&
      a.recurring.interval === b.recurring.interval &&
      a.recurring.intervalCount === b.recurring.intervalCount &&
      a.recurring.usageType === b.recurring.usageType);
  return (
    sameRecurring &&
    a.id === b.id &&
    a.productId === b.productId &&
    a.lookupKey === b.lookupKey &&
    a.currency === b.currency &&
    a.unitAmount === b.unitAmount &&
    a.unitAmountDecimal === b.unitAmountDecimal
  );
}

/** What a price source knows about a price before the usability rule is applied. */
export interface PriceCandidate {
  readonly id: string;
  readonly productId: string | null;
  readonly active: boolean;
  readonly type: string | null;
  readonly billingScheme: string | null;
  readonly lookupKey: string | null;
  readonly currency: string | null;
  readonly unitAmount: number | null;
  readonly unitAmountDecimal: string | null;
  readonly recurring: {
    readonly interval: string | null;
    readonly intervalCount: number | null;
    readonly usageType: string | null;
  } | null;
}

export type PriceVerdict = { readonly usable: true; readonly price: Price } | { readonly usable: false; readonly reason: string };

/**
 * The usability rule: active, recurring, per_unit, with a lookup key, an integer
 * unit_amount, a currency, and a licensed recurring interval.
 */
export function judgePrice(candidate: PriceCandidate): PriceVerdict {
  const reject = (reason: string): PriceVerdict => ({ usable: false, reason });
  if (!candidate.active) return reject('inactive');
  if (candidate.type !== 'recurring') return reject('not recurring');
  if (candidate.billingScheme !== 'per_unit') return reject('billing_scheme is not per_unit');
  if (!candidate.lookupKey) return reject('no lookup_key');
  if (!candidate.productId) return reject('no product');
  if (candidate.unitAmount === null || !Number.isSafeInteger(candidate.unitAmount) || candidate.unitAmount < 0) {
    return reject('unit_amount is not a non-negative integer');
  }
  if (!candidate.currency) return reject('no currency');
  const recurring = candidate.recurring;
  if (!recurring?.interval || !recurring.intervalCount || recurring.usageType !== 'licensed') {
    return reject('recurring is not a licensed interval');
  }
  const currency = candidate.currency.toLowerCase();
  const unitAmountDecimal = formatMinorUnits(candidate.unitAmountDecimal ?? candidate.unitAmount, currency);
  if (unitAmountDecimal === null) return reject('unit_amount_decimal is not a decimal number');
  return {
    usable: true,
    price: {
      id: candidate.id,
      productId: candidate.productId,
      lookupKey: candidate.lookupKey,
      currency,
      unitAmount: candidate.unitAmount,
      unitAmountDecimal,
      recurring: { interval: recurring.interval, intervalCount: recurring.intervalCount, usageType: recurring.usageType },
    },
  };
}
