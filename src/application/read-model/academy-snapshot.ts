import type { Academy } from '../../domain/academy.ts';
import { identifierLookup, identifiersOf, matchesFilter, type AcademyFilter } from '../../domain/academy-filter.ts';
import type { AcademyRepository } from '../ports/academy-repository.ts';
import type { Logger } from '../ports/logger.ts';
import type { CatalogueStateWatcher } from './catalogue-state-watcher.ts';

/**
 * Every stored academy, in the default order, as of one catalogue version: an AcademyRepository
 * answered from memory (docs/decisions/0028). The academies are loaded with one query when the
 * version moves (a load shared by concurrent callers) and filtered with the domain's own rules, which
 * the repository contract suite holds equal to the SQL. Indexes built once per load make a lookup or
 * a filter cost a few map reads, not a scan, whatever a caller sends. `count` passes through.
 */
export function academySnapshot(inner: AcademyRepository, options: { readonly watcher: CatalogueStateWatcher; readonly logger: Logger }): AcademyRepository {
  const { watcher, logger } = options;
  let loaded: Catalogue | undefined;
  let loading: { readonly version: string; readonly catalogue: Promise<Catalogue> } | undefined;

  async function current(): Promise<Catalogue> {
    const { catalogueVersion } = await watcher.current();
    if (loaded?.version === catalogueVersion) return loaded;
    if (loading?.version !== catalogueVersion) {
      const catalogue: Promise<Catalogue> = load(catalogueVersion).finally(() => {
        if (loading?.catalogue === catalogue) loading = undefined;
      });
      loading = { version: catalogueVersion, catalogue };
    }
    return loading.catalogue;
  }

  async function load(version: string): Promise<Catalogue> {
    // Read after the version: a write in between moves the version again, and the next call reloads.
    const catalogue = indexed(version, await inner.list({ includeInactive: true }));
    if (loaded !== undefined) logger.debug({ from: loaded.version, to: version, academies: catalogue.academies.length }, 'catalogue changed; snapshot reloaded');
    // A slower load of an older version never replaces a newer one.
    if (watcher.latest()?.catalogueVersion === version) loaded = catalogue;
    return catalogue;
  }

  return {
    async list(filter) {
      return candidates(await current(), filter).filter((academy) => matchesFilter(academy, filter));
    },
    async findByIdentifier(identifier) {
      const catalogue = await current();
      const lookup = identifierLookup(identifier);
      if (lookup === null) return null;
      const exact = catalogue.byExact.get(lookup.exact);
      const uuid = lookup.uuid === undefined ? undefined : catalogue.byUuid.get(lookup.uuid);
      // The first in the default order among both kinds of match, as the SQL's `order by … limit 1`.
      const position = exact === undefined ? uuid : uuid === undefined ? exact : Math.min(exact, uuid);
      return position === undefined ? null : (catalogue.academies[position] ?? null);
    },
    count: () => inner.count(),
  };
}

/** The academies of one version, with the indexes lookups and filters use (positions in the default order). */
interface Catalogue {
  readonly version: string;
  readonly academies: readonly Academy[];
  /** Each exact identifier (slug, product key, Stripe product id) → the first academy that has it. */
  readonly byExact: ReadonlyMap<string, number>;
  /** Each uuid (own or catalog academy uuid) → the first academy that has it. */
  readonly byUuid: ReadonlyMap<string, number>;
  /** Own uuid → academy (filter by academy_uuid). */
  readonly byOwnUuid: ReadonlyMap<string, Academy>;
  readonly byTag: ReadonlyMap<string, readonly Academy[]>;
  readonly byProductKey: ReadonlyMap<string, readonly Academy[]>;
}

function indexed(version: string, list: readonly Academy[]): Catalogue {
  const academies = Object.freeze([...list]);
  const byExact = new Map<string, number>();
  const byUuid = new Map<string, number>();
  const byOwnUuid = new Map<string, Academy>();
  const byTag = new Map<string, Academy[]>();
  const byProductKey = new Map<string, Academy[]>();
  const first = (map: Map<string, number>, key: string, position: number) => {
    if (!map.has(key)) map.set(key, position);
  };
  const add = (map: Map<string, Academy[]>, key: string, academy: Academy) => {
    const group = map.get(key);
    if (group === undefined) map.set(key, [academy]);
    else if (group.at(-1) !== academy) group.push(academy);
  };
  academies.forEach((academy, position) => {
    const { exact, uuids } = identifiersOf(academy);
    for (const value of exact) first(byExact, value, position);
    for (const value of uuids) first(byUuid, value, position);
    byOwnUuid.set(academy.uuid, academy);
    for (const tag of academy.tags) add(byTag, tag, academy);
    if (academy.productKey !== null) add(byProductKey, academy.productKey, academy);
  });
  return { version, academies, byExact, byUuid, byOwnUuid, byTag, byProductKey };
}

const NONE: readonly Academy[] = [];

/**
 * A superset of what the filter selects, in the default order, from the narrowest index that applies:
 * `matchesFilter` still decides (so the rule stays the domain's), but over a few academies, not all.
 */
function candidates(catalogue: Catalogue, filter: AcademyFilter): readonly Academy[] {
  if (filter.academyUuid !== undefined) {
    const academy = catalogue.byOwnUuid.get(filter.academyUuid.toLowerCase());
    return academy === undefined ? NONE : [academy];
  }
  let narrowest = catalogue.academies;
  for (const tag of filter.tags ?? []) {
    const group = catalogue.byTag.get(tag) ?? NONE;
    if (group.length < narrowest.length) narrowest = group;
  }
  if (filter.productKey !== undefined) {
    const group = catalogue.byProductKey.get(filter.productKey) ?? NONE;
    if (group.length < narrowest.length) narrowest = group;
  }
  return narrowest;
}
