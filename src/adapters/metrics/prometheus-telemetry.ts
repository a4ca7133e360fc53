import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Telemetry } from '../../application/ports/telemetry.ts';

export interface PrometheusTelemetryOptions {
  /** Intent counts by state, read from the database at scrape time (absent before intents exist). */
  readonly countIntentsByState?: () => Promise<ReadonlyMap<string, number>>;
  /** The counts are re-read at most this often, whatever the scrape rate (default 30 s): a scrape storm is not a query storm. */
  readonly intentCountsMaxAgeMs?: number;
  /** Milliseconds now (tests move it by hand). */
  readonly nowMs?: () => number;
  /** `academy_billing_build_info{version,node}` 1: which release and runtime each process runs. */
  readonly build?: { readonly version: string; readonly node: string };
}

/** Seconds: a fast Stripe answer is ~0.1-0.3 s; STRIPE_TIMEOUT_MS is 2 s, a catalog listing may take many pages. */
export const UPSTREAM_DURATION_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

/** The Telemetry port on prom-client metrics in `registry`. */
export function prometheusTelemetry(registry: Registry, options: PrometheusTelemetryOptions = {}): Telemetry {
  const registers = [registry];
  const priceLookups = new Counter({
    name: 'academy_price_cache_lookups_total',
    help: 'Catalogue price lookups by outcome: hit (all fresh), miss (fetched), stale (answered from stale or no prices after a failure or timeout)',
    labelNames: ['outcome'],
    registers,
  });
  const upstreamCalls = new Counter({
    name: 'academy_upstream_calls_total',
    help: 'Calls to Stripe and enterprise-catalog by outcome',
    labelNames: ['service', 'outcome'],
    registers,
  });
  const upstreamDuration = new Histogram({
    name: 'academy_upstream_call_duration_seconds',
    help: 'Duration of calls to Stripe and enterprise-catalog by outcome (a catalog listing with all its pages is one call)',
    labelNames: ['service', 'outcome'],
    buckets: UPSTREAM_DURATION_BUCKETS,
    registers,
  });
  if (options.build) {
    new Gauge({ name: 'academy_billing_build_info', help: 'Always 1: the release and Node.js version of this process', labelNames: ['version', 'node'], registers }).set(
      { version: options.build.version, node: options.build.node },
      1,
    );
  }
  const lastSyncTime = new Gauge({
    name: 'academy_sync_last_run_timestamp_seconds',
    help: 'When the last sync run by this process finished',
    labelNames: ['outcome'],
    registers,
  });
  const lastSyncSucceeded = new Gauge({
    name: 'academy_sync_last_run_success',
    help: '1 when the last sync run by this process succeeded, 0 when it failed',
    registers,
  });
  const checkoutSessions = new Counter({
    name: 'academy_checkout_sessions_total',
    help: 'Checkout Session requests by outcome: created (a new Stripe session), reused (the open one), refused (4xx), failed (Stripe or database)',
    labelNames: ['outcome'],
    registers,
  });
  const webhookEvents = new Counter({
    name: 'academy_stripe_webhook_events_total',
    help: 'Stripe webhook deliveries by event type (the types this service acts on; any other is "other") and outcome',
    labelNames: ['type', 'outcome'],
    registers,
  });
  const countIntents = options.countIntentsByState;
  const maxAgeMs = options.intentCountsMaxAgeMs ?? 30_000;
  const nowMs = options.nowMs ?? Date.now;
  // One read shared by every scrape until it is maxAgeMs old (single flight while it runs).
  let counted: { readonly at: number; readonly counts: Promise<ReadonlyMap<string, number>> } | undefined;
  if (countIntents) {
    new Gauge({
      name: 'academy_checkout_intents',
      help: 'Checkout intents by state (read from the database at most every 30 s)',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        // A scrape during a database outage still answers; the gauge is simply absent.
        if (!counted || nowMs() - counted.at >= maxAgeMs) {
          counted = { at: nowMs(), counts: countIntents().catch(() => new Map<string, number>()) };
        }
        const counts = await counted.counts;
        for (const [state, count] of counts) this.set({ state }, count);
      },
    });
  }
  for (const outcome of ['hit', 'miss', 'stale']) priceLookups.inc({ outcome }, 0);
  for (const outcome of ['created', 'reused', 'refused', 'failed']) checkoutSessions.inc({ outcome }, 0);
  return {
    priceLookup: (outcome) => priceLookups.inc({ outcome }),
    upstreamCall: (service, outcome, seconds) => {
      upstreamCalls.inc({ service, outcome });
      upstreamDuration.observe({ service, outcome }, seconds);
    },
    syncFinished: (outcome, at) => {
      lastSyncTime.set({ outcome }, at.getTime() / 1000);
      lastSyncSucceeded.set(outcome === 'success' ? 1 : 0);
    },
    checkoutSession: (outcome) => checkoutSessions.inc({ outcome }),
    stripeWebhookEvent: (type, outcome) => webhookEvents.inc({ type: webhookTypeLabel(type), outcome }),
  };
}

/** The event types with their own label; every other type (Stripe has hundreds) is counted as `other`. */
const WEBHOOK_TYPE_LABELS: ReadonlySet<string> = new Set([
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'unverified',
  // A signed body that is not a readable event (its own type may be what is wrong).
  'invalid',
]);

function webhookTypeLabel(type: string): string {
  if (WEBHOOK_TYPE_LABELS.has(type)) return type;
  // price.* and product.* drop the price cache: one label for the lot.
  if (type.startsWith('price.') || type.startsWith('product.')) return 'catalogue';
  return 'other';
}
