import { randomUUID } from 'node:crypto';
import type { CheckoutIntentRepository } from '../../src/application/ports/checkout-intent-repository.ts';
import type { StripeEventLog } from '../../src/application/ports/stripe-event-log.ts';
import type { UnitOfWork } from '../../src/application/ports/unit-of-work.ts';
import {
  awaitsSessionOutcome,
  holdsEnterpriseReservation,
  isCurrent,
  isExpired,
  isOpen,
  isStalled,
  type CheckoutIntent,
} from '../../src/domain/checkout-intent.ts';
import { UUID_PATTERN } from '../../src/domain/shapes.ts';
import { CONSTRAINTS, copyOf, holdsReservationOf, storedRow } from './in-memory-intent-table.ts';
import { InMemoryDatabase, databaseError, type InMemoryTable, type Transaction } from './in-memory-transactions.ts';

/**
 * CheckoutIntentRepository and UnitOfWork in memory, for use-case tests: what the PostgreSQL adapters do, down
 * to the uniqueness rules, the column checks, read-committed visibility and row locks
 * (tests/contracts/checkout-intent-repository.contract.ts holds both to the same suite). The time rules are
 * the domain's own functions, of which the adapter's SQL is a translation.
 */
export interface InMemoryIntentStore {
  /** Each call is a transaction of its own, as a statement outside a transaction is in PostgreSQL. */
  readonly intents: CheckoutIntentRepository;
  readonly unitOfWork: UnitOfWork;
  /** The committed intents, for assertions. */
  committed(): CheckoutIntent[];
}

interface StripeEventRow {
  readonly eventId: string;
  readonly outcome: string;
}

export function inMemoryIntentStore(): InMemoryIntentStore {
  const database = new InMemoryDatabase();
  const intents = database.table<number, CheckoutIntent>();
  const stripeEvents = database.table<string, StripeEventRow>();
  let nextId = 1; // an identity column: a rolled-back insert uses its id up too
  const idSequence = () => nextId++;

  const inTransaction = (tx: Transaction) => repositoryIn(tx, intents, idSequence);
  // A statement outside a transaction is a transaction of its own (autocommit).
  const alone =
    <A extends unknown[], R>(method: (repository: CheckoutIntentRepository) => (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      database.run((tx) => method(inTransaction(tx))(...args));
  const autocommit: CheckoutIntentRepository = {
    current: alone((r) => r.current),
    latestForProduct: alone((r) => r.latestForProduct),
    findByUuid: alone((r) => r.findByUuid),
    list: alone((r) => r.list),
    isReservedByAnotherUser: alone((r) => r.isReservedByAnotherUser),
    releaseLapsedReservations: alone((r) => r.releaseLapsedReservations),
    withSessionToReconcile: alone((r) => r.withSessionToReconcile),
    countOpen: alone((r) => r.countOpen),
    insert: alone((r) => r.insert),
    update: alone((r) => r.update),
    expireCreated: alone((r) => r.expireCreated),
    markStalledPaid: alone((r) => r.markStalledPaid),
    countByState: alone((r) => r.countByState),
  };
  return {
    intents: autocommit,
    unitOfWork: {
      run: (work) =>
        database.run((tx) =>
          work({
            intents: inTransaction(tx),
            stripeEvents: stripeEventLogIn(tx, stripeEvents),
            locks: {
              lockUser: (userId) => database.lock(tx, `user:${userId}`),
              async lockReservations(keys) {
                // In one order, as the adapter takes them in one statement: two writers never hold them crosswise.
                for (const key of [...new Set(keys)].sort()) await database.lock(tx, `reservation:${key}`);
              },
            },
          }),
        ),
    },
    committed: () => intents.committedRows().map(copyOf),
  };
}

function repositoryIn(tx: Transaction, table: InMemoryTable<number, CheckoutIntent>, idSequence: () => number): CheckoutIntentRepository {
  const database = table.database;
  const rows = () => table.rows(tx);
  const newest = (matching: CheckoutIntent[]) => matching.sort(newestFirst)[0];
  const found = (intent: CheckoutIntent | undefined) => (intent === undefined ? null : copyOf(intent));

  /** Writes `intent` under the table's rules; waits for a running writer whose row it might conflict with. */
  async function write(intent: CheckoutIntent): Promise<CheckoutIntent> {
    const row = storedRow(intent);
    // Rule by rule, in the order PostgreSQL checks them (the unique indexes, then the exclusion constraints): a
    // settled row breaking it refuses the write; a row another transaction is writing is waited for, then all again.
    for (let writer = nextConflictingWriter(row); writer !== undefined; writer = nextConflictingWriter(row)) {
      await database.waitFor(tx, writer);
    }
    table.write(tx, row.id, row);
    return copyOf(row);
  }

  function nextConflictingWriter(row: CheckoutIntent): Transaction | undefined {
    const { settled, pending } = table.constraintView(tx);
    for (const constraint of CONSTRAINTS) {
      const breaks = (other: CheckoutIntent) => other.id !== row.id && constraint.breaks(row, other);
      if (settled.some(([, other]) => breaks(other))) throw constraint.error();
      const writer = pending.find(([, other]) => breaks(other))?.[2];
      if (writer !== undefined) return writer;
    }
    return undefined;
  }

  /** UPDATE … WHERE: each matching row is locked (waiting for its writer), read again, and changed if it still matches. */
  async function updateWhere(matches: (intent: CheckoutIntent) => boolean, change: (intent: CheckoutIntent) => CheckoutIntent): Promise<number> {
    let count = 0;
    for (const candidate of rows().filter(matches)) {
      await lockRow(candidate.id);
      const current = table.row(tx, candidate.id);
      if (current === undefined || !matches(current)) continue;
      await write(change(current));
      count += 1;
    }
    return count;
  }

  async function lockRow(id: number): Promise<void> {
    await database.lock(tx, `checkout_intents:${id}`);
  }

  return {
    async current({ userId, enterpriseSlug, stripeProductId, now }) {
      return found(
        newest(
          rows().filter(
            (intent) =>
              intent.userId === userId &&
              isCurrent(intent, now) &&
              (enterpriseSlug === undefined || intent.enterpriseSlug === enterpriseSlug) &&
              (stripeProductId === undefined || intent.stripeProductId === stripeProductId),
          ),
        ),
      );
    },

    async latestForProduct(userId, stripeProductId) {
      return found(newest(rows().filter((intent) => intent.userId === userId && intent.stripeProductId === stripeProductId)));
    },

    async findByUuid(uuid, options = {}) {
      // A uuid column compares as a uuid: any case; a string that is not one matches nothing.
      if (!UUID_PATTERN.test(uuid)) return null;
      const match = rows().find((intent) => intent.uuid === uuid.toLowerCase());
      if (match === undefined || !options.forUpdate) return found(match);
      await lockRow(match.id);
      return found(table.row(tx, match.id));
    },

    async list({ userId, limit, offset }) {
      if (!Number.isInteger(limit) || limit < 0) throw databaseError('2201W', 'LIMIT must not be negative');
      if (!Number.isInteger(offset) || offset < 0) throw databaseError('2201X', 'OFFSET must not be negative');
      const matching = rows()
        .filter((intent) => userId === undefined || intent.userId === userId)
        .sort(newestFirst);
      return { total: matching.length, intents: matching.slice(offset, offset + limit).map(copyOf) };
    },

    async isReservedByAnotherUser(userId, reservation, now) {
      return rows().some((intent) => intent.userId !== userId && holdsEnterpriseReservation(intent, now) && holdsReservationOf(intent, reservation));
    },

    async releaseLapsedReservations(reservation, now) {
      return updateWhere(
        (intent) => isExpired(intent, now) && holdsReservationOf(intent, reservation),
        (intent) => ({ ...intent, state: 'expired', modified: now }),
      );
    },

    async withSessionToReconcile(limit) {
      if (!Number.isInteger(limit) || limit < 0) throw databaseError('2201W', 'LIMIT must not be negative');
      return shuffled(rows().filter(awaitsSessionOutcome)).slice(0, limit).map(copyOf);
    },

    async countOpen(userId) {
      return rows().filter((intent) => intent.userId === userId && isOpen(intent)).length;
    },

    async insert(fields, now) {
      const id = idSequence();
      await lockRow(id);
      return write({ ...fields, id, uuid: randomUUID(), created: now, modified: now });
    },

    async update(intent) {
      if (table.row(tx, intent.id) === undefined) throw new Error('no result: no checkout intent has this id');
      await lockRow(intent.id);
      const current = table.row(tx, intent.id);
      if (current === undefined) throw new Error('no result: no checkout intent has this id');
      const { id, uuid, userId, stripeProductId, created } = current;
      return write({ ...intent, id, uuid, userId, stripeProductId, created });
    },

    async expireCreated(now, userId) {
      return updateWhere(
        (intent) => isExpired(intent, now) && (userId === undefined || intent.userId === userId),
        (intent) => ({ ...intent, state: 'expired', modified: now }),
      );
    },

    async markStalledPaid(modifiedBefore, message, now) {
      return updateWhere(
        (intent) => isStalled(intent, modifiedBefore),
        (intent) => ({ ...intent, state: 'errored_fulfillment_stalled', lastProvisioningError: message, modified: now }),
      );
    },

    async countByState() {
      const counts = new Map<string, number>();
      for (const intent of rows()) counts.set(intent.state, (counts.get(intent.state) ?? 0) + 1);
      return counts;
    },
  };
}

/** Newest first: created, then id, both descending (the adapter's order and index). */
function newestFirst(left: CheckoutIntent, right: CheckoutIntent): number {
  return right.created.getTime() - left.created.getTime() || right.id - left.id;
}

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** StripeEventLog in memory: the event id is the primary key; a second claim waits for the first claimer to end. */
function stripeEventLogIn(tx: Transaction, table: InMemoryTable<string, StripeEventRow>): StripeEventLog {
  return {
    async claim(event) {
      for (let writer = table.pendingWriter(tx, event.id); writer !== undefined; writer = table.pendingWriter(tx, event.id)) {
        await table.database.waitFor(tx, writer);
      }
      if (table.row(tx, event.id) !== undefined) return false;
      table.write(tx, event.id, { eventId: event.id, outcome: 'in_progress' });
      return true;
    },
    async settle(eventId, outcome) {
      if (table.row(tx, eventId) !== undefined) table.write(tx, eventId, { eventId, outcome });
    },
  };
}
