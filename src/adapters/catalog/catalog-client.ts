import type { Logger } from '../../application/ports/logger.ts';
import { CatalogSourceUnavailable } from '../../application/ports/catalog-source.ts';
import type { CatalogSource } from '../../application/ports/catalog-source.ts';
import { canonicalUuid, parseCatalogQueryId } from '../../domain/sync-policies.ts';
import { createCatalogHttp, describeFailure, httpStatus } from './catalog-http.ts';
import type { CatalogRequestEvent } from './catalog-http.ts';
import { oauthTokenProvider } from './oauth-token.ts';

export type { CatalogRequestEvent } from './catalog-http.ts';

export interface EnterpriseCatalogOptions {
  /** Base of the v1 API, e.g. `https://catalog.example.com/api/v1/`. */
  readonly apiUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly logger: Logger;
  readonly backoffBaseMs?: number;
  readonly maxDelayMs?: number;
  readonly onRequest?: (event: CatalogRequestEvent) => void;
  /** Sent as `X-Request-Id` on every call (see catalog-http.ts). */
  readonly requestId?: () => string | undefined;
  /** Milliseconds since the epoch; injectable so tests can expire tokens. */
  readonly now?: () => number;
}

/** Upper bound on pages per listing: a catalog that keeps answering with `next` cannot hold a sync forever. */
const MAX_PAGES = 10_000;

/** The enterprise-catalog v1 API behind the `CatalogSource` port (spec §4). */
export function enterpriseCatalogSource(options: EnterpriseCatalogOptions): CatalogSource {
  const apiBase = new URL(options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`);
  const http = createCatalogHttp(options);
  const tokens = oauthTokenProvider(http, { ...options, now: options.now ?? Date.now });

  function unavailable(url: URL, reason: string): CatalogSourceUnavailable {
    return new CatalogSourceUnavailable(`enterprise-catalog GET ${url.pathname} failed: ${reason}`);
  }

  /**
   * One GET with the token; a refused token is replaced once, in case it was revoked
   * early. With `notFound: 'null'` a 404 answers null instead of failing.
   */
  async function getJson(url: URL, searchParams?: Record<string, string>, notFound: 'fail' | 'null' = 'fail'): Promise<unknown> {
    for (let attempt = 1; ; attempt += 1) {
      const token = await tokens.token();
      try {
        return await http.get(url, { searchParams, headers: { authorization: `JWT ${token}` } }).json<unknown>();
      } catch (error) {
        if (httpStatus(error) === 401 && attempt === 1) {
          tokens.invalidate(token);
          continue;
        }
        if (httpStatus(error) === 404 && notFound === 'null') return null;
        throw unavailable(url, describeFailure(error));
      }
    }
  }

  /** Every `results` entry of a paginated listing; query params go on the first request only (spec §4). */
  async function allPages(path: string, searchParams: Record<string, string>): Promise<unknown[]> {
    const items: unknown[] = [];
    const first = new URL(path, apiBase);
    let url: URL | null = first;
    for (let page = 1; url !== null; page += 1) {
      if (page > MAX_PAGES) throw unavailable(first, `more than ${MAX_PAGES} pages`);
      const body = await getJson(url, page === 1 ? searchParams : undefined);
      if (!isRecord(body) || !Array.isArray(body['results'])) throw unavailable(url, `page ${page} is not a {results: [...]} object`);
      for (const item of body['results'] as unknown[]) items.push(item);
      url = nextPageUrl(body['next'], url);
    }
    return items;
  }

  /**
   * `next` is absolute, but a catalog behind a proxy may name its internal host or
   * scheme; the token must never leave the configured origin, so only the path and
   * query of `next` are followed, on `apiUrl`'s origin.
   */
  function nextPageUrl(next: unknown, current: URL): URL | null {
    if (next === null || next === undefined || next === '') return null;
    if (typeof next !== 'string') throw unavailable(current, '`next` is not a URL');
    let resolved: URL;
    try {
      resolved = new URL(next, current);
    } catch {
      throw unavailable(current, '`next` is not a URL');
    }
    if (resolved.origin === apiBase.origin) return resolved;
    options.logger.warn({ nextOrigin: resolved.origin }, 'enterprise-catalog next link names another origin; following it on the configured one');
    return new URL(`${resolved.pathname}${resolved.search}`, apiBase.origin);
  }

  return {
    academies: (customer) => allPages('academies/', { enterprise_customer: customer }),
    catalogs: (customer) => allPages('enterprise-catalogs/', { enterprise_customer: customer }),
    async catalogQueryId(catalogQueryUuid) {
      const uuid = canonicalUuid(catalogQueryUuid);
      if (uuid === null) return null;
      const url = new URL(`catalog-queries/${uuid}/`, apiBase);
      // A query that does not exist has no id; every other failure aborts the sync.
      const body = await getJson(url, undefined, 'null');
      if (body === null) return null;
      if (!isRecord(body)) throw unavailable(url, 'response is not an object');
      return parseCatalogQueryId(body['id']);
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
