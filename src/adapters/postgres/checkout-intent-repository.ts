import { sql, type Expression, type ExpressionBuilder, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { CheckoutIntentRepository } from '../../application/ports/checkout-intent-repository.ts';
import { UUID_PATTERN } from '../../domain/shapes.ts';
import {
  ActiveIntentConflictError,
  CURRENT_STATES,
  SESSION_RECONCILED_STATES,
  SlugReservationError,
  isCheckoutIntentState,
  type CheckoutIntent,
  type NewCheckoutIntent,
  type TermsMetadata,
} from '../../domain/checkout-intent.ts';
import { isExclusionViolation, isUniqueViolation } from './database.ts';
import type { Database } from './database.ts';
import type { CheckoutIntentRow } from './tables/checkout-intents.ts';


type IntentSelect = SelectQueryBuilder<Database, 'checkout_intents', CheckoutIntentRow>;
type IntentExpressions = ExpressionBuilder<Database, 'checkout_intents'>;

// The SQL translations of the domain's time rules (src/domain/checkout-intent/lifetime.ts), one each; the
// contract suite holds them to the domain's functions at every boundary.

/** isExpired(intent, now): created, and expires_at <= now (the reservation is half-open). */
const isExpired = (now: Date) => (eb: IntentExpressions): Expression<SqlBool> =>
  eb.and([eb('state', '=', 'created'), eb('expires_at', '<=', now)]);
/** isCurrent(intent, now): a current state, and not expired. */
const isCurrent = (now: Date) => (eb: IntentExpressions): Expression<SqlBool> =>
  eb.and([eb('state', 'in', [...CURRENT_STATES]), eb.not(isExpired(now)(eb))]);
/** holdsEnterpriseReservation(intent, now): neither expired nor expired by time. */
const holdsEnterpriseReservation = (now: Date) => (eb: IntentExpressions): Expression<SqlBool> =>
  eb.and([eb('state', '<>', 'expired'), eb.not(isExpired(now)(eb))]);
/** isOpen(intent): created. */
const isOpen = (eb: IntentExpressions): Expression<SqlBool> => eb('state', '=', 'created');
/** awaitsSessionOutcome(intent): a reconciled state, holding a session (migration 0007's partial index). */
const awaitsSessionOutcome = (eb: IntentExpressions): Expression<SqlBool> =>
  eb.and([eb('state', 'in', [...SESSION_RECONCILED_STATES]), eb('stripe_checkout_session_id', 'is not', null)]);
/** isStalled(intent, cutoff): paid, and modified <= cutoff. */
const isStalled = (cutoff: Date) => (eb: IntentExpressions): Expression<SqlBool> =>
  eb.and([eb('state', '=', 'paid'), eb('modified', '<=', cutoff)]);

/** CheckoutIntentRepository over `checkout_intents`; `db` may be a transaction. */
export function postgresCheckoutIntentRepository(db: Kysely<Database>): CheckoutIntentRepository {
  const selectAll = (): IntentSelect => db.selectFrom('checkout_intents').selectAll();
  const newestFirst = (query: IntentSelect): IntentSelect => query.orderBy('created', 'desc').orderBy('id', 'desc');

  return {
    async current({ userId, enterpriseSlug, stripeProductId, now }) {
      let query = selectAll().where('user_id', '=', userId).where(isCurrent(now));
      if (enterpriseSlug !== undefined) query = query.where('enterprise_slug', '=', enterpriseSlug);
      if (stripeProductId !== undefined) query = query.where('stripe_product_id', '=', stripeProductId);
      const row = await newestFirst(query).limit(1).executeTakeFirst();
      return row === undefined ? null : toCheckoutIntent(row);
    },

    async latestForProduct(userId, stripeProductId) {
      const row = await newestFirst(
        selectAll().where('user_id', '=', userId).where('stripe_product_id', '=', stripeProductId),
      )
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? null : toCheckoutIntent(row);
    },

    async findByUuid(uuid, options = {}) {
      // Comparing a uuid column with a non-UUID string makes PostgreSQL raise 22P02.
      if (!UUID_PATTERN.test(uuid)) return null;
      let query = selectAll().where('uuid', '=', uuid);
      if (options.forUpdate) query = query.forUpdate();
      const row = await query.executeTakeFirst();
      return row === undefined ? null : toCheckoutIntent(row);
    },

    async list({ userId, limit, offset }) {
      let query = selectAll();
      if (userId !== undefined) query = query.where('user_id', '=', userId);
      const [rows, { total }] = await Promise.all([
        newestFirst(query).limit(limit).offset(offset).execute(),
        query
          .clearSelect()
          .select((eb) => eb.fn.countAll<string | number | bigint>().as('total'))
          .executeTakeFirstOrThrow(),
      ]);
      return { total: Number(total), intents: rows.map(toCheckoutIntent) };
    },

    async isReservedByAnotherUser(userId, reservation, now) {
      const holds = holdsReservation(reservation);
      if (holds.length === 0) return false;
      const row = await db
        .selectFrom('checkout_intents')
        .select('id')
        .where('user_id', '<>', userId)
        .where(holdsEnterpriseReservation(now))
        .where((eb) => eb.or(holds))
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },

    async releaseLapsedReservations(reservation, now) {
      const holds = holdsReservation(reservation);
      if (holds.length === 0) return 0;
      const result = await db
        .updateTable('checkout_intents')
        .set({ state: 'expired', modified: now })
        .where(isExpired(now))
        .where((eb) => eb.or(holds))
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async withSessionToReconcile(limit) {
      // Matches the partial index of migration 0007, so only intents holding a session are read and shuffled.
      // Expired ones too: a session can outlive its intent's reservation, and its payment reopens the intent.
      const rows = await selectAll()
        .where(awaitsSessionOutcome)
        .orderBy(sql`random()`)
        .limit(limit)
        .execute();
      return rows.map(toCheckoutIntent);
    },

    async countOpen(userId) {
      const { count } = await db
        .selectFrom('checkout_intents')
        .select((eb) => eb.fn.countAll<string | number | bigint>().as('count'))
        .where('user_id', '=', userId)
        .where(isOpen)
        .executeTakeFirstOrThrow();
      return Number(count);
    },

    async insert(fields: NewCheckoutIntent, now: Date) {
      return translateConflict(async () => {
        const row = await db
          .insertInto('checkout_intents')
          .values({ ...mutableColumns(fields), user_id: fields.userId, stripe_product_id: fields.stripeProductId, created: now, modified: now })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toCheckoutIntent(row);
      });
    },

    async update(intent: CheckoutIntent) {
      return translateConflict(async () => {
        const row = await db
          .updateTable('checkout_intents')
          .set({ ...mutableColumns(intent), modified: intent.modified })
          .where('id', '=', intent.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return toCheckoutIntent(row);
      });
    },

    async expireCreated(now, userId) {
      let query = db
        .updateTable('checkout_intents')
        .set({ state: 'expired', modified: now })
        .where(isExpired(now));
      if (userId !== undefined) query = query.where('user_id', '=', userId);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async markStalledPaid(modifiedBefore, message, now) {
      const result = await db
        .updateTable('checkout_intents')
        .set({ state: 'errored_fulfillment_stalled', last_provisioning_error: message, modified: now })
        .where(isStalled(modifiedBefore))
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async countByState() {
      const rows = await db
        .selectFrom('checkout_intents')
        .select(['state', (eb) => eb.fn.countAll<string>().as('count')])
        .groupBy('state')
        .execute();
      return new Map(rows.map((row) => [row.state, Number(row.count)]));
    },
  };
}

function mutableColumns(fields: NewCheckoutIntent) {
  return {
    state: fields.state,
    enterprise_name: fields.enterpriseName,
    enterprise_slug: fields.enterpriseSlug,
    enterprise_uuid: fields.enterpriseUuid,
    stripe_customer_id: fields.stripeCustomerId,
    stripe_checkout_session_id: fields.stripeCheckoutSessionId,
    quantity: fields.quantity,
    country: fields.country,
    expires_at: fields.expiresAt,
    last_checkout_error: fields.lastCheckoutError,
    last_provisioning_error: fields.lastProvisioningError,
    terms_metadata: JSON.stringify(fields.termsMetadata),
    checkout_session_attempts: fields.checkoutSessionAttempts,
  };
}

/**
 * "This row holds the slug or the name", with migrations/0004's normalization on both sides, so the
 * comparison is the exclusion constraints' own. Empty when neither is sought.
 */
function holdsReservation(reservation: { readonly enterpriseSlug: string | null; readonly enterpriseName: string | null }): RawBuilder<SqlBool>[] {
  const holds: RawBuilder<SqlBool>[] = [];
  if (reservation.enterpriseSlug !== null) {
    holds.push(sql<SqlBool>`enterprise_reservation_key(enterprise_slug) = enterprise_reservation_key(${reservation.enterpriseSlug})`);
  }
  if (reservation.enterpriseName !== null) {
    holds.push(sql<SqlBool>`enterprise_reservation_key(enterprise_name) = enterprise_reservation_key(${reservation.enterpriseName})`);
  }
  return holds;
}

/**
 * The database is the last word: the partial unique indexes on "one active intent", the exclusion
 * constraints on "one holder per enterprise slug or name". Their refusals are domain conflicts.
 */
async function translateConflict<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ActiveIntentConflictError();
    if (isExclusionViolation(error)) throw new SlugReservationError();
    throw error;
  }
}

/** The one place a row becomes a domain CheckoutIntent. */
export function toCheckoutIntent(row: CheckoutIntentRow): CheckoutIntent {
  if (!isCheckoutIntentState(row.state)) throw new Error(`checkout_intents row ${row.id} has unknown state ${row.state}`);
  return {
    id: Number(row.id),
    uuid: row.uuid,
    userId: row.user_id,
    stripeProductId: row.stripe_product_id,
    state: row.state,
    enterpriseName: row.enterprise_name,
    enterpriseSlug: row.enterprise_slug,
    enterpriseUuid: row.enterprise_uuid,
    stripeCustomerId: row.stripe_customer_id,
    stripeCheckoutSessionId: row.stripe_checkout_session_id,
    quantity: Number(row.quantity),
    country: row.country,
    expiresAt: new Date(row.expires_at),
    lastCheckoutError: row.last_checkout_error,
    lastProvisioningError: row.last_provisioning_error,
    termsMetadata: row.terms_metadata as TermsMetadata,
    checkoutSessionAttempts: Number(row.checkout_session_attempts),
    created: new Date(row.created),
    modified: new Date(row.modified),
  };
}
