import t from 'tap';
import { checkSessionPaysIntent, sessionProductMetadata, TEAMS_SESSION_PRODUCT, type CheckoutIntent, type CheckoutSessionFacts } from '../../src/domain/checkout-intent.ts';

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

t.test("a Teams intent (product '') is paid by a session whose stripe_product_id is the Teams marker, never by an empty or missing one", async (t) => {
  const teams: CheckoutIntent = { ...intent, stripeProductId: '' };
  t.not(TEAMS_SESSION_PRODUCT, '', 'the marker is not empty: Stripe unsets a metadata key posted empty');
  t.equal(sessionProductMetadata(''), TEAMS_SESSION_PRODUCT, 'a Teams intent sends the marker');
  t.equal(sessionProductMetadata('prod_a'), 'prod_a', 'an academy intent sends its product id');
  const marked = { ...session, metadata: { ...session.metadata, stripe_product_id: TEAMS_SESSION_PRODUCT } };
  t.same(checkSessionPaysIntent(teams, marked, price), { accepted: true }, 'the marker pays the Teams intent');
  const { stripe_product_id: _product, ...withoutProduct } = session.metadata;
  t.match(checkSessionPaysIntent(teams, { ...session, metadata: withoutProduct }, price), { accepted: false, reason: /metadata stripe_product_id/ }, 'a missing key is refused');
  t.match(checkSessionPaysIntent(teams, { ...session, metadata: { ...session.metadata, stripe_product_id: '' } }, price), { accepted: false, reason: /metadata stripe_product_id/ }, 'an empty value is refused');
  t.match(checkSessionPaysIntent(intent, marked, price), { accepted: false, reason: /metadata stripe_product_id/ }, 'the marker does not pay an academy intent');
});
