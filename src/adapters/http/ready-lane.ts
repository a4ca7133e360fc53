import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import proxyAddr from '@fastify/proxy-addr';
import type { FastifyInstance } from 'fastify';
import type { AcademyFilter } from '../../domain/academy-filter.ts';
import type { CatalogueQueries } from '../../application/read-model/catalogue-read-model.ts';
import { JSON_TYPE, matchesIfNoneMatch, type ReadyResponse } from './catalogue-responses.ts';
import { rateLimitAddress, trustedHops } from './client-address.ts';
import { helmetHeaders } from './plugins/security-headers.ts';
import { resetSeconds } from './plugins/rate-limit.ts';
import type { Hit } from './plugins/rate-limit-store.ts';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.ts';
import { writes } from './request-log.ts';
import { LIST_PATH, DETAIL_ROUTE } from './routes/academy-products.route.ts';
import { LIVENESS_PATH, LIVENESS_BODY } from './routes/probes.route.ts';

export interface ReadyLaneOptions {
  readonly catalogue: CatalogueQueries<ReadyResponse>;
  /** TRUST_PROXY: the client address is read through as many X-Forwarded-For hops as Fastify reads. */
  readonly trustProxy: number;
  /** CORS_ALLOWED_ORIGINS configured: answers carry `Vary: Origin`, and a request with an Origin is Fastify's. */
  readonly cors: boolean;
}

/** How a catalogue route's answers are counted in the metrics. */
interface CatalogueRoute {
  readonly ok: (seconds: number) => void;
  readonly notModified: (seconds: number) => void;
}

/** Counts the answer when its last byte is handed to the socket: where Fastify's onResponse hook counts it. */
function recordOnFinish(response: ServerResponse, record: (seconds: number) => void, start: number): void {
  response.once('finish', () => record((performance.now() - start) / 1000));
}

/** Where the client address of a connection is kept when no proxy is trusted: it cannot change. */
const SOCKET_ADDRESS = Symbol('academy-billing.rate-limit-address');

/** What the list route reads from an empty query string (academy-products.route.ts): the same read-model key. */
const UNFILTERED: AcademyFilter = { academyUuid: undefined, productKey: undefined, tags: [], includeInactive: false };
/** An identifier that needs no percent-decoding and that the route's schema and input guard accept as it is. */
const PLAIN_ID = /^[A-Za-z0-9_.~-]{1,255}$/;

/**
 * The ready lane (docs/decisions/0032): the answers the service already holds ready, the public catalogue's
 * kept responses and the liveness probe, written straight on Node's response, before Fastify builds its
 * request, runs its hooks and its send pipeline. It gives exactly what Fastify's route gives (headers,
 * body, status, 304, rate-limit count and headers, request id, metrics): tests/integration/ready-lane.test.ts
 * asks both the same questions and compares the answers.
 *
 * Everything it is not sure of is Fastify's, unchanged: any method but GET, a query string, an identifier
 * that needs decoding, a response not already kept (catalogue.kept: no read, no build here), the budget exhausted (Fastify counts
 * it again and answers 429), a CORS request, a server that is closing (Fastify's 503), and any request
 * whose request lines the log level writes (those lines are Fastify's: info for the catalogue, debug for a probe).
 * Tracing turns the lane off (serve.ts): a span per Fastify hook is what tracing promises.
 */
export function installReadyLane(app: FastifyInstance, options: ReadyLaneOptions): void {
  const server = app.server;
  const listeners = server.listeners('request') as Array<(request: IncomingMessage, response: ServerResponse) => void>;
  const [first] = listeners;
  if (first === undefined || listeners.length > 1) throw new Error('ready lane: expected Fastify as the only request listener');
  const fastify = first;
  const trust = trustedHops(options.trustProxy);
  const { catalogue, cors } = options;
  const budget = app.catalogueBudget;
  const common: Readonly<Record<string, string>> = { ...helmetHeaders(), ...(cors ? { vary: 'Origin' } : {}) };
  const liveness = Buffer.from(LIVENESS_BODY);
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });

  /** Whether Fastify would write a request line at `level` (Fastify's logger-less app has no level and writes none). */
  function writesRequestLines(level: 'info' | 'debug'): boolean {
    return app.log.level !== undefined && writes(app.log, level);
  }

  function clientAddress(request: IncomingMessage): string {
    if (trust) return rateLimitAddress({ ip: proxyAddr.all(request, trust).at(-1) ?? '', socket: request.socket });
    const socket = request.socket as Socket & { [SOCKET_ADDRESS]?: string };
    return (socket[SOCKET_ADDRESS] ??= rateLimitAddress({ ip: socket.remoteAddress ?? '', socket }));
  }

  // Headers as Node's flat [name, value, …] list, in the order Fastify's route writes them: the same
  // for every answer up to the request's own values, copied rather than rebuilt.
  const commonHeaders = Object.entries(common).flat();
  const livenessHeaders = [...commonHeaders, 'content-type', JSON_TYPE, 'content-length', String(liveness.length)];
  const limitHeader = ['x-ratelimit-limit', String(budget.limit.max)];
  // Metrics: the cells Fastify's onResponse hook would count these answers in, looked up once.
  const recordLiveness = app.responseRecorder(LIVENESS_PATH, 'GET', 200);
  const catalogueRoute = (route: string): CatalogueRoute => ({ ok: app.responseRecorder(route, 'GET', 200), notModified: app.responseRecorder(route, 'GET', 304) });
  const listRoute = catalogueRoute(LIST_PATH);
  const detailRoute = catalogueRoute(DETAIL_ROUTE);

  function answerLiveness(request: IncomingMessage, response: ServerResponse, start: number): void {
    response.writeHead(200, [REQUEST_ID_HEADER, requestIdOf(request), ...livenessHeaders]);
    response.end(liveness);
    recordOnFinish(response, recordLiveness, start);
  }

  function answerReady(request: IncomingMessage, response: ServerResponse, ready: ReadyResponse, route: CatalogueRoute, start: number, hit: Hit): void {
    const headers = [
      REQUEST_ID_HEADER,
      requestIdOf(request),
      ...commonHeaders,
      ...limitHeader,
      'x-ratelimit-remaining',
      String(budget.limit.max - hit.current),
      'x-ratelimit-reset',
      String(resetSeconds(hit)),
      ...ready.headerList,
    ];
    if (matchesIfNoneMatch(request.headers['if-none-match'], ready.etag)) {
      response.writeHead(304, headers);
      response.end();
      recordOnFinish(response, route.notModified, start);
    } else {
      headers.push('content-type', JSON_TYPE, 'content-length', String(ready.bytes.length));
      response.writeHead(200, headers);
      response.end(ready.bytes);
      recordOnFinish(response, route.ok, start);
    }
  }

  /**
   * The kept response this request asks for, or undefined when it is Fastify's to answer: only what the
   * read model already holds (catalogue.kept), so nothing is read or built before the request is counted
   * and nothing runs outside the request id Fastify gives it.
   */
  function readyFor(url: string): { ready: ReadyResponse; route: CatalogueRoute } | undefined {
    const kept = catalogue.kept;
    if (kept === undefined) return undefined;
    if (url.length === LIST_PATH.length) {
      const ready = kept.list(UNFILTERED);
      return ready && { ready, route: listRoute };
    }
    const id = url.slice(LIST_PATH.length, -1);
    if (url.at(-1) !== '/' || !PLAIN_ID.test(id)) return undefined;
    const ready = kept.detail(id);
    return ready && { ready, route: detailRoute };
  }

  /** True when the lane answered (or will, once the budget is counted); false leaves the request to Fastify. */
  function tryLane(request: IncomingMessage, response: ServerResponse): boolean {
    // A request with an Origin, where CORS is configured, gets the CORS plugin's headers: Fastify's, probes included.
    if (request.method !== 'GET' || closing || (cors && request.headers.origin !== undefined)) return false;
    const url = request.url ?? '';
    const start = performance.now();
    if (url === LIVENESS_PATH) {
      if (writesRequestLines('debug')) return false;
      answerLiveness(request, response, start);
      return true;
    }
    if (!url.startsWith(LIST_PATH) || writesRequestLines('info')) return false;
    const found = readyFor(url);
    if (found === undefined) return false;
    budget.hit(clientAddress(request), (hit) => {
      // Over the budget: Fastify counts this request again (the count only grows past the limit) and answers 429.
      if (hit.current > budget.limit.max) return fastify(request, response);
      try {
        answerReady(request, response, found.ready, found.route, start, hit);
      } catch (error) {
        recover(error, request, response);
      }
    });
    return true;
  }

  /** A fault in the lane must not cost the answer: Fastify answers instead (or the socket is cut, if bytes went out). */
  function recover(error: unknown, request: IncomingMessage, response: ServerResponse): void {
    app.log.error({ err: error }, 'ready lane failed: answered by Fastify instead');
    if (response.headersSent) response.destroy();
    else fastify(request, response);
  }

  server.removeListener('request', fastify);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    try {
      if (!tryLane(request, response)) fastify(request, response);
    } catch (error) {
      recover(error, request, response);
    }
  });
}
