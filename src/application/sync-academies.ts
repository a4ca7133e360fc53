import { createNormalizationContext } from '../domain/sync-policies.ts';
import type { Allowlist } from '../domain/sync-policies.ts';
import type { AcademySyncStore } from './ports/academy-sync-store.ts';
import type { CatalogSource } from './ports/catalog-source.ts';
import type { Logger } from './ports/logger.ts';
import { fetchUpstream } from './sync/fetch-upstream.ts';
import { normalizeItems } from './sync/normalize-items.ts';
import { planChanges } from './sync/plan-changes.ts';
import type { SyncReport } from './sync/sync-report.ts';

export type { SyncReport, InvalidItemReport } from './sync/sync-report.ts';

/** The sync settings of spec §8, as configuration parsed them. */
export interface SyncSettings {
  readonly enterpriseCustomerUuid: string | null;
  readonly allowlist: Allowlist;
  readonly catalogQueryIdByAcademyUuid: unknown;
  readonly catalogQueryIdByName: unknown;
  readonly fieldOverridesByAcademyUuid: unknown;
  readonly fieldOverridesByName: unknown;
}

export interface SyncAcademiesDeps {
  readonly source: CatalogSource;
  readonly store: AcademySyncStore;
  readonly settings: SyncSettings;
  readonly logger: Logger;
}

export type SyncAcademies = (options?: { readonly dryRun?: boolean }) => Promise<SyncReport>;

/**
 * Spec §4: fetch everything first (a failure rejects before any write), normalize,
 * then plan and apply under the store's lock in one transaction. A dry run plans the
 * same way and writes nothing. Rejections: CatalogSourceUnavailable, AcademySyncConflict,
 * or a database error.
 */
export function makeSyncAcademies(deps: SyncAcademiesDeps): SyncAcademies {
  const { settings } = deps;
  const sync = async (dryRun: boolean): Promise<SyncReport> => {
    const upstream = await fetchUpstream(deps.source, settings.enterpriseCustomerUuid);
    const context = createNormalizationContext({
      defaultCatalogQueryId: upstream.defaultCatalogQueryId,
      catalogQueryIdByUuid: settings.catalogQueryIdByAcademyUuid,
      catalogQueryIdByName: settings.catalogQueryIdByName,
      overridesByUuid: settings.fieldOverridesByAcademyUuid,
      overridesByName: settings.fieldOverridesByName,
    });
    const normalized = normalizeItems(upstream.items, settings.allowlist, context);

    const report = await deps.store.runExclusive(async (transaction): Promise<SyncReport> => {
      const plan = planChanges(await transaction.allAcademies(), normalized.candidates, normalized.shield);
      const writes = plan.creates.length + plan.updates.length + plan.deactivations.length;
      if (!dryRun && writes > 0) {
        // Updates first: they may free keys that creations take.
        await transaction.updateMany(plan.updates);
        await transaction.insertMany(plan.creates);
        await transaction.deactivate(plan.deactivations);
      }
      return {
        dry_run: dryRun,
        fetched: upstream.items.length,
        filtered_out: normalized.filteredOut,
        invalid: [...normalized.invalid, ...plan.collisions]
          .sort((a, b) => a.index - b.index)
          .map(({ item, reason }) => ({ item, reason })),
        warnings: [...normalized.warnings],
        created: plan.creates.length,
        updated: plan.updates.length,
        unchanged: plan.unchanged,
        deactivated: plan.deactivations.length,
      };
    });
    deps.logger.info({ ...report, invalid: report.invalid.length, warnings: report.warnings.length }, 'academy sync finished');
    return report;
  };
  return async (options = {}) => {
    try {
      return await sync(options.dryRun === true);
    } catch (error) {
      deps.logger.error({ err: error }, 'academy sync failed; nothing was changed');
      throw error;
    }
  };
}
