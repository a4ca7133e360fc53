/**
 * An opaque token shared by every replica that changes whenever one of them learns that Stripe's
 * prices changed (a price.* / product.* webhook reaches only one replica).
 */
export interface PriceGeneration {
  current(): Promise<string>;
  /** Moves the token for every replica; resolves with the new token once that is durable. */
  bump(): Promise<string>;
}
