import { UnavailableError } from '../../domain/errors.ts';
/** Reads academies, catalogs and catalog queries of an enterprise customer from enterprise-catalog (raw items, all pages merged). */
export interface CatalogSource {
  /** Every academy item of the customer, unvalidated: normalization decides what is usable. */
  academies(enterpriseCustomerUuid: string): Promise<unknown[]>;
  /** Every enterprise catalog of the customer, unvalidated. */
  catalogs(enterpriseCustomerUuid: string): Promise<unknown[]>;
  /** The integer id of a catalog query, or null when the query does not exist or carries no usable id. */
  catalogQueryId(catalogQueryUuid: string): Promise<number | null>;
}

/** Raised when the catalog cannot answer (network, timeout, upstream error, malformed page); the sync aborts. */
export class CatalogSourceUnavailable extends UnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('catalog.unavailable', message, options);
  }
}
