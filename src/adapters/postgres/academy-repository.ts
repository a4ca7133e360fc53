import { sql } from 'kysely';
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Academy, AcademyFields } from '../../domain/academy.ts';
import { UUID_PATTERN } from '../../domain/shapes.ts';
import type { AcademyFilter, AcademyRepository } from '../../application/ports/academy-repository.ts';
import type { Database } from './database.ts';
import type { AcademyRow, NewAcademyRow } from './tables/academies.ts';

// Comparing a uuid column with a non-UUID string makes PostgreSQL raise 22P02,
// so identifiers only reach the uuid columns when they have the UUID shape.

type AcademySelect = SelectQueryBuilder<Database, 'academies', AcademyRow>;

/** AcademyRepository over the `academies` table; filtering and ordering happen in SQL. */
export function postgresAcademyRepository(db: Kysely<Database>): AcademyRepository {
  const selectAll = (): AcademySelect => db.selectFrom('academies').selectAll();

  return {
    async list(filter: AcademyFilter): Promise<Academy[]> {
      let query = selectAll();
      if (filter.academyUuid !== undefined) {
        if (!UUID_PATTERN.test(filter.academyUuid)) return [];
        query = query.where('uuid', '=', filter.academyUuid);
      }
      if (filter.productKey !== undefined) query = query.where('product_key', '=', filter.productKey);
      if (filter.tags !== undefined && filter.tags.length > 0) {
        // Array containment: the academy carries every given tag (served by the GIN index).
        query = query.where(sql<boolean>`tags @> ${sql.val([...filter.tags])}::text[]`);
      }
      if (filter.includeInactive !== true) query = query.where('is_active', '=', true);
      const rows = await inDefaultOrder(query).execute();
      return rows.map(toAcademy);
    },

    async findByIdentifier(identifier: string): Promise<Academy | null> {
      // '' would otherwise match every academy whose stripe_product_id is unset ('').
      if (identifier === '') return null;
      const row = await inDefaultOrder(
        selectAll().where((eb) => {
          const matches = [
            eb('slug', '=', identifier),
            eb('product_key', '=', identifier),
            eb('stripe_product_id', '=', identifier),
          ];
          if (UUID_PATTERN.test(identifier)) {
            matches.push(eb('uuid', '=', identifier), eb('catalog_academy_uuid', '=', identifier));
          }
          return eb.or(matches);
        }),
      )
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? null : toAcademy(row);
    },

    async count(): Promise<number> {
      const { total } = await db
        .selectFrom('academies')
        .select((eb) => eb.fn.countAll<string | number | bigint>().as('total'))
        .executeTakeFirstOrThrow();
      return Number(total);
    },
  };
}

/**
 * display_order, name, uuid. Names compare in the "C" collation (code-point order)
 * so PostgreSQL, PGlite and the domain's compareAcademies agree whatever the
 * server's locale; the default-order index is built the same way.
 */
function inDefaultOrder(query: AcademySelect): AcademySelect {
  return query.orderBy('display_order').orderBy(sql`name COLLATE "C"`).orderBy('uuid');
}

/** The one place domain fields become a row (the repository and the sync store both write them). */
export function toRow(fields: AcademyFields): NewAcademyRow {
  return {
    catalog_academy_uuid: fields.catalogAcademyUuid,
    name: fields.name,
    long_name: fields.longName,
    description: fields.description,
    marketing_url: fields.marketingUrl,
    thumbnail_url: fields.thumbnailUrl,
    tags: fields.tags,
    stripe_product_id: fields.stripeProductId,
    stripe_price_lookup_key: fields.stripePriceLookupKey,
    catalog_query_id: fields.catalogQueryId,
    product_key: fields.productKey,
    slug: fields.slug,
    is_active: fields.isActive,
    display_order: fields.displayOrder,
  };
}

/** The one place a row becomes a domain Academy. */
export function toAcademy(row: AcademyRow): Academy {
  return {
    uuid: row.uuid,
    catalogAcademyUuid: row.catalog_academy_uuid,
    name: row.name,
    longName: row.long_name,
    description: row.description,
    marketingUrl: row.marketing_url,
    thumbnailUrl: row.thumbnail_url,
    tags: [...row.tags],
    stripeProductId: row.stripe_product_id,
    stripePriceLookupKey: row.stripe_price_lookup_key,
    catalogQueryId: row.catalog_query_id === null ? null : Number(row.catalog_query_id),
    productKey: row.product_key,
    slug: row.slug,
    isActive: row.is_active,
    displayOrder: Number(row.display_order),
    created: new Date(row.created),
    modified: new Date(row.modified),
  };
}
