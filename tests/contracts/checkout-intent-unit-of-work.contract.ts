import type { Test } from 'tap';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CheckoutIntentRepository } from '../../src/application/ports/checkout-intent-repository.ts';
import type { StripeEventRecord } from '../../src/application/ports/stripe-event-log.ts';
import { NOW, newIntent, type MakeIntentStore } from './checkout-intent-repository.contract.ts';

export interface UnitOfWorkContractOptions {
  /** False on an engine with one connection (PGlite): a second transaction waits for the first to end before it starts. */
  readonly concurrentTransactions: boolean;
}

type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };
const settle = <T>(promise: Promise<T>): Promise<Settled<T>> =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

/** Yields until `condition` holds (no fixed sleep: the other side gets there when it gets there). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await nextTurn();
}

/** Three round trips on another connection: ample time for a statement that is not blocked to answer. */
async function roundTrips(intents: CheckoutIntentRepository): Promise<void> {
  for (let i = 0; i < 3; i += 1) {
    await intents.countByState();
    await nextTurn();
  }
}

const event = (id: string): StripeEventRecord => ({ id, type: 'checkout.session.completed', checkoutSessionId: 'cs_1', stripeCreated: NOW });

/**
 * What every UnitOfWork over checkout intents promises (src/application/ports/unit-of-work.ts), on the PostgreSQL
 * adapter and the in-memory one: all of a unit of work commits or none of it does; until it commits, nobody else
 * sees its writes; row locks, the user and reservation locks, and a uniqueness check that meets an uncommitted
 * write all wait for the other unit of work to end; a lock cycle fails one of the two; a Stripe event is claimed once.
 * "Waits" is observed, not timed: the waiter has not answered after the holder's further round trips, and reads what
 * the holder left.
 */
export function checkoutIntentUnitOfWorkContract(t: Test, make: MakeIntentStore, options: UnitOfWorkContractOptions): void {
  const concurrent = options.concurrentTransactions ? {} : { skip: 'needs two transactions at once (a database server)' };

  t.test('a unit of work that resolves commits all of its writes and returns its value', async (t) => {
    const { intents, unitOfWork } = await make();
    const kept = await intents.insert(newIntent(), NOW);
    const value = await unitOfWork.run(async (scope) => {
      await scope.intents.update({ ...kept, quantity: 2 });
      return scope.intents.insert(newIntent({ stripeProductId: 'prod_b' }), NOW);
    });
    t.equal((await intents.findByUuid(value.uuid))?.stripeProductId, 'prod_b', 'its insert');
    t.equal((await intents.findByUuid(kept.uuid))?.quantity, 2, 'its update');
  });

  t.test('a unit of work that throws leaves nothing written: inserts, updates, bulk moves and Stripe event claims', async (t) => {
    const { intents, unitOfWork } = await make();
    const kept = await intents.insert(newIntent({ expiresAt: NOW }), NOW);
    const failure = new Error('the work failed');
    await t.rejects(
      unitOfWork.run(async (scope) => {
        await scope.intents.insert(newIntent({ stripeProductId: 'prod_b' }), NOW);
        await scope.intents.update({ ...kept, quantity: 2 });
        await scope.intents.expireCreated(NOW);
        t.equal(await scope.stripeEvents.claim(event('evt_rolled_back'), NOW), true, 'claimed inside');
        t.equal((await scope.intents.list({ limit: 10, offset: 0 })).total, 2, 'it reads its own writes');
        throw failure;
      }),
      failure,
      'run rejects with the work’s error',
    );
    t.same(await intents.list({ limit: 10, offset: 0 }), { total: 1, intents: [kept] }, 'the store is as it was');
    t.equal(await unitOfWork.run((scope) => scope.stripeEvents.claim(event('evt_rolled_back'), NOW)), true, 'the event can be claimed again');
  });

  t.test('a write the database refuses fails the whole unit of work, its earlier writes too', async (t) => {
    const { intents, unitOfWork } = await make();
    await intents.insert(newIntent(), NOW);
    await t.rejects(
      unitOfWork.run(async (scope) => {
        await scope.intents.insert(newIntent({ stripeProductId: 'prod_b' }), NOW);
        await scope.intents.insert(newIntent(), NOW);
      }),
      { code: 'checkout_intent.active_conflict' },
    );
    t.equal((await intents.list({ limit: 10, offset: 0 })).total, 1, 'the prod_b intent was not kept');
  });

  t.test('a Stripe event is claimed once: a replay after the first unit of work committed gets false', async (t) => {
    const { unitOfWork } = await make();
    t.equal(await unitOfWork.run(async (scope) => {
      const claimed = await scope.stripeEvents.claim(event('evt_1'), NOW);
      await scope.stripeEvents.settle('evt_1', 'marked_paid');
      return claimed;
    }), true, 'first delivery');
    t.equal(await unitOfWork.run((scope) => scope.stripeEvents.claim(event('evt_1'), NOW)), false, 'the replay');
    t.equal(await unitOfWork.run((scope) => scope.stripeEvents.claim(event('evt_2'), NOW)), true, 'another event');
  });

  t.test('until it commits, a unit of work’s writes are its own: others read the committed rows', concurrent, async (t) => {
    const { intents, unitOfWork } = await make();
    const kept = await intents.insert(newIntent(), NOW);
    const inserted = await unitOfWork.run(async (scope) => {
      await scope.intents.update({ ...kept, quantity: 2 });
      const added = await scope.intents.insert(newIntent({ stripeProductId: 'prod_b' }), NOW);
      t.equal((await scope.intents.findByUuid(kept.uuid))?.quantity, 2, 'inside: its update');
      t.equal((await intents.findByUuid(kept.uuid))?.quantity, 1, 'outside: the committed row, without waiting for the lock');
      t.equal(await intents.findByUuid(added.uuid), null, 'outside: not its insert');
      t.equal(await intents.countOpen('u1'), 1, 'outside: counts without it');
      return added;
    });
    t.equal((await intents.findByUuid(inserted.uuid))?.quantity, 1, 'after the commit: its insert');
    t.equal((await intents.findByUuid(kept.uuid))?.quantity, 2, 'and its update');
  });

  t.test('findByUuid forUpdate holds the row until the unit of work ends: another locker or writer waits, then sees its write', concurrent, async (t) => {
    const { intents, unitOfWork } = await make();
    const row = await intents.insert(newIntent(), NOW);
    let lockerStarted = false;
    let lockerDone = false;
    let writerDone = false;
    let locker: Promise<Settled<number | undefined>> | undefined;
    let writer: Promise<Settled<unknown>> | undefined;
    await unitOfWork.run(async (scope) => {
      const locked = await scope.intents.findByUuid(row.uuid, { forUpdate: true });
      locker = settle(
        unitOfWork.run(async (other) => {
          lockerStarted = true;
          const seen = await other.intents.findByUuid(row.uuid, { forUpdate: true });
          lockerDone = true;
          return seen?.quantity;
        }),
      );
      await until(() => lockerStarted);
      writer = settle(intents.expireCreated(new Date(row.expiresAt.getTime() + 1)).finally(() => (writerDone = true)));
      await roundTrips(intents);
      t.equal(lockerDone, false, 'another forUpdate waits');
      t.equal(writerDone, false, 'a bulk update of the row waits');
      if (locked) await scope.intents.update({ ...locked, quantity: 2 });
    });
    t.same(await locker, { ok: true, value: 2 }, 'the locker read the row as the holder left it');
    t.same(await writer, { ok: true, value: 1 }, 'the bulk update then moved it');
  });

  t.test("an insert meeting another unit of work's uncommitted active intent waits: refused if that commits, stored if it rolls back", concurrent, async (t) => {
    const { intents, unitOfWork } = await make();
    for (const outcome of ['commit', 'roll back'] as const) {
      const userId = `u-${outcome}`;
      let second: Promise<Settled<unknown>> | undefined;
      let secondDone = false;
      await settle(
        unitOfWork.run(async (scope) => {
          await scope.intents.insert(newIntent({ userId }), NOW);
          second = settle(intents.insert(newIntent({ userId, quantity: 2 }), NOW).finally(() => (secondDone = true)));
          await roundTrips(intents);
          t.equal(secondDone, false, `${outcome}: the second insert waits`);
          if (outcome === 'roll back') throw new Error('rolled back');
        }),
      );
      const result = await second;
      if (outcome === 'commit') t.match(result, { ok: false, error: { code: 'checkout_intent.active_conflict' } }, 'then is refused');
      else t.match(result, { ok: true, value: { userId, quantity: 2 } }, 'then is stored');
    }
  });

  t.test('lockUser and lockReservations wait for the holder; other users and other keys do not', concurrent, async (t) => {
    const { intents, unitOfWork } = await make();
    const done = { user: false, otherUser: false, reservation: false, otherReservation: false };
    const attempts: Array<Promise<Settled<void>>> = [];
    await unitOfWork.run(async (scope) => {
      await scope.locks.lockUser('u1');
      await scope.locks.lockReservations(['slug:acme', 'name:acme']);
      const attempt = (name: keyof typeof done, lock: (locks: typeof scope.locks) => Promise<void>) =>
        attempts.push(settle(unitOfWork.run(async (other) => lock(other.locks)).then(() => void (done[name] = true))));
      attempt('user', (locks) => locks.lockUser('u1'));
      attempt('otherUser', (locks) => locks.lockUser('u2'));
      attempt('reservation', (locks) => locks.lockReservations(['name:acme', 'slug:globex']));
      // Keys of their own: a waiter may already hold some of its keys (the adapter takes them in hash order).
      attempt('otherReservation', (locks) => locks.lockReservations(['slug:initech', 'name:initech']));
      await until(() => done.otherUser && done.otherReservation);
      await roundTrips(intents);
      t.same(done, { user: false, otherUser: true, reservation: false, otherReservation: true }, 'only the same user and a shared key wait');
    });
    await Promise.all(attempts);
    t.same(done, { user: true, otherUser: true, reservation: true, otherReservation: true }, 'the waiters got their locks once it ended');
  });

  t.test('a Stripe event claimed by a running unit of work: a second claim waits, then gets false', concurrent, async (t) => {
    const { intents, unitOfWork } = await make();
    let second: Promise<Settled<boolean>> | undefined;
    let secondDone = false;
    await unitOfWork.run(async (scope) => {
      await scope.stripeEvents.claim(event('evt_race'), NOW);
      second = settle(unitOfWork.run((other) => other.stripeEvents.claim(event('evt_race'), NOW)).finally(() => (secondDone = true)));
      await roundTrips(intents);
      t.equal(secondDone, false, 'the second claim waits');
    });
    t.same(await second, { ok: true, value: false }, 'then finds it claimed');
  });

  t.test('two units of work locking two rows crosswise: one fails with 40P01 and writes nothing, the other commits', concurrent, async (t) => {
    const { intents, unitOfWork } = await make();
    const first = await intents.insert(newIntent({ stripeProductId: 'prod_a' }), NOW);
    const second = await intents.insert(newIntent({ stripeProductId: 'prod_b' }), NOW);
    const holding = { left: false, right: false };
    const crosswise = (name: 'left' | 'right', own: typeof first, theirs: typeof first, quantity: number) =>
      settle(
        unitOfWork.run(async (scope) => {
          await scope.intents.update({ ...own, quantity });
          holding[name] = true;
          await until(() => holding.left && holding.right);
          await scope.intents.update({ ...theirs, quantity });
          return quantity;
        }),
      );
    const results = await Promise.all([crosswise('left', first, second, 2), crosswise('right', second, first, 3)]);
    const failed = results.filter((result) => !result.ok);
    t.equal(failed.length, 1, 'one of them fails');
    t.match(failed[0], { error: { code: '40P01' } }, 'as a deadlock');
    const survivor = results.find((result) => result.ok);
    const quantities = [(await intents.findByUuid(first.uuid))?.quantity, (await intents.findByUuid(second.uuid))?.quantity];
    t.same(quantities, [survivor?.ok ? survivor.value : -1, survivor?.ok ? survivor.value : -1], "both rows hold the survivor's writes only");
  });
}
