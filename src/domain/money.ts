/**
 * Stripe's own currency exponent table (not ISO 4217): isk, huf and twd are
 * zero-decimal in ISO but Stripe's API keeps them two-decimal.
 */
const ZERO_DECIMAL = new Set([
  'bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf',
]);
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

export function currencyExponent(currency: string): number {
  const code = currency.toLowerCase();
  if (ZERO_DECIMAL.has(code)) return 0;
  if (THREE_DECIMAL.has(code)) return 3;
  return 2;
}

const DECIMAL_STRING = /^(\d+)(?:\.(\d+))?$/;

/**
 * Minor units (an integer or Stripe's `unit_amount_decimal` string, which may
 * carry a fraction) → major units as a decimal string with the currency's
 * digits. Pure string arithmetic: no float ever touches the amount.
 * Returns null when the amount is not a non-negative decimal number.
 */
export function formatMinorUnits(minorUnits: string | number, currency: string): string | null {
  const text = typeof minorUnits === 'number' ? integerText(minorUnits) : minorUnits.trim();
  const match = text === null ? null : DECIMAL_STRING.exec(text);
  if (!match) return null;
  const exponent = currencyExponent(currency);
  const integerDigits = match[1] ?? '0';
  const fractionDigits = (match[2] ?? '').replace(/0+$/, '');
  const padded = integerDigits.padStart(exponent + 1, '0');
  const whole = stripLeadingZeros(padded.slice(0, padded.length - exponent));
  const fraction = padded.slice(padded.length - exponent) + fractionDigits;
  return fraction.length === 0 ? whole : `${whole}.${fraction}`;
}

function integerText(value: number): string | null {
  return Number.isSafeInteger(value) && value >= 0 ? String(value) : null;
}

function stripLeadingZeros(digits: string): string {
  const stripped = digits.replace(/^0+/, '');
  return stripped === '' ? '0' : stripped;
}
