import type { CatalogSource } from './ports/catalog-source.ts';
import { systemStopwatch, type Clock, type Stopwatch } from './ports/clock.ts';
import type { SyncAcademies } from './sync-academies.ts';
import type { PriceSource } from './ports/price-source.ts';
import type { Telemetry } from './ports/telemetry.ts';

/** Counts and times every call the price source makes upstream, and its failures. */
export function instrumentPriceSource(inner: PriceSource, telemetry: Telemetry, stopwatch: Stopwatch = systemStopwatch): PriceSource {
  const timed = timedCall('stripe', telemetry, stopwatch);
  return { pricesForLookupKeys: timed((lookupKeys: readonly string[]) => inner.pricesForLookupKeys(lookupKeys)) };
}

/** Counts and times every enterprise-catalog operation (all pages of a listing are one call), and its failures. */
export function instrumentCatalogSource(inner: CatalogSource, telemetry: Telemetry, stopwatch: Stopwatch = systemStopwatch): CatalogSource {
  const timed = timedCall('catalog', telemetry, stopwatch);
  return {
    academies: timed((customer: string) => inner.academies(customer)),
    catalogs: timed((customer: string) => inner.catalogs(customer)),
    catalogQueryId: timed((queryUuid: string) => inner.catalogQueryId(queryUuid)),
  };
}

function timedCall(service: 'stripe' | 'catalog', telemetry: Telemetry, stopwatch: Stopwatch) {
  return <A extends unknown[], R>(operation: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const elapsed = stopwatch.start();
      try {
        const result = await operation(...args);
        telemetry.upstreamCall(service, 'success', elapsed());
        return result;
      } catch (error) {
        telemetry.upstreamCall(service, 'failure', elapsed());
        throw error;
      }
    };
}

/** Records the outcome and time of every sync run. */
export function instrumentSync(sync: SyncAcademies, telemetry: Telemetry, clock: Clock): SyncAcademies {
  return async (options) => {
    try {
      const report = await sync(options);
      telemetry.syncFinished('success', clock.now());
      return report;
    } catch (error) {
      telemetry.syncFinished('failure', clock.now());
      throw error;
    }
  };
}
