import type { CatalogueState } from '../../src/application/ports/catalogue-state.ts';

/** A CatalogueState whose answer, failure and timing the test controls. */
export interface FakeCatalogueState extends CatalogueState {
  catalogueVersion: string;
  priceGeneration: number;
  reads: number;
  failWith: Error | null;
  /** When set, `current()` waits for it (to hold a read in flight). */
  gate: Promise<void> | null;
}

export function fakeCatalogueState(initialVersion = '1'): FakeCatalogueState {
  const fake: FakeCatalogueState = {
    catalogueVersion: initialVersion,
    priceGeneration: 0,
    reads: 0,
    failWith: null,
    gate: null,
    async current() {
      fake.reads += 1;
      const gate = fake.gate;
      if (gate) await gate;
      if (fake.failWith) throw fake.failWith;
      return { catalogueVersion: fake.catalogueVersion, priceGeneration: String(fake.priceGeneration) };
    },
    async bumpPriceGeneration() {
      fake.priceGeneration += 1;
      return String(fake.priceGeneration);
    },
  };
  return fake;
}

export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
