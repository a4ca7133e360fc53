/** Business-level counters the service reports (Prometheus in production, nothing in tests). */
export interface Telemetry {
  /** One catalogue price lookup: all fresh (hit), fetched (miss), or answered with stale/no prices after a failure or timeout (stale). */
  priceLookup(outcome: 'hit' | 'miss' | 'stale'): void;
  /** One call to an upstream service, whether it succeeded, and how long it took. */
  upstreamCall(service: 'stripe' | 'catalog', outcome: 'success' | 'failure', seconds: number): void;
  /** A sync run finished. */
  syncFinished(outcome: 'success' | 'failure', at: Date): void;
  /** One request for a Checkout Session: a new one made, the open one reused, refused (4xx) or failed (Stripe or database). */
  checkoutSession(outcome: 'created' | 'reused' | 'refused' | 'failed'): void;
  /**
   * One Stripe webhook delivery: the event's type (the adapter keeps the label set bounded) and what it did
   * (a WebhookOutcome, `invalid_signature` before any type is known, or `failed` when it answered 5xx).
   */
  stripeWebhookEvent(type: string, outcome: string): void;
}

export const noTelemetry: Telemetry = { priceLookup() {}, upstreamCall() {}, syncFinished() {}, checkoutSession() {}, stripeWebhookEvent() {} };
