import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/adapters/http/app.ts';
import { makeGetAcademyProduct } from '../../src/application/get-academy-product.ts';
import { makeListAcademyProducts } from '../../src/application/list-academy-products.ts';
import type { AcademyRepository } from '../../src/application/ports/academy-repository.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import type { PriceSource } from '../../src/application/ports/price-source.ts';
import type { TokenVerifier } from '../../src/application/ports/token-verifier.ts';

export interface TestAppOptions {
  readonly academies: AcademyRepository;
  readonly prices: PriceSource;
  readonly thumbnailBaseUrl?: string;
  readonly rateLimit?: { max: number; windowMs: number };
  readonly trustProxy?: number;
  readonly checkReadiness?: () => Promise<void>;
  readonly tokenVerifier?: TokenVerifier | null;
}

/** buildApp wired to the given ports (fakes or real adapters), as the composition root would. */
export async function buildTestApp(options: TestAppOptions): Promise<FastifyInstance> {
  const catalogue = {
    academies: options.academies,
    prices: options.prices,
    thumbnailBaseUrl: options.thumbnailBaseUrl ?? '',
    logger: silentLogger,
  };
  return buildApp(
    {
      listAcademyProducts: makeListAcademyProducts(catalogue),
      getAcademyProduct: makeGetAcademyProduct(catalogue),
      checkReadiness: options.checkReadiness ?? (async () => {}),
      tokenVerifier: options.tokenVerifier ?? null,
    },
    { logger: false, trustProxy: options.trustProxy ?? 0, rateLimit: options.rateLimit ?? { max: 10_000, windowMs: 3_600_000 } },
  );
}
