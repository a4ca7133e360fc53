import Stripe from 'stripe';

export interface StripeClientOptions {
  readonly secretKey: string;
  /** STRIPE_API_URL, e.g. `http://127.0.0.1:12111` (stripe-mock, a test fake); unset → api.stripe.com. */
  readonly apiUrl?: string;
  readonly timeoutMs: number;
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
