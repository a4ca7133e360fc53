import got, { HTTPError, RequestError } from 'got';
import type { Got, RetryObject } from 'got';

/** One HTTP attempt (retries included), for metrics and tests; the path never carries credentials. */
export interface CatalogRequestEvent {
  readonly method: string;
  readonly path: string;
  readonly attempt: number;
}

export interface CatalogHttpOptions {
  readonly timeoutMs: number;
  readonly retries: number;
  /** First backoff delay; doubles per retry, with jitter. Small in tests. */
  readonly backoffBaseMs?: number;
  /** Upper bound of one backoff delay and of an honoured Retry-After. */
  readonly maxDelayMs?: number;
  readonly onRequest?: (event: CatalogRequestEvent) => void;
  /** The id of the request a call is made for (sent as `X-Request-Id`); undefined outside a request (CLI sync). */
  readonly requestId?: () => string | undefined;
}

// Spec §4: 429 and every 5xx are transient; any other 4xx is a caller error and never retried.
const RETRIABLE_STATUS_CODES = [429, ...Array.from({ length: 100 }, (_, index) => 500 + index)];
// got's defaults plus two unreachable-network codes; ETIMEDOUT is what got reports for its own timeouts.
const RETRIABLE_ERROR_CODES = [
  'ETIMEDOUT', 'ECONNRESET', 'EADDRINUSE', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'ENETUNREACH', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETDOWN',
];

/**
 * The got instance every catalog request goes through: a per-attempt timeout and
 * bounded retries with exponential backoff and jitter (spec §4). The token POST is
 * retried like the GETs: it is idempotent in effect (a fresh token each time).
 */
export function createCatalogHttp(options: CatalogHttpOptions): Got {
  const backoffBaseMs = options.backoffBaseMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  return got.extend({
    timeout: { request: options.timeoutMs },
    retry: {
      limit: options.retries,
      methods: ['GET', 'POST'],
      statusCodes: RETRIABLE_STATUS_CODES,
      errorCodes: RETRIABLE_ERROR_CODES,
      // got checks limit, methods, status and error codes before asking calculateDelay.
      enforceRetryRules: true,
      // Let every Retry-After through to calculateDelay, which caps it, instead of got giving up on a long one.
      maxRetryAfter: Number.POSITIVE_INFINITY,
      calculateDelay: ({ attemptCount, retryAfter }: RetryObject) =>
        retryAfter ? clamp(retryAfter, maxDelayMs) : clamp(jitteredBackoff(backoffBaseMs, attemptCount), maxDelayMs),
    },
    hooks: {
      beforeRequest: [
        (request, context) => {
          // Every attempt, the token request included, so enterprise-catalog's logs match ours.
          const id = options.requestId?.();
          if (id !== undefined) request.headers['x-request-id'] = id;
          const url = request.url;
          options.onRequest?.({
            method: request.method,
            path: url instanceof URL ? url.pathname : String(url ?? ''),
            attempt: context.retryCount + 1,
          });
        },
      ],
    },
  });
}

/** "Equal jitter": half the exponential delay is fixed, half random, so retries from many replicas spread out. */
function jitteredBackoff(baseMs: number, attemptCount: number): number {
  const exponential = baseMs * 2 ** (attemptCount - 1);
  return exponential / 2 + Math.random() * (exponential / 2);
}

// 0 would cancel the retry in got, so the shortest wait is 1 ms.
function clamp(delayMs: number, maxMs: number): number {
  return Math.max(1, Math.min(delayMs, maxMs));
}

/**
 * Why a request failed, in words safe to log: a status or an error code. The got
 * error itself is never passed on, because its `options` hold the Authorization
 * header and the client secret.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof HTTPError) return `HTTP ${error.response.statusCode}`;
  if (error instanceof RequestError) {
    if (error.code === 'ETIMEDOUT') return 'timed out';
    if (error.code === 'ERR_BODY_PARSE_FAILURE') return 'response is not JSON';
    return error.code;
  }
  return 'unexpected error';
}

export function httpStatus(error: unknown): number | null {
  return error instanceof HTTPError ? error.response.statusCode : null;
}
