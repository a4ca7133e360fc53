import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CatalogSourceUnavailable } from '../../application/ports/catalog-source.ts';
import type { CatalogSource } from '../../application/ports/catalog-source.ts';
import { canonicalUuid, parseCatalogQueryId } from '../../domain/sync-policies.ts';

/**
 * A `CatalogSource` over a folder of enterprise-catalog JSON, so the embedded default
 * fills the catalogue through the same sync path as production. The folder describes
 * one enterprise customer, so the customer uuid is not used. Layout:
 *
 * - `academies.json` (required) and `enterprise-catalogs.json` (optional, else none):
 *   one page `{results: [...]}`, an array of such pages, or a bare array of items;
 * - catalog query ids: `catalog-queries/<uuid>.json` holding `{id, ...}` as the API
 *   answers it, else `catalog-queries.json` mapping uuid → id or `{id}`; neither → null.
 */
export function fileCatalogSource(dir: string): CatalogSource {
  return {
    async academies() {
      return itemsOf(await readJson(dir, 'academies.json', 'required'), 'academies.json');
    },
    async catalogs() {
      const body = await readJson(dir, 'enterprise-catalogs.json', 'optional');
      return body === undefined ? [] : itemsOf(body, 'enterprise-catalogs.json');
    },
    async catalogQueryId(catalogQueryUuid) {
      const uuid = canonicalUuid(catalogQueryUuid);
      if (uuid === null) return null;
      const query = await readJson(dir, join('catalog-queries', `${uuid}.json`), 'optional');
      if (query !== undefined) return idOf(query);
      const map = await readJson(dir, 'catalog-queries.json', 'optional');
      if (!isRecord(map)) return null;
      const entry = Object.entries(map).find(([key]) => canonicalUuid(key) === uuid);
      return entry === undefined ? null : idOf(entry[1]);
    },
  };
}

function idOf(value: unknown): number | null {
  return parseCatalogQueryId(isRecord(value) ? value['id'] : value);
}

function itemsOf(body: unknown, file: string): unknown[] {
  if (isPage(body)) return body.results;
  if (!Array.isArray(body)) throw new CatalogSourceUnavailable(`${file} is neither a page, a list of pages nor a list of items`);
  // A list whose every entry is a page is a list of pages; anything else is a list of items.
  if (body.length > 0 && body.every(isPage)) return body.flatMap((page: { results: unknown[] }) => page.results);
  return body;
}

function isPage(value: unknown): value is { results: unknown[] } {
  return isRecord(value) && Array.isArray(value['results']);
}

async function readJson(dir: string, file: string, presence: 'required' | 'optional'): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch (error) {
    if (presence === 'optional' && isRecord(error) && error['code'] === 'ENOENT') return undefined;
    throw new CatalogSourceUnavailable(`cannot read catalog file ${file}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CatalogSourceUnavailable(`catalog file ${file} is not JSON`, { cause: error });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
