/**
 * What every replica reads to know whether its catalogue read model is current: one shared row
 * (docs/decisions/0028). The catalogue version changes whenever the stored academies change, whoever
 * changed them; the price generation grows whenever one replica learns that Stripe's prices changed
 * (a price.* / product.* webhook reaches only one replica).
 */
export interface CatalogueStateValue {
  /** Opaque: only compared for equality. */
  readonly catalogueVersion: string;
  /** A counter that only grows (a decimal string of an integer). */
  readonly priceGeneration: string;
}

export interface CatalogueState {
  /** Both values, read together (one query). */
  current(): Promise<CatalogueStateValue>;
  /** Moves the price generation for every replica; resolves with the new one once that is durable. */
  bumpPriceGeneration(): Promise<string>;
}
