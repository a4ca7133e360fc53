import Stripe from 'stripe';

export interface StripeClientOptions {
  readonly secretKey: string;
  /** STRIPE_API_URL, e.g. `http://127.0.0.1:12111` (stripe-mock, a test fake); unset → api.stripe.com. */
  readonly apiUrl?: string;
  readonly timeoutMs: number;
  /** The id of the request a call is made for (sent as `X-Request-Id`); undefined outside a request. */
  readonly requestId?: () => string | undefined;
}

/** The official SDK, optionally pointed at another host, with no retries of its own. */
export function createStripeClient(options: StripeClientOptions): Stripe {
  return new Stripe(options.secretKey, {
    // No SDK retries: the price cache decorator decides what happens when Stripe
    // fails (serve the last good prices) and bounds how long a request waits.
    // Hidden retries would multiply Stripe volume under load and stretch one
    // request far past its timeout budget (each retry gets a full `timeout`).
    // (The SDK still retries a reset connection once whatever this says: stripe-node#1040.)
    maxNetworkRetries: 0,
    timeout: options.timeoutMs,
    ...(options.requestId ? { httpClient: withRequestIdHeader(Stripe.createNodeHttpClient(), options.requestId) } : {}),
    ...(options.apiUrl === undefined || options.apiUrl === '' ? {} : apiAddress(options.apiUrl)),
  });
}

/** The SDK takes host, port and protocol separately, not a base URL. */
function apiAddress(apiUrl: string): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new Error(`STRIPE_API_URL is not a URL: ${apiUrl}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`STRIPE_API_URL must be http or https: ${apiUrl}`);
  }
  // The SDK always requests /v1/... from the host root, so a path prefix would be silently dropped.
  if (url.pathname !== '/' || url.search !== '') {
    throw new Error(`STRIPE_API_URL must not carry a path or query: ${apiUrl}`);
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'), // node:http wants an IPv6 host without brackets
    port: url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port),
    protocol,
  };
}

/**
 * The SDK's own Node client, with `X-Request-Id` added to every call made on behalf of a request, so
 * Stripe's logs (and a support ticket) can be matched with ours. One wrapper for every call the SDK
 * makes, instead of a `headers` option at each call site that a new call could forget.
 */
function withRequestIdHeader(client: Stripe.HttpClient, requestId: () => string | undefined): Stripe.HttpClient {
  return Object.assign(Object.create(client) as Stripe.HttpClient, {
    makeRequest(...[host, port, path, method, headers, data, protocol, timeout]: Parameters<Stripe.HttpClient['makeRequest']>) {
      const id = requestId();
      const sent = id === undefined ? headers : { ...headers, 'X-Request-Id': id };
      return client.makeRequest(host, port, path, method, sent, data, protocol, timeout);
    },
  });
}
