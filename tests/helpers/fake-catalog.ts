import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local enterprise-catalog for tests and benchmarks: the OAuth2 token endpoint and
 * the v1 `academies/`, `enterprise-catalogs/` and `catalog-queries/<uuid>/` endpoints,
 * paginated with absolute `next` links the way DRF writes them, plus injectable faults.
 */

export interface FakeCatalogOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** `expires_in` of issued tokens, in seconds. */
  readonly expiresIn?: number;
  readonly pageSize?: number;
  readonly academies?: readonly unknown[];
  readonly catalogs?: readonly unknown[];
  /** When set, listings for any other `enterprise_customer` are empty. */
  readonly enterpriseCustomer?: string;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** The raw query string (`?a=1&b=2`), to see duplicated parameters. */
  readonly search: string;
  readonly authorization: string | undefined;
  /** The `X-Request-Id` the client sent, if any. */
  readonly requestId: string | undefined;
  /** Parsed form fields of token requests. */
  readonly form?: Readonly<Record<string, string>>;
}

export type FaultMode =
  | { readonly type: 'status'; readonly status: number; readonly retryAfter?: string }
  | { readonly type: 'hang' }
  | { readonly type: 'trickle'; readonly intervalMs?: number }
  | { readonly type: 'not-json' }
  | { readonly type: 'non-object' }
  | { readonly type: 'no-results' };

export interface FakeCatalog {
  readonly apiUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Every request received, in order (faulted ones included). */
  readonly requests: RecordedRequest[];
  tokenRequestCount(): number;
  setAcademies(items: readonly unknown[]): void;
  setCatalogs(items: readonly unknown[]): void;
  setCatalogQuery(uuid: string, id: number): void;
  /**
   * The next `times` requests matching `path` get `mode` instead of an answer. `path`
   * is a pathname (`/api/v1/academies/`), a path relative to the API (`academies/`) or
   * `token`; a query in it (`academies/?page=2`) must also match.
   */
  fail(path: string, mode: FaultMode, times?: number): void;
  /** Every issued token is refused from now on (the client must fetch a new one). */
  revokeTokens(): void;
  close(): Promise<void>;
}

export const API_PATH = '/api/v1/';
export const TOKEN_PATH = '/oauth2/access_token';

interface Fault {
  readonly pathname: string;
  readonly query: URLSearchParams;
  readonly mode: FaultMode;
  remaining: number;
}

export async function startFakeCatalog(options: FakeCatalogOptions = {}): Promise<FakeCatalog> {
  const clientId = options.clientId ?? 'test-client';
  const clientSecret = options.clientSecret ?? 'test-secret';
  const pageSize = options.pageSize ?? 100;
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];
  const validTokens = new Set<string>();
  const catalogQueries = new Map<string, number>();
  let academies: readonly unknown[] = options.academies ?? [];
  let catalogs: readonly unknown[] = options.catalogs ?? [];
  let issued = 0;
  let origin = '';

  function sendJson(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  function applyFault(url: URL, res: ServerResponse): boolean {
    const fault = faults.find(
      (f) => f.remaining > 0 && f.pathname === url.pathname && [...f.query].every(([k, v]) => url.searchParams.get(k) === v),
    );
    if (fault === undefined) return false;
    fault.remaining -= 1;
    const mode = fault.mode;
    if (mode.type === 'status') {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (mode.retryAfter !== undefined) headers['retry-after'] = mode.retryAfter;
      res.writeHead(mode.status, headers).end(JSON.stringify({ detail: `injected ${mode.status}` }));
    } else if (mode.type === 'hang') {
      // Never answer; close() tears the connection down.
    } else if (mode.type === 'trickle') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"count": 0, "results": [');
      const timer = setInterval(() => res.write(' '), mode.intervalMs ?? 20);
      res.on('close', () => clearInterval(timer));
    } else if (mode.type === 'not-json') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>');
    } else if (mode.type === 'non-object') {
      sendJson(res, 200, ['not', 'a', 'page']);
    } else {
      sendJson(res, 200, { count: 1, next: null, previous: null });
    }
    return true;
  }

  function listing(url: URL, res: ServerResponse, items: readonly unknown[]): void {
    const customer = url.searchParams.get('enterprise_customer');
    // Like the real service: no customer (or another one) → nothing.
    const visible =
      customer === null || customer === '' || (options.enterpriseCustomer !== undefined && customer !== options.enterpriseCustomer)
        ? []
        : items;
    const page = Number(url.searchParams.get('page') ?? '1');
    const pages = Math.max(1, Math.ceil(visible.length / pageSize));
    if (!Number.isInteger(page) || page < 1 || page > pages) return sendJson(res, 404, { detail: 'Invalid page.' });
    const link = (n: number): string => {
      const target = new URL(url.pathname, origin);
      target.search = url.search;
      target.searchParams.set('page', String(n));
      return target.href;
    };
    sendJson(res, 200, {
      count: visible.length,
      num_pages: pages,
      current_page: page,
      start: (page - 1) * pageSize,
      next: page < pages ? link(page + 1) : null,
      previous: page > 1 ? link(page - 1) : null,
      results: visible.slice((page - 1) * pageSize, page * pageSize),
    });
  }

  function token(form: URLSearchParams, res: ServerResponse): void {
    if (form.get('grant_type') !== 'client_credentials') return sendJson(res, 400, { error: 'unsupported_grant_type' });
    if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
      return sendJson(res, 401, { error: 'invalid_client' });
    }
    issued += 1;
    const accessToken = `fake-jwt-${issued}`;
    validTokens.add(accessToken);
    sendJson(res, 200, { access_token: accessToken, token_type: 'JWT', expires_in: options.expiresIn ?? 3600, scope: 'read write' });
  }

  function route(req: IncomingMessage, url: URL, body: string, res: ServerResponse): void {
    if (url.pathname === TOKEN_PATH) {
      return req.method === 'POST' ? token(new URLSearchParams(body), res) : sendJson(res, 405, { detail: 'Method not allowed.' });
    }
    const auth = /^JWT (.+)$/.exec(req.headers.authorization ?? '');
    if (auth === null || !validTokens.has(auth[1] ?? '')) {
      return sendJson(res, 401, { detail: 'Authentication credentials were not provided.' });
    }
    if (url.pathname === `${API_PATH}academies/`) return listing(url, res, academies);
    if (url.pathname === `${API_PATH}enterprise-catalogs/`) return listing(url, res, catalogs);
    const query = new RegExp(`^${API_PATH}catalog-queries/([^/]+)/$`).exec(url.pathname);
    const id = query === null ? undefined : catalogQueries.get(decodeURIComponent(query[1] ?? ''));
    if (query === null || id === undefined) return sendJson(res, 404, { detail: 'Not found.' });
    sendJson(res, 200, { id, uuid: query[1], title: `Query ${id}`, content_filter: {} });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', origin);
      const body = Buffer.concat(chunks).toString('utf8');
      const isToken = url.pathname === TOKEN_PATH;
      requests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        search: url.search,
        authorization: req.headers.authorization,
        requestId: singleHeader(req.headers['x-request-id']),
        ...(isToken ? { form: Object.fromEntries(new URLSearchParams(body)) } : {}),
      });
      if (!applyFault(url, res)) route(req, url, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${origin}${API_PATH}`,
    tokenUrl: `${origin}${TOKEN_PATH}`,
    clientId,
    clientSecret,
    requests,
    tokenRequestCount: () => requests.filter((r) => r.path === TOKEN_PATH).length,
    setAcademies(items) {
      academies = items;
    },
    setCatalogs(items) {
      catalogs = items;
    },
    setCatalogQuery(uuid, id) {
      catalogQueries.set(uuid, id);
    },
    fail(path, mode, times = Number.POSITIVE_INFINITY) {
      const url = new URL(path === 'token' ? TOKEN_PATH : path, `${origin}${API_PATH}`);
      faults.push({ pathname: url.pathname, query: url.searchParams, mode, remaining: times });
    },
    revokeTokens() {
      validTokens.clear();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
