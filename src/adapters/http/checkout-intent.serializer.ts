import type { CheckoutIntent } from '../../domain/checkout-intent.ts';
import type { CheckoutIntentJson } from './schemas/checkout-intent.schema.ts';

/** The public shape (spec §5): the field names of the table, uuid and timestamps as strings. */
export function checkoutIntentJson(intent: CheckoutIntent): CheckoutIntentJson {
  return {
    id: intent.id,
    uuid: intent.uuid,
    user_id: intent.userId,
    stripe_product_id: intent.stripeProductId,
    state: intent.state,
    enterprise_name: intent.enterpriseName,
    enterprise_slug: intent.enterpriseSlug,
    enterprise_uuid: intent.enterpriseUuid,
    stripe_customer_id: intent.stripeCustomerId,
    stripe_checkout_session_id: intent.stripeCheckoutSessionId,
    quantity: intent.quantity,
    country: intent.country,
    expires_at: intent.expiresAt.toISOString(),
    last_checkout_error: intent.lastCheckoutError,
    last_provisioning_error: intent.lastProvisioningError,
    terms_metadata: { ...intent.termsMetadata },
    created: intent.created.toISOString(),
    modified: intent.modified.toISOString(),
  };
}
