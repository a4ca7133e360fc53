import type { Kysely } from 'kysely';
import type { Database } from '../../src/adapters/postgres/database.ts';
import { postgresCheckoutIntentRepository } from '../../src/adapters/postgres/checkout-intent-repository.ts';
import { postgresUnitOfWork } from '../../src/adapters/postgres/unit-of-work.ts';
import type { CheckoutIntentRow, NewCheckoutIntentRow } from '../../src/adapters/postgres/tables/checkout-intents.ts';
import { makeCreateOrUpdateIntent, makeCurrentIntent, makeGetIntent, makeListIntents, type CreateOrUpdateIntentDeps } from '../../src/application/checkout-intents.ts';
import { makeExpireIntents, makeMarkStalledIntents, makeTransitionIntent } from '../../src/application/checkout-intent-lifecycle.ts';
import type { Clock } from '../../src/application/ports/clock.ts';
import type { AcademyRepository } from '../../src/application/ports/academy-repository.ts';
import type { CheckoutIntentRepository } from '../../src/application/ports/checkout-intent-repository.ts';
import type { UnitOfWork } from '../../src/application/ports/unit-of-work.ts';
import { inMemoryAcademyRepository } from './in-memory-academy-repository.ts';

/** A clock the test moves by hand. */
export interface ManualClock extends Clock {
  set(at: Date | string): void;
  advanceMinutes(minutes: number): void;
}

export function manualClock(start: Date | string = '2025-03-01T12:00:00.000Z'): ManualClock {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set(at) {
      current = new Date(at);
    },
    advanceMinutes(minutes) {
      current = new Date(current.getTime() + minutes * 60_000);
    },
  };
}

export const RESERVATION_MINUTES = 1440;
export const STALLED_SECONDS = 180;

/** The academy products the tests' intents are for; any other (but '') is refused as unsold. */
export const SOLD_PRODUCTS = ['prod_a', 'prod_b', 'prod_c', 'prod_d', 'prod_academy', 'prod_data', 'prod_fuzz', 'prod_1', 'prod_x', 'prod_ai'];
export const MAX_OPEN_INTENTS = 20;

export interface IntentUseCaseOptions {
  readonly academies?: AcademyRepository;
  readonly maxOpenIntentsPerUser?: number;
  readonly sessions?: CreateOrUpdateIntentDeps['sessions'];
}

/** Every checkout-intent use case over the real PostgreSQL adapters, as the composition root wires them. */
export function intentUseCases(db: Kysely<Database>, clock: Clock, options: IntentUseCaseOptions = {}) {
  return intentUseCasesOver({ intents: postgresCheckoutIntentRepository(db), unitOfWork: postgresUnitOfWork(db) }, clock, options);
}

/** The same use cases over any repository and unit of work (the in-memory store in unit tests). */
export function intentUseCasesOver(
  store: { readonly intents: CheckoutIntentRepository; readonly unitOfWork: UnitOfWork },
  clock: Clock,
  options: IntentUseCaseOptions = {},
) {
  const deps = { intents: store.intents, unitOfWork: store.unitOfWork, clock, reservationMinutes: RESERVATION_MINUTES };
  const academies = options.academies ?? inMemoryAcademyRepository(SOLD_PRODUCTS.map((stripeProductId) => ({ stripeProductId, name: stripeProductId })));
  return {
    ...deps,
    currentIntent: makeCurrentIntent(deps),
    createOrUpdateIntent: makeCreateOrUpdateIntent({
      ...deps,
      academies,
      maxOpenIntentsPerUser: options.maxOpenIntentsPerUser ?? MAX_OPEN_INTENTS,
      sessions: options.sessions ?? null,
    }),
    listIntents: makeListIntents(deps),
    getIntent: makeGetIntent(deps),
    transitionIntent: makeTransitionIntent(deps),
    expireIntents: makeExpireIntents(deps),
    markStalledIntents: makeMarkStalledIntents({ ...deps, stalledFulfillmentSeconds: STALLED_SECONDS }),
  };
}

/**
 * Inserts one intent row with raw Kysely (bypassing repository and use cases), so tests can
 * prove what the database itself accepts or refuses. Defaults: a created academy intent of user `u1`.
 */
export async function insertIntent(db: Kysely<Database>, overrides: Partial<NewCheckoutIntentRow> = {}): Promise<CheckoutIntentRow> {
  return db
    .insertInto('checkout_intents')
    .values({
      user_id: 'u1',
      stripe_product_id: 'prod_academy',
      state: 'created',
      quantity: 1,
      expires_at: new Date(Date.now() + 86_400_000),
      enterprise_name: null,
      enterprise_slug: null,
      enterprise_uuid: null,
      stripe_customer_id: null,
      stripe_checkout_session_id: null,
      country: null,
      last_checkout_error: null,
      last_provisioning_error: null,
      ...overrides,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
