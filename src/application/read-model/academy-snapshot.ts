import type { Academy } from '../../domain/academy.ts';
import { isIdentifiedBy, matchesFilter } from '../../domain/academy-filter.ts';
import type { AcademyRepository } from '../ports/academy-repository.ts';
import type { Logger } from '../ports/logger.ts';
import type { CatalogueStateWatcher } from './catalogue-state-watcher.ts';

/**
 * Every stored academy, in the default order, as of one catalogue version: an AcademyRepository
 * answered from memory (docs/decisions/0028). The academies are loaded with one query when the
 * version moves (a load shared by concurrent callers) and filtered with the domain's own rules, which
 * the repository contract suite holds equal to the SQL. `count` passes through.
 */
export function academySnapshot(inner: AcademyRepository, options: { readonly watcher: CatalogueStateWatcher; readonly logger: Logger }): AcademyRepository {
  const { watcher, logger } = options;
  let loaded: { readonly version: string; readonly academies: readonly Academy[] } | undefined;
  let loading: { readonly version: string; readonly academies: Promise<readonly Academy[]> } | undefined;

  async function academies(): Promise<readonly Academy[]> {
    const { catalogueVersion } = await watcher.current();
    if (loaded?.version === catalogueVersion) return loaded.academies;
    if (loading?.version !== catalogueVersion) {
      const academies: Promise<readonly Academy[]> = load(catalogueVersion).finally(() => {
        if (loading?.academies === academies) loading = undefined;
      });
      loading = { version: catalogueVersion, academies };
    }
    return loading.academies;
  }

  async function load(version: string): Promise<readonly Academy[]> {
    // Read after the version: a write in between moves the version again, and the next call reloads.
    const all = Object.freeze(await inner.list({ includeInactive: true }));
    if (loaded !== undefined) logger.debug({ from: loaded.version, to: version, academies: all.length }, 'catalogue changed; snapshot reloaded');
    // A slower load of an older version never replaces a newer one.
    if (watcher.latest()?.catalogueVersion === version) loaded = { version, academies: all };
    return all;
  }

  return {
    async list(filter) {
      return (await academies()).filter((academy) => matchesFilter(academy, filter));
    },
    async findByIdentifier(identifier) {
      return (await academies()).find((academy) => isIdentifiedBy(academy, identifier)) ?? null;
    },
    count: () => inner.count(),
  };
}
