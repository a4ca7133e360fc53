import { DomainError } from '../../domain/errors.ts';
import type { Academy, AcademyFields } from '../../domain/academy.ts';

/** One academy's new field values, for `updateMany`. */
export interface AcademyUpdate {
  readonly uuid: string;
  readonly fields: AcademyFields;
}

/**
 * The academies as one sync transaction sees and changes them. Every write is
 * batched: a constant number of statements whatever the number of rows.
 */
export interface AcademySyncTransaction {
  /** Every academy, active or not. */
  allAcademies(): Promise<Academy[]>;
  insertMany(fields: readonly AcademyFields[]): Promise<void>;
  /** Applies the new values; may hand unique keys over between the updated rows (swaps included). */
  updateMany(updates: readonly AcademyUpdate[]): Promise<void>;
  deactivate(uuids: readonly string[]): Promise<void>;
}

/** Serializes syncs: `runExclusive` runs `work` in one transaction that no other sync interleaves with. */
export interface AcademySyncStore {
  /** Commits when `work` resolves, rolls back when it rejects. */
  runExclusive<T>(work: (transaction: AcademySyncTransaction) => Promise<T>): Promise<T>;
}

/** A write hit a unique constraint after all (the in-memory collision check missed it); the sync rolled back. */
export class AcademySyncConflict extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('academy_sync.conflict', message, options);
  }
}
