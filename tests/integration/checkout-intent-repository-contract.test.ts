/**
 * The CheckoutIntentRepository and UnitOfWork contracts (tests/contracts/checkout-intent-*.contract.ts) on the
 * PostgreSQL adapters and on the in-memory ones the use-case tests stand on.
 */
import t from 'tap';
import { postgresCheckoutIntentRepository } from '../../src/adapters/postgres/checkout-intent-repository.ts';
import { postgresUnitOfWork } from '../../src/adapters/postgres/unit-of-work.ts';
import { checkoutIntentRepositoryContract } from '../contracts/checkout-intent-repository.contract.ts';
import { checkoutIntentUnitOfWorkContract } from '../contracts/checkout-intent-unit-of-work.contract.ts';
import { inMemoryIntentStore } from '../helpers/in-memory-checkout-intent-repository.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
const { db } = testDb;

t.test(`PostgreSQL adapters (${testDb.kind})`, async (t) => {
  const make = async () => {
    await db.deleteFrom('checkout_intents').execute();
    await db.deleteFrom('stripe_events').execute();
    return { intents: postgresCheckoutIntentRepository(db), unitOfWork: postgresUnitOfWork(db) };
  };
  t.test('repository', async (t) => checkoutIntentRepositoryContract(t, make));
  // PGlite has one connection: a second transaction cannot begin while the first is open.
  t.test('unit of work', async (t) => checkoutIntentUnitOfWorkContract(t, make, { concurrentTransactions: testDb.kind !== 'pglite' }));
});

t.test('in-memory store (tests/helpers)', async (t) => {
  const make = async () => inMemoryIntentStore();
  t.test('repository', async (t) => checkoutIntentRepositoryContract(t, make));
  t.test('unit of work', async (t) => checkoutIntentUnitOfWorkContract(t, make, { concurrentTransactions: true }));
});
