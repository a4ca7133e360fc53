/** `N/second|minute|hour|day` (DRF's throttle-rate form; only the period's first letter counts). */
export interface RateLimit {
  readonly max: number;
  readonly windowMs: number;
}

const PERIOD_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const RATE = /^\s*([1-9]\d{0,8})\s*\/\s*(s|sec|second|m|min|minute|h|hour|d|day)\s*$/i;

export function parseRateLimit(text: string): RateLimit | null {
  const match = RATE.exec(text);
  const max = match?.[1];
  const period = match?.[2];
  if (!max || !period) return null;
  const windowMs = PERIOD_MS[period[0]!.toLowerCase()];
  return windowMs === undefined ? null : { max: Number(max), windowMs };
}
