/** Business-level counters the service reports (Prometheus in production, nothing in tests). */
export interface Telemetry {
  /** One catalogue price lookup: all fresh (hit), fetched (miss), or answered with stale/no prices after a failure or timeout (stale). */
  priceLookup(outcome: 'hit' | 'miss' | 'stale'): void;
  /** One call to an upstream service and whether it succeeded. */
  upstreamCall(service: 'stripe' | 'catalog', outcome: 'success' | 'failure'): void;
  /** A sync run finished. */
  syncFinished(outcome: 'success' | 'failure', at: Date): void;
}

export const noTelemetry: Telemetry = { priceLookup() {}, upstreamCall() {}, syncFinished() {} };
