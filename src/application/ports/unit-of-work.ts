import type { CheckoutIntentRepository } from './checkout-intent-repository.ts';
import type { StripeEventLog } from './stripe-event-log.ts';

/** Transaction-scoped locks that serialise writers who would otherwise race between a read and a write. */
export interface CheckoutIntentLocks {
  /** Waits for, then holds, the user's create-or-update lock until the unit of work ends. */
  lockUser(userId: string): Promise<void>;
  /** Waits for, then holds, locks on these enterprise slugs/names (cross-user reservations) until the unit of work ends. */
  lockReservations(keys: readonly string[]): Promise<void>;
}

export interface UnitOfWorkScope {
  readonly intents: CheckoutIntentRepository;
  readonly locks: CheckoutIntentLocks;
  readonly stripeEvents: StripeEventLog;
}

/** Runs `work` in one database transaction: all of it commits, or none of it does. */
export interface UnitOfWork {
  run<T>(work: (scope: UnitOfWorkScope) => Promise<T>): Promise<T>;
}
