/**
 * A local stand-in for Stripe's `GET /v1/prices`, speaking the wire format, so
 * tests run the real `stripe` SDK (via `createStripeClient({ apiUrl: fake.url })`)
 * against it and can inject failures.
 *
 *   const fake = await startFakeStripe();        // prices: examples/prices.json
 *   fake.setMode('500');                         // the next calls fail
 *   fake.calls; fake.lookupKeysByCall;           // what the SDK asked for
 *   await fake.close();
 *
 * It also speaks Checkout Sessions (`fake.checkout`, see fake-stripe-checkout.ts): create (honouring
 * Idempotency-Key), retrieve and expire, priced from the same price list.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeCheckoutSessions, type FakeCheckoutSessions } from './fake-stripe-checkout.ts';

/** A price as Stripe sends it on the wire (snake_case JSON). */
export type WirePrice = { readonly [field: string]: unknown };

/**
 * How the fake answers `GET /v1/prices`:
 * `ok` the matching prices; `500`/`429` Stripe's error bodies (429 with Retry-After);
 * `hang` never answers; `reset` destroys the socket; `malformed` 200 with invalid JSON.
 */
export type FakeStripeMode = 'ok' | '500' | '429' | 'hang' | 'reset' | 'malformed';

/** One received `GET /v1/prices`, parsed the way Stripe reads it. */
export interface FakeStripeRequest {
  readonly lookupKeys: readonly string[];
  /** `'true'`, `'false'` or undefined when not sent. */
  readonly active: string | undefined;
  readonly expand: readonly string[];
  readonly limit: string | undefined;
}

export interface FakeStripeOptions {
  /** Default: a copy of examples/prices.json `data`. */
  readonly prices?: readonly WirePrice[];
  readonly mode?: FakeStripeMode;
  /** Wait this long before answering each call (any mode but `hang`). */
  readonly delayMs?: number;
  /** Retry-After header value in `429` mode. */
  readonly retryAfterSeconds?: number;
}

export interface FakeStripe {
  /** Base URL for `STRIPE_API_URL`, e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  /** `GET /v1/prices` calls received so far, in every mode. */
  readonly calls: number;
  /** The lookup keys of each call, in arrival order. */
  readonly lookupKeysByCall: readonly (readonly string[])[];
  /** Each call's parsed parameters, in arrival order. */
  readonly requests: readonly FakeStripeRequest[];
  setMode(mode: FakeStripeMode): void;
  setDelay(delayMs: number): void;
  setPrices(prices: readonly WirePrice[]): void;
  /** The `X-Request-Id` of every request received (prices and Checkout Sessions), in arrival order; undefined when absent. */
  readonly requestIds: readonly (string | undefined)[];
  /** Checkout Sessions: the sessions made so far, their create requests, and the learner's side (complete, expire). */
  readonly checkout: FakeCheckoutSessions;
  /** Stops listening and drops open connections (hung calls included). */
  close(): Promise<void>;
}

/** Stripe's own error bodies (copied from the shared fixtures error-500.json / error-429.json, which live outside this repo). */
const ERROR_500 = { error: { message: 'An unknown error occurred', type: 'api_error' } };
const ERROR_429 = {
  error: {
    code: 'rate_limit',
    doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
    message: 'Too many requests hit the API too quickly.',
    type: 'invalid_request_error',
  },
};
const examplePrices = (): WirePrice[] =>
  (JSON.parse(readFileSync(new URL('../../examples/prices.json', import.meta.url), 'utf8')) as { data: WirePrice[] }).data;

export async function startFakeStripe(options: FakeStripeOptions = {}): Promise<FakeStripe> {
  let mode: FakeStripeMode = options.mode ?? 'ok';
  let delayMs = options.delayMs ?? 0;
  let prices: readonly WirePrice[] = structuredClone(options.prices ?? examplePrices());
  const requests: FakeStripeRequest[] = [];
  const requestIds: (string | undefined)[] = [];

  const checkout = fakeCheckoutSessions((priceId) => {
    const price = prices.find((candidate) => candidate['id'] === priceId);
    return price ? { unitAmount: Number(price['unit_amount']), currency: String(price['currency']) } : null;
  });

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake-stripe');
    const requestId = req.headers['x-request-id'];
    requestIds.push(Array.isArray(requestId) ? requestId.join(', ') : requestId);
    if (url.pathname.startsWith('/v1/checkout/')) {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const answer = checkout.handle(req, url.pathname, body);
        if (answer) sendJson(res, answer.status, answer.body);
        else sendJson(res, 404, stripeError('invalid_request_error', `Unrecognized request URL (${req.method} ${url.pathname}).`));
      });
      return;
    }
    if (req.method !== 'GET' || url.pathname !== '/v1/prices') {
      return sendJson(res, 404, stripeError('invalid_request_error', `Unrecognized request URL (${req.method} ${url.pathname}).`));
    }
    const request = parseListRequest(url.searchParams);
    requests.push(request);
    const answerMode = mode;
    if (answerMode === 'hang') return;
    setTimeout(() => answer(req, res, answerMode, request), delayMs);
  });

  function answer(req: IncomingMessage, res: ServerResponse, answerMode: FakeStripeMode, request: FakeStripeRequest): void {
    switch (answerMode) {
      case '500':
        return sendJson(res, 500, ERROR_500);
      case '429':
        res.setHeader('Retry-After', String(options.retryAfterSeconds ?? 1));
        return sendJson(res, 429, ERROR_429);
      case 'reset':
        req.socket.destroy();
        return;
      case 'malformed':
        return sendRaw(res, 200, '{"object": "list", "data": [');
      default:
        // Stripe's documented limit; a client that sends more is broken, so fail loudly as Stripe would.
        if (request.lookupKeys.length > 10) {
          return sendJson(res, 400, stripeError('invalid_request_error', 'You may only specify up to 10 lookup_keys.'));
        }
        return sendJson(res, 200, listObject(prices, request));
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get calls() {
      return requests.length;
    },
    get lookupKeysByCall() {
      return requests.map((request) => request.lookupKeys);
    },
    get requests() {
      return [...requests];
    },
    get requestIds() {
      return [...requestIds];
    },
    setMode(next) {
      mode = next;
    },
    setDelay(next) {
      delayMs = next;
    },
    setPrices(next) {
      prices = structuredClone(next);
    },
    checkout,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

let builtPrices = 0;

/** A usable recurring usd price in wire format; override any field (e.g. `{ billing_scheme: 'tiered' }`). */
export function stripePrice(overrides: WirePrice = {}): WirePrice {
  builtPrices += 1;
  return {
    id: `price_test_${builtPrices}`,
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    currency: 'usd',
    livemode: false,
    lookup_key: `lookup_key_${builtPrices}`,
    metadata: {},
    product: 'prod_test',
    recurring: { interval: 'year', interval_count: 1, meter: null, trial_period_days: null, usage_type: 'licensed' },
    tiers_mode: null,
    type: 'recurring',
    unit_amount: 9900,
    unit_amount_decimal: '9900',
    ...overrides,
  };
}

/** The SDK sends arrays as `key[0]=…`; curl users and other clients send `key[]=…`. Both are read. */
function arrayParam(params: URLSearchParams, name: string): string[] {
  const isElement = (key: string): boolean => key.startsWith(`${name}[`) && /^\w+\[\d*\]$/.test(key);
  return [...params.entries()].filter(([key]) => isElement(key)).map(([, value]) => value);
}

function parseListRequest(params: URLSearchParams): FakeStripeRequest {
  return {
    lookupKeys: arrayParam(params, 'lookup_keys'),
    active: params.get('active') ?? undefined,
    expand: arrayParam(params, 'expand'),
    limit: params.get('limit') ?? undefined,
  };
}

function listObject(all: readonly WirePrice[], request: FakeStripeRequest): object {
  const matching = all
    .filter((price) => request.lookupKeys.length === 0 || request.lookupKeys.includes(String(price['lookup_key'])))
    .filter((price) => request.active === undefined || String(price['active'] === true) === request.active);
  const limit = Math.min(Math.max(Number(request.limit ?? 10) || 10, 1), 100);
  const expandProduct = request.expand.includes('data.product');
  return {
    object: 'list',
    url: '/v1/prices',
    has_more: matching.length > limit,
    data: matching.slice(0, limit).map((price) => ({ ...price, product: productAs(price['product'], expandProduct) })),
  };
}

/** Like Stripe: the product is an id unless `expand[]=data.product` asks for the object. */
function productAs(product: unknown, expanded: boolean): unknown {
  const id = typeof product === 'object' && product !== null ? (product as { id?: unknown }).id : product;
  if (!expanded) return id;
  if (typeof product === 'object' && product !== null) return product;
  return { id, object: 'product', active: true, name: `Product ${String(id)}`, metadata: {} };
}

function stripeError(type: string, message: string): object {
  return { error: { type, message } };
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  sendRaw(res, status, JSON.stringify(body));
}

function sendRaw(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': `req_fake_${Date.now()}` });
  res.end(body);
}
