import type { CheckoutIntent } from '../../src/domain/checkout-intent.ts';

/** A created academy intent of user 42 for unit tests; override any field. */
export function sampleIntent(overrides: Partial<CheckoutIntent> = {}): CheckoutIntent {
  return {
    id: 1,
    uuid: '6f1d0c1e-1111-4a4a-8b8b-000000000001',
    userId: '42',
    stripeProductId: 'prod_academy',
    state: 'created',
    enterpriseName: 'Acme',
    enterpriseSlug: 'acme',
    enterpriseUuid: null,
    stripeCustomerId: null,
    stripeCheckoutSessionId: null,
    quantity: 5,
    country: 'US',
    expiresAt: new Date('2025-03-02T12:00:00.000Z'),
    lastCheckoutError: null,
    lastProvisioningError: null,
    checkoutSessionAttempts: 0,
    termsMetadata: { accepted: 'v1' },
    created: new Date('2025-03-01T11:00:00.000Z'),
    modified: new Date('2025-03-01T11:00:00.000Z'),
    ...overrides,
  };
}
