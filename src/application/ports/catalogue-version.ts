/** An opaque token that changes whenever the stored catalogue changes, whoever changed it. */
export interface CatalogueVersion {
  current(): Promise<string>;
}
