/** Which Stripe price lookup key sells a product: the active academy carrying that Stripe product id. */
export interface SellableProducts {
  /** Null when no active academy sells `stripeProductId` with a lookup key. */
  priceLookupKeyFor(stripeProductId: string): Promise<string | null>;
}
