/**
 * The transaction semantics the PostgreSQL adapters rely on, in memory, for the in-memory repositories: each
 * transaction sees the committed rows plus its own writes (read committed), and nothing of another running
 * transaction's; locks are held until the transaction ends; a constraint check that meets another running
 * transaction's write waits for it to end, as PostgreSQL's unique and exclusion checks do; a rollback leaves
 * nothing; a lock cycle fails one waiter with 40P01 (PostgreSQL does after deadlock_timeout) instead of hanging.
 */
export class Transaction {
  /** The transaction this one waits for (a lock or a row it wrote), for deadlock detection. */
  waitingFor: Transaction | null = null;
  readonly locks = new Set<string>();
  private finish: () => void = () => {};
  /** Settles when the transaction commits or rolls back. */
  readonly ended = new Promise<void>((resolve) => {
    this.finish = resolve;
  });

  end(): void {
    this.finish();
  }
}

/** An error shaped like the driver's: PostgreSQL's SQLSTATE in `code`, the constraint's name when one refused. */
export function databaseError(code: string, message: string, constraint?: string): Error {
  return Object.assign(new Error(message), { code, ...(constraint === undefined ? {} : { constraint }) });
}

interface TransactionalTable {
  commit(tx: Transaction): void;
  discard(tx: Transaction): void;
}

export class InMemoryDatabase {
  private readonly tables: TransactionalTable[] = [];
  private readonly lockHolders = new Map<string, Transaction>();

  table<K, V>(): InMemoryTable<K, V> {
    const table = new InMemoryTable<K, V>(this);
    this.tables.push(table);
    return table;
  }

  /** Runs `work` in a transaction of its own: committed if it resolves, rolled back (nothing written) if it throws. */
  async run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const tx = new Transaction();
    try {
      const result = await work(tx);
      this.finish(tx, (table) => table.commit(tx));
      return result;
    } catch (error) {
      this.finish(tx, (table) => table.discard(tx));
      throw error;
    }
  }

  /** Waits for, then holds, `key` until `tx` ends. */
  async lock(tx: Transaction, key: string): Promise<void> {
    for (let holder = this.lockHolders.get(key); holder !== undefined && holder !== tx; holder = this.lockHolders.get(key)) {
      await this.waitFor(tx, holder);
    }
    this.lockHolders.set(key, tx);
    tx.locks.add(key);
  }

  /** Waits until `other` ends; fails with 40P01 if `other` (or whoever it waits for) waits for `tx`. */
  async waitFor(tx: Transaction, other: Transaction): Promise<void> {
    for (let next: Transaction | null = other; next !== null; next = next.waitingFor) {
      if (next === tx) throw databaseError('40P01', 'deadlock detected');
    }
    tx.waitingFor = other;
    try {
      await other.ended;
    } finally {
      tx.waitingFor = null;
    }
  }

  private finish(tx: Transaction, settle: (table: TransactionalTable) => void): void {
    for (const table of this.tables) settle(table);
    for (const key of tx.locks) this.lockHolders.delete(key);
    tx.end();
  }
}

/** Rows by key; each running transaction's writes are kept apart until it commits. */
export class InMemoryTable<K, V> implements TransactionalTable {
  private readonly committed = new Map<K, V>();
  private readonly uncommitted = new Map<Transaction, Map<K, V>>();

  constructor(readonly database: InMemoryDatabase) {}

  /** The rows `tx` reads: the committed ones with its own writes over them. */
  rows(tx: Transaction): V[] {
    const merged = new Map(this.committed);
    for (const [key, row] of this.uncommitted.get(tx) ?? []) merged.set(key, row);
    return [...merged.values()];
  }

  row(tx: Transaction, key: K): V | undefined {
    return this.uncommitted.get(tx)?.get(key) ?? this.committed.get(key);
  }

  /** Every committed row, outside any transaction (for assertions). */
  committedRows(): V[] {
    return [...this.committed.values()];
  }

  /**
   * What a constraint check by `tx` meets: the rows it reads that no other running transaction is changing
   * (`settled`), and the rows other running transactions write or replace, with their writer (`pending`).
   */
  constraintView(tx: Transaction): { settled: Array<[K, V]>; pending: Array<[K, V, Transaction]> } {
    const pending: Array<[K, V, Transaction]> = [];
    const changing = new Set<K>();
    for (const [writer, writes] of this.uncommitted) {
      if (writer === tx) continue;
      for (const [key, row] of writes) {
        changing.add(key);
        pending.push([key, row, writer]);
        const replaced = this.committed.get(key);
        if (replaced !== undefined) pending.push([key, replaced, writer]);
      }
    }
    const merged = new Map(this.committed);
    for (const [key, row] of this.uncommitted.get(tx) ?? []) merged.set(key, row);
    const settled = [...merged].filter(([key]) => !changing.has(key));
    return { settled, pending };
  }

  /** The writer of `key` among the other running transactions, if any. */
  pendingWriter(tx: Transaction, key: K): Transaction | undefined {
    for (const [writer, writes] of this.uncommitted) if (writer !== tx && writes.has(key)) return writer;
    return undefined;
  }

  write(tx: Transaction, key: K, row: V): void {
    let writes = this.uncommitted.get(tx);
    if (!writes) this.uncommitted.set(tx, (writes = new Map()));
    writes.set(key, row);
  }

  commit(tx: Transaction): void {
    for (const [key, row] of this.uncommitted.get(tx) ?? []) this.committed.set(key, row);
    this.uncommitted.delete(tx);
  }

  discard(tx: Transaction): void {
    this.uncommitted.delete(tx);
  }
}
