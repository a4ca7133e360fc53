import type { Kysely } from 'kysely';
import type { StripeEventLog, StripeEventRetention } from '../../application/ports/stripe-event-log.ts';
import type { Database } from './database.ts';

/** Placeholder outcome while the claiming transaction runs; never visible to another transaction. */
const IN_PROGRESS = 'in_progress';

/** StripeEventLog over `stripe_events` (migration 0005); `db` is the unit of work's transaction. */
export function postgresStripeEventLog(db: Kysely<Database>): StripeEventLog {
  return {
    async claim(event, receivedAt) {
      // ON CONFLICT DO NOTHING on the primary key: a second transaction inserting the same id waits for the
      // first to end, then inserts nothing (first committed) or its own row (first rolled back).
      const inserted = await db
        .insertInto('stripe_events')
        .values({
          event_id: event.id,
          type: event.type,
          checkout_session_id: event.checkoutSessionId,
          outcome: IN_PROGRESS,
          stripe_created: event.stripeCreated,
          received_at: receivedAt,
        })
        .onConflict((conflict) => conflict.column('event_id').doNothing())
        .returning('event_id')
        .executeTakeFirst();
      return inserted !== undefined;
    },
    async settle(eventId, outcome) {
      await db.updateTable('stripe_events').set({ outcome }).where('event_id', '=', eventId).execute();
    },
  };
}

/** The retention half, outside any transaction (the reconcile job). */
export function postgresStripeEventRetention(db: Kysely<Database>): StripeEventRetention {
  return {
    async deleteReceivedBefore(cutoff, limit) {
      // Bounded per run: a backlog after a long pause is worked off over several runs, never in one huge delete.
      const result = await db
        .deleteFrom('stripe_events')
        .where('event_id', 'in', (eb) =>
          eb.selectFrom('stripe_events').select('event_id').where('received_at', '<', cutoff).orderBy('received_at').limit(limit),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
