import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { UnitOfWork } from '../../application/ports/unit-of-work.ts';
import { postgresCheckoutIntentRepository } from './checkout-intent-repository.ts';
import type { Database } from './database.ts';
import { postgresStripeEventLog } from './stripe-event-log.ts';

// Two-key advisory locks: the (namespace, hash) key space never meets Kysely's migration lock (one bigint key),
// and user locks never meet reservation locks, so a hash collision can only over-serialise, never deadlock.
const USER_LOCK_NAMESPACE = 0x4349_0001; // 'CI' 1
const RESERVATION_LOCK_NAMESPACE = 0x4349_0002; // 'CI' 2

/** UnitOfWork over one Kysely transaction; every repository in the scope uses that transaction's connection. */
export function postgresUnitOfWork(db: Kysely<Database>): UnitOfWork {
  return {
    run: (work) =>
      db.transaction().execute((trx) =>
        work({
          intents: postgresCheckoutIntentRepository(trx),
          stripeEvents: postgresStripeEventLog(trx),
          locks: {
            async lockUser(userId) {
              await sql`select pg_advisory_xact_lock(${USER_LOCK_NAMESPACE}::int, hashtext(${userId}))`.execute(trx);
            },
            async lockReservations(keys) {
              if (keys.length === 0) return;
              // Taken in hash order in one statement, so two writers can never hold them crosswise.
              await sql`
                select pg_advisory_xact_lock(${RESERVATION_LOCK_NAMESPACE}::int, hashed.key)
                from (select distinct hashtext(k) as key from unnest(${[...keys]}::text[]) as k order by 1) as hashed`.execute(trx);
            },
          },
        }),
      ),
  };
}
