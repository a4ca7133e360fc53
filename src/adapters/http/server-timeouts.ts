/** How long a client has to send a whole request (headers and body) before it gets the 408. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** The timeouts of the HTTP server, all derived from the request timeout so their order always holds. */
export interface ServerTimeouts {
  /** Whole request (Fastify's `requestTimeout`, Node's `requestTimeout`). */
  readonly requestTimeout: number;
  /** Node's `headersTimeout`: headers alone may take as long as the whole request (Node refuses a longer one). */
  readonly headersTimeout: number;
  /**
   * How often Node looks for requests past those two timeouts (its default is 30 s, which made the 408 up
   * to 30 s late): the 408 comes at most this much after the request timeout.
   */
  readonly connectionsCheckingInterval: number;
  /**
   * Fastify's `connectionTimeout`, the socket's idle timeout, which closes the socket without a word.
   * Twice the request timeout, so a client that stalls mid-request gets the 408 first (with the idle timeout
   * equal to it, the socket was dropped silently before the check ran); it still cuts a client that stops
   * reading its response.
   */
  readonly connectionTimeout: number;
  /** Idle keep-alive connections between requests: longer than a load balancer's 60 s idle timeout. */
  readonly keepAliveTimeout: number;
}

/** Production uses the default; tests pass a short request timeout and get the same proportions. */
export function serverTimeouts(requestTimeout: number = REQUEST_TIMEOUT_MS): ServerTimeouts {
  return {
    requestTimeout,
    headersTimeout: requestTimeout,
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(requestTimeout / 30))),
    connectionTimeout: requestTimeout * 2,
    keepAliveTimeout: 72_000,
  };
}
