import t from 'tap';
import { checkSessionPaysIntent, type CheckoutIntent, type CheckoutSessionFacts } from '../../src/domain/checkout-intent.ts';

const intent: CheckoutIntent = {
  id: 1,
  uuid: '9a1b7c52-3f0e-4a8e-9d7c-2b5e0f1a6c33',
  userId: '42',
  stripeProductId: 'prod_a',
  state: 'created',
  enterpriseName: null,
  enterpriseSlug: null,
  enterpriseUuid: null,
  stripeCustomerId: null,
  stripeCheckoutSessionId: null,
  quantity: 3,
  country: null,
  expiresAt: new Date('2030-01-01T00:00:00Z'),
  lastCheckoutError: null,
  lastProvisioningError: null,
  checkoutSessionAttempts: 0,
  termsMetadata: {},
  created: new Date('2025-01-01T00:00:00Z'),
  modified: new Date('2025-01-01T00:00:00Z'),
};
const session: CheckoutSessionFacts = {
  id: 'cs_1',
  clientReferenceId: intent.uuid,
  paymentStatus: 'paid',
  amountTotal: 300,
  currency: 'usd',
  metadata: { intent_uuid: intent.uuid, user_id: '42', stripe_product_id: 'prod_a', quantity: '3' },
  customerId: 'cus_1',
};
const price = { known: true, unitAmount: 100, currency: 'usd' } as const;

t.same(checkSessionPaysIntent(intent, session, price), { accepted: true }, 'the matching session pays the intent');
t.same(checkSessionPaysIntent(intent, { ...session, clientReferenceId: null }, price), { accepted: true }, 'client_reference_id is optional');
t.match(
  checkSessionPaysIntent({ ...intent, quantity: 2_000_000_000 }, { ...session, metadata: { ...session.metadata, quantity: '2000000000' } }, { ...price, unitAmount: 99_999_999 }),
  { accepted: false, reason: /too large/ },
  'an amount beyond exact arithmetic is refused, not rounded',
);
t.match(checkSessionPaysIntent(intent, session, { known: false, reason: 'why' }), { accepted: false, reason: 'the amount cannot be verified: why' });
t.match(checkSessionPaysIntent(intent, { ...session, metadata: { ...session.metadata, quantity: '03' } }, price), { accepted: false, reason: /metadata quantity/ }, 'quantity compared as the exact text');
const inherited = Object.create({ intent_uuid: intent.uuid }) as Record<string, string>;
t.match(checkSessionPaysIntent(intent, { ...session, metadata: inherited }, price), { accepted: false, reason: /metadata intent_uuid/ }, 'only own keys count');
