import { parseCatalogQueryId } from '../../domain/sync-policies.ts';
import { isRecord, ownField } from '../../domain/shapes.ts';
import type { CatalogSource } from '../ports/catalog-source.ts';

export interface Upstream {
  readonly items: readonly unknown[];
  readonly defaultCatalogQueryId: number | null;
}

/**
 * Spec §4 steps 1 and 3: every academy page, then the default catalog query id from
 * the customer's catalogs. Any failure rejects, before anything is written.
 */
export async function fetchUpstream(source: CatalogSource, enterpriseCustomerUuid: string | null): Promise<Upstream> {
  // The file source ignores the customer; enterprise-catalog always gets one (the composition root requires it).
  const items = await source.academies(enterpriseCustomerUuid ?? '');
  const defaultCatalogQueryId = enterpriseCustomerUuid === null ? null : await defaultCatalogQueryIdOf(source, enterpriseCustomerUuid);
  return { items, defaultCatalogQueryId };
}

/** The first catalog's valid integer `catalog_query_id`, else the first `catalog_query_uuid` that resolves. */
async function defaultCatalogQueryIdOf(source: CatalogSource, customer: string): Promise<number | null> {
  const catalogs = (await source.catalogs(customer)).filter(isRecord);
  for (const catalog of catalogs) {
    const id = parseCatalogQueryId(ownField(catalog, 'catalog_query_id'));
    if (id !== null) return id;
  }
  for (const catalog of catalogs) {
    const uuid = ownField(catalog, 'catalog_query_uuid');
    if (typeof uuid !== 'string' || uuid.trim() === '') continue;
    const id = await source.catalogQueryId(uuid);
    if (id !== null) return id;
  }
  return null;
}
