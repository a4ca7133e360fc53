import type { CatalogSource } from './ports/catalog-source.ts';
import type { Clock } from './ports/clock.ts';
import type { SyncAcademies } from './sync-academies.ts';
import type { PriceSource } from './ports/price-source.ts';
import type { Telemetry } from './ports/telemetry.ts';

/** Counts every call the price source makes upstream, and its failures. */
export function instrumentPriceSource(inner: PriceSource, telemetry: Telemetry): PriceSource {
  return {
    async pricesForLookupKeys(lookupKeys) {
      try {
        const prices = await inner.pricesForLookupKeys(lookupKeys);
        telemetry.upstreamCall('stripe', 'success');
        return prices;
      } catch (error) {
        telemetry.upstreamCall('stripe', 'failure');
        throw error;
      }
    },
  };
}

/** Counts every enterprise-catalog operation (all pages of a listing are one call), and its failures. */
export function instrumentCatalogSource(inner: CatalogSource, telemetry: Telemetry): CatalogSource {
  const counted =
    <A extends unknown[], R>(operation: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        const result = await operation(...args);
        telemetry.upstreamCall('catalog', 'success');
        return result;
      } catch (error) {
        telemetry.upstreamCall('catalog', 'failure');
        throw error;
      }
    };
  return {
    academies: counted((customer: string) => inner.academies(customer)),
    catalogs: counted((customer: string) => inner.catalogs(customer)),
    catalogQueryId: counted((queryUuid: string) => inner.catalogQueryId(queryUuid)),
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
