import type { Logger } from '../../src/application/ports/logger.ts';

/** Every lookup key of examples/prices.json; the tiered one has no usable price. */
export const EXAMPLE_LOOKUP_KEYS = [
  'essentials_ai_yearly',
  'essentials_data_yearly_jpy',
  'essentials_leadership_tiered',
  'essentials_leadership_yearly',
  'essentials_cloud_yearly_eur',
  'essentials_security_yearly',
  'essentials_mainframe_yearly',
];

/** A Logger that keeps what was logged at warn, for tests of "skipped and logged on its own". */
export function recordingLogger(): Logger & { warnings: object[] } {
  const warnings: object[] = [];
  return { warnings, info() {}, error() {}, debug() {}, warn: (obj) => void warnings.push(obj) };
}
