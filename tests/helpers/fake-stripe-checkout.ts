/**
 * The Checkout Sessions part of the fake Stripe server (tests/helpers/fake-stripe.ts), in Stripe's wire
 * format: form-encoded requests as the SDK sends them, answers shaped like
 * tests/fixtures/stripe/checkout-session-open.json (a copy of the shared fixture), and Stripe's
 * Idempotency-Key rules: the same key with the same parameters replays the first answer, with other
 * parameters it is a 400 `idempotency_error`.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';

export type WireSession = { [field: string]: unknown };

/**
 * How the fake answers session calls: `ok`; `500` fails before doing anything; `created-then-500`
 * makes the session and then answers 500 (a response lost after Stripe acted, as on a timeout).
 */
export type FakeSessionMode = 'ok' | '500' | 'created-then-500';

export interface FakeCheckoutAnswer {
  readonly status: number;
  readonly body: object;
}

const TEMPLATE = JSON.parse(
  readFileSync(new URL('../fixtures/stripe/checkout-session-open.json', import.meta.url), 'utf8'),
) as WireSession;

export interface FakeCheckoutSessions {
  readonly sessions: Map<string, WireSession>;
  /** Parsed bodies of every `POST /v1/checkout/sessions`, with the Idempotency-Key sent. */
  readonly createRequests: Array<{ readonly idempotencyKey: string | undefined; readonly params: Record<string, string> }>;
  mode: FakeSessionMode;
  handle(req: IncomingMessage, path: string, body: string): FakeCheckoutAnswer | null;
  /** What happens when the learner pays: the session becomes complete and paid by `customer`. */
  complete(sessionId: string, options?: { customer?: string; paymentStatus?: 'paid' | 'unpaid' }): WireSession;
  /** Stripe ending the session itself at `expires_at`. */
  expire(sessionId: string): WireSession;
}

export function fakeCheckoutSessions(unitAmountOf: (priceId: string) => { unitAmount: number; currency: string } | null): FakeCheckoutSessions {
  const sessions = new Map<string, WireSession>();
  const byIdempotencyKey = new Map<string, { fingerprint: string; answer: FakeCheckoutAnswer }>();
  const createRequests: FakeCheckoutSessions['createRequests'] = [];
  let created = 0;

  function createSession(params: Record<string, string>): FakeCheckoutAnswer {
    const priceId = params['line_items[0][price]'] ?? '';
    const quantity = Number(params['line_items[0][quantity]'] ?? '1');
    const price = unitAmountOf(priceId);
    if (!price) return { status: 400, body: stripeError('invalid_request_error', `No such price: '${priceId}'`) };
    const expiresAt = Number(params['expires_at']);
    const now = Math.floor(Date.now() / 1000);
    if (!Number.isInteger(expiresAt) || expiresAt < now + 1800 || expiresAt > now + 86400) {
      return { status: 400, body: stripeError('invalid_request_error', 'expires_at must be between 30 minutes and 24 hours from now.') };
    }
    created += 1;
    const id = `cs_test_fake${String(created).padStart(6, '0')}${now}`;
    // As Stripe does: a metadata key posted with an empty value is unset, so the session has no such key.
    const metadata = Object.fromEntries(
      Object.entries(params)
        .filter(([key, value]) => key.startsWith('metadata[') && value !== '')
        .map(([key, value]) => [key.slice('metadata['.length, -1), value]),
    );
    const session: WireSession = {
      ...structuredClone(TEMPLATE),
      id,
      amount_subtotal: price.unitAmount * quantity,
      amount_total: price.unitAmount * quantity,
      currency: price.currency,
      cancel_url: params['cancel_url'] ?? null,
      success_url: params['success_url'] ?? null,
      client_reference_id: params['client_reference_id'] ?? null,
      created: now,
      customer_email: null,
      expires_at: expiresAt,
      metadata,
      mode: params['mode'] ?? 'payment',
      url: `https://checkout.stripe.com/c/pay/${id}`,
    };
    sessions.set(id, session);
    return { status: 200, body: session };
  }

  const fake: FakeCheckoutSessions = {
    sessions,
    createRequests,
    mode: 'ok',
    handle(req, path, body) {
      if (req.method === 'POST' && path === '/v1/checkout/sessions') {
        const params = Object.fromEntries(new URLSearchParams(body));
        const idempotencyKey = headerValue(req.headers['idempotency-key']);
        createRequests.push({ idempotencyKey, params });
        if (fake.mode === '500') return { status: 500, body: stripeError('api_error', 'An unknown error occurred') };
        const fingerprint = JSON.stringify(Object.entries(params).sort());
        const remembered = idempotencyKey === undefined ? undefined : byIdempotencyKey.get(idempotencyKey);
        if (remembered) {
          if (remembered.fingerprint !== fingerprint) {
            return {
              status: 400,
              body: stripeError('idempotency_error', 'Keys for idempotent requests can only be used with the same parameters they were first used with.'),
            };
          }
          return remembered.answer;
        }
        const answer = createSession(params);
        if (idempotencyKey !== undefined) byIdempotencyKey.set(idempotencyKey, { fingerprint, answer });
        if (fake.mode === 'created-then-500') return { status: 500, body: stripeError('api_error', 'An unknown error occurred') };
        return answer;
      }
      const match = /^\/v1\/checkout\/sessions\/([^/]+)(\/expire)?$/.exec(path);
      if (!match) return null;
      const session = sessions.get(decodeURIComponent(match[1] ?? ''));
      if (!session) return { status: 404, body: stripeError('invalid_request_error', `No such checkout.session: '${match[1]}'`, 'resource_missing') };
      if (fake.mode === '500') return { status: 500, body: stripeError('api_error', 'An unknown error occurred') };
      if (req.method === 'GET' && !match[2]) return { status: 200, body: session };
      if (req.method === 'POST' && match[2]) {
        if (session['status'] !== 'open') {
          return { status: 400, body: stripeError('invalid_request_error', 'Only Checkout Sessions with a status in ["open"] can be expired.') };
        }
        return { status: 200, body: fake.expire(String(session['id'])) };
      }
      return null;
    },
    complete(sessionId, options = {}) {
      const session = mustFind(sessionId);
      Object.assign(session, {
        status: 'complete',
        payment_status: options.paymentStatus ?? 'paid',
        customer: options.customer ?? 'cus_fake_learner',
        subscription: 'sub_fake_0001',
        url: null,
      });
      return session;
    },
    expire(sessionId) {
      const session = mustFind(sessionId);
      Object.assign(session, { status: 'expired', url: null });
      return session;
    },
  };

  function mustFind(sessionId: string): WireSession {
    const session = sessions.get(sessionId);
    if (!session) throw new Error(`fake Stripe has no session ${sessionId}`);
    return session;
  }
  return fake;
}

/**
 * A Stripe event about `session`, shaped like tests/fixtures/stripe/event-checkout-session-*.json.
 * Sign its JSON with `Stripe.webhooks.generateTestHeaderString({ payload, secret })`, as Stripe signs.
 */
export function checkoutSessionEvent(type: string, session: WireSession, id = `evt_fake_${type}_${String(session['id'])}`): WireSession {
  const template = JSON.parse(
    readFileSync(new URL('../fixtures/stripe/event-checkout-session-completed.json', import.meta.url), 'utf8'),
  ) as WireSession;
  return { ...template, id, type, created: Math.floor(Date.now() / 1000), data: { object: structuredClone(session) } };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function stripeError(type: string, message: string, code?: string): object {
  return { error: { type, message, ...(code ? { code } : {}) } };
}
