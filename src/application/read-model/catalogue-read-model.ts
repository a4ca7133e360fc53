import type { AcademyFilter } from '../../domain/academy-filter.ts';
import type { AcademyProduct } from '../academy-product.ts';
import type { GetAcademyProduct } from '../get-academy-product.ts';
import type { ListAcademyProducts } from '../list-academy-products.ts';
import type { Clock } from '../ports/clock.ts';
import type { CatalogueStateWatcher } from './catalogue-state-watcher.ts';
import { lruCache, type LruCache } from './lru-cache.ts';

/**
 * The public catalogue's two queries, each answered with a ready response (whatever the adapter
 * renders): the response itself when it is at hand (the common case: no promise, no await), else a
 * promise of it.
 */
export interface CatalogueQueries<R> {
  list(filter: AcademyFilter): R | Promise<R>;
  /** Rejects with NotFoundError('academy.not_found') when nothing has this identifier. */
  detail(identifier: string): R | Promise<R>;
  /**
   * Only what is already at hand and current: never reads the shared state, never starts a build, never
   * throws for a missing academy (undefined). For an answer given outside the request's own handling
   * (the ready lane), which must not do work before the request is counted, nor outside its request id.
   * Absent: nothing is ever kept.
   */
  readonly kept?: {
    list(filter: AcademyFilter): R | undefined;
    detail(identifier: string): R | undefined;
  };
}

/** What the read model needs of the price cache: whether what it answered is still what it would answer. */
export interface PriceFreshness {
  version(): number;
  /** Until when an answer for these lookup keys stays current while the version stays. */
  freshUntil(lookupKeys: readonly string[]): number;
}

export interface CatalogueReadModelOptions<R> {
  readonly watcher: CatalogueStateWatcher;
  readonly listAcademyProducts: ListAcademyProducts;
  readonly getAcademyProduct: GetAcademyProduct;
  readonly prices: PriceFreshness;
  /** Turns a result into the response sent as is, any number of times (bytes, ETag and headers). */
  readonly renderList: (products: readonly AcademyProduct[]) => R;
  readonly renderDetail: (product: AcademyProduct) => R;
  readonly clock: Clock;
  /** Ready responses kept, least recently used dropped first (default 1000: a caller chooses the filters). */
  readonly maxResponses?: number;
}

interface Ready<R> {
  readonly response: R;
  /** The price cache's version before the build: any change since makes the response stale. */
  readonly priceVersion: number;
  readonly freshUntil: number;
  /** When it was built: a response that seems built in the future (the wall clock stepped back) is rebuilt. */
  readonly builtAt: number;
}

/** A build in progress, joined only by requests that would start the same one (same price version). */
interface Build<R> {
  readonly priceVersion: number;
  readonly startedAt: number;
  readonly response: Promise<R>;
}

/** Everything served while the catalogue version stays the same. */
interface Snapshot<R> {
  readonly catalogueVersion: string;
  readonly ready: LruCache<Ready<R>>;
  readonly building: Map<string, Build<R>>;
}

/**
 * The catalogue read model (docs/decisions/0028): one snapshot per catalogue version holding, per
 * distinct query, the ready response. A request reads the shared state (at most once a second for the
 * whole replica) and, while neither the catalogue version nor the price cache moved and no price it
 * used expired, gets the very response built before: no query, no price lookup, no serialization.
 * Otherwise the plain use case runs once (concurrent requests for the same query share the build) and
 * its rendering replaces the old one. A not-found detail is not kept: its lookup costs no query.
 */
export function catalogueReadModel<R>(options: CatalogueReadModelOptions<R>): CatalogueQueries<R> {
  const { watcher, prices, clock } = options;
  const maxResponses = options.maxResponses ?? 1_000;
  let snapshot: Snapshot<R> | undefined;

  /** The response kept for `key`, when it is still what a build would answer now; else undefined. */
  function stillReady(current: Snapshot<R>, key: string, priceVersion: number): R | undefined {
    const ready = current.ready.get(key);
    const now = clock.now().getTime();
    return ready !== undefined && ready.priceVersion === priceVersion && ready.builtAt <= now && now < ready.freshUntil ? ready.response : undefined;
  }

  /** Within the watcher's interval the shared state needs no read: the response kept for `key`, if still current. */
  function kept(key: string): R | undefined {
    const state = watcher.fresh();
    return snapshot !== undefined && state?.catalogueVersion === snapshot.catalogueVersion ? stillReady(snapshot, key, prices.version()) : undefined;
  }

  function answer(key: string, products: () => Promise<readonly AcademyProduct[]>, render: (products: readonly AcademyProduct[]) => R): R | Promise<R> {
    return kept(key) ?? answerAfterCheck(key, products, render);
  }

  async function answerAfterCheck(key: string, products: () => Promise<readonly AcademyProduct[]>, render: (products: readonly AcademyProduct[]) => R): Promise<R> {
    const { catalogueVersion } = await watcher.current();
    if (snapshot?.catalogueVersion !== catalogueVersion) {
      snapshot = { catalogueVersion, ready: lruCache(maxResponses), building: new Map() };
    }
    const current = snapshot;
    const priceVersion = prices.version();
    const ready = stillReady(current, key, priceVersion);
    if (ready !== undefined) return ready;
    const now = clock.now().getTime();
    // A build that started before the prices moved would answer the old ones: start another.
    const joined = current.building.get(key);
    if (joined?.priceVersion === priceVersion) return joined.response;
    const build: Build<R> = {
      priceVersion,
      startedAt: now,
      response: products()
        .then((built) => {
          const response = render(built);
          const lookupKeys = built.flatMap((product) => product.priceLookupKey ?? []);
          // A build that outlived its snapshot still answers its own callers, but is not kept.
          if (snapshot === current) current.ready.set(key, { response, priceVersion, freshUntil: prices.freshUntil(lookupKeys), builtAt: build.startedAt });
          return response;
        })
        .finally(() => {
          if (current.building.get(key) === build) current.building.delete(key);
        }),
    };
    current.building.set(key, build);
    return build.response;
  }

  const listKey = (filter: AcademyFilter): string => `l${filterKey(filter)}`;
  const detailKey = (identifier: string): string => `d${identifier}`;
  return {
    list: (filter) => answer(listKey(filter), () => options.listAcademyProducts(filter), options.renderList),
    detail: (identifier) =>
      answer(
        detailKey(identifier),
        async () => [await options.getAcademyProduct(identifier)],
        ([product]) => options.renderDetail(product as AcademyProduct),
      ),
    kept: { list: (filter) => kept(listKey(filter)), detail: (identifier) => kept(detailKey(identifier)) },
  };
}

/**
 * Filters that select the same academies share a key: tags are a set (order and repeats do not
 * matter). Strings are length-prefixed, so no value can forge another filter's key; unset and
 * empty stay distinct.
 */
export function filterKey(filter: AcademyFilter): string {
  const tags = filter.tags && filter.tags.length > 0 ? [...new Set(filter.tags)].sort() : [];
  return `${part(filter.academyUuid)}${part(filter.productKey)}${filter.includeInactive === true ? 'i' : 'a'}${tags.map(part).join('')}`;
}

function part(value: string | undefined): string {
  return value === undefined ? '-' : `${value.length}:${value}`;
}
