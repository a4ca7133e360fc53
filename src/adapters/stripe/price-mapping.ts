import type Stripe from 'stripe';
import type { Logger } from '../../application/ports/logger.ts';
import { judgePrice } from '../../domain/price.ts';
import type { Price, PriceCandidate } from '../../domain/price.ts';

type Fields = { readonly [field: string]: unknown };

/**
 * A Stripe price (from the SDK, or parsed from a Stripe-format JSON file) → the
 * candidate the usability rule judges. The SDK types promise fields that a
 * partial, older or hand-written payload may lack, so every field is read
 * defensively: this never throws, and anything odd becomes null for
 * `judgePrice` to reject with a reason.
 */
export function toPriceCandidate(price: Stripe.Price): PriceCandidate {
  const fields = asFields(price) ?? {};
  const recurring = asFields(fields['recurring']);
  return {
    id: text(fields['id']) ?? '',
    productId: productIdOf(fields['product']),
    active: fields['active'] === true,
    type: text(fields['type']),
    billingScheme: text(fields['billing_scheme']),
    lookupKey: text(fields['lookup_key']),
    currency: text(fields['currency']),
    unitAmount: typeof fields['unit_amount'] === 'number' ? fields['unit_amount'] : null,
    unitAmountDecimal: decimalText(fields['unit_amount_decimal']),
    recurring: recurring && {
      interval: text(recurring['interval']),
      intervalCount: typeof recurring['interval_count'] === 'number' ? recurring['interval_count'] : null,
      usageType: text(recurring['usage_type']),
    },
  };
}

/** Lookup keys worth asking for: deduplicated, blanks dropped, first-seen order kept. */
export function requestedLookupKeys(lookupKeys: readonly string[]): string[] {
  return [...new Set(lookupKeys.filter((key) => typeof key === 'string' && key.trim() !== ''))];
}

/**
 * The usable prices among `prices` whose lookup key was asked for. Each unusable
 * one is logged on its own and skipped, so one bad price never hides the rest.
 */
export function usablePricesByLookupKey(
  prices: readonly Stripe.Price[],
  lookupKeys: readonly string[],
  logger: Logger,
): Map<string, Price> {
  const wanted = new Set(lookupKeys);
  const found = new Map<string, Price>();
  for (const price of prices) {
    const candidate = toPriceCandidate(price);
    // A source that answers more than was asked (a file, a sloppy upstream) must not leak extra prices.
    if (candidate.lookupKey === null || !wanted.has(candidate.lookupKey)) continue;
    const verdict = judgePrice(candidate);
    if (!verdict.usable) {
      logger.warn({ priceId: candidate.id, lookupKey: candidate.lookupKey, reason: verdict.reason }, 'skipping unusable price');
      continue;
    }
    if (!found.has(verdict.price.lookupKey)) found.set(verdict.price.lookupKey, verdict.price);
  }
  return found;
}

function asFields(value: unknown): Fields | null {
  return typeof value === 'object' && value !== null ? (value as Fields) : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Expanded product (object) or bare id; a deleted product counts as none. */
function productIdOf(product: unknown): string | null {
  if (typeof product === 'string') return text(product);
  const fields = asFields(product);
  if (!fields || fields['deleted'] === true) return null;
  return text(fields['id']);
}

/**
 * stripe-node v23 turns `unit_amount_decimal` into its own Decimal object
 * (plain-notation `toString`); a JSON file holds the wire string. Both become
 * the string the domain formats with decimal arithmetic.
 */
function decimalText(value: unknown): string | null {
  if (typeof value === 'string') return text(value);
  const fields = asFields(value);
  if (fields && typeof fields['toFixed'] === 'function' && typeof fields['isZero'] === 'function') {
    return String(value);
  }
  return null;
}
