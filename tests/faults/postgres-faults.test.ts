/**
 * PostgreSQL faults against the real `serve` process (spec §3: database failure → 502; §7: /readyz 503):
 * backends killed mid-request with pg_terminate_backend, and the server unreachable (refused, then
 * partitioned) through a TCP proxy the test controls — the shared server itself is never stopped.
 */
import t, { type Test } from 'tap';
import pg from 'pg';
import { createTestDatabase } from '../helpers/test-database.ts';
import { startService } from '../helpers/service-process.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const LIST = '/api/v1/academy-products/';
const SERVICE_UNAVAILABLE = { error_code: 'academy_service_unavailable', detail: 'Retry later.' };
/** "Fast" on a loaded 2-core machine: well under a client's patience, far above the happy path. */
const FAST_MS = 6_000;

if (!process.env.TEST_DATABASE_URL) {
  const reason = 'needs a real PostgreSQL server: set TEST_DATABASE_URL (PGlite runs in-process and cannot lose its connection)';
  for (const name of ['backends killed mid-request (pg_terminate_backend)', 'PostgreSQL unreachable (refused, partitioned) and recovery']) {
    t.test(name, { skip: reason }, async () => {});
  }
} else {
  await run();
}

async function run(): Promise<void> {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.close());
  const directUrl = new URL(testDb.url ?? '');
  const proxy: TcpProxy = await startTcpProxy({ host: directUrl.hostname, port: Number(directUrl.port || 5432) });
  t.teardown(() => proxy.close());
  const viaProxy = new URL(directUrl);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const service = await startService({ DATABASE_URL: viaProxy.toString(), DATABASE_POOL_MAX: '4', LOG_LEVEL: 'info', ACADEMY_PRODUCTS_RATE_LIMIT: '100000/hour' });
  t.teardown(() => service.stop('SIGKILL'));
  const pid = service.child.pid;

  t.test('a request whose backend is killed mid-query answers 502 at once, and the next one is served', async (t) => {
    const admin = await lockedCatalogue(t);
    const blocked = await requestsUntilOneWaitsOnTheLock(admin);
    const killedAt = Date.now();
    for (const backend of blocked.waiters) await admin.query('select pg_terminate_backend($1)', [backend]);
    const statuses = await Promise.all(blocked.requests.map(async (request) => (await request).status));
    t.ok(statuses.includes(502), `the request whose connection died is a 502 (statuses: ${statuses.join(', ')})`);
    t.ok(statuses.every((status) => status === 200 || status === 502), 'the others were answered from the snapshot (200)');
    t.ok(Date.now() - killedAt < FAST_MS, `answered within ${FAST_MS} ms of the kill`);
    const failed = await Promise.all(blocked.requests.map(async (request) => (await request).clone()));
    const body = await failed.find((res) => res.status === 502)?.json();
    t.same(body, SERVICE_UNAVAILABLE, 'with the documented body and nothing internal');
    await admin.query('rollback');

    const next = await requestUntil(LIST, 200, 10_000);
    t.equal(next.res.status, 200, `the list is served again by the same process (statuses on the way: ${next.statuses.join(', ')})`);
  });

  t.test('killing every backend of the service (idle ones included) never crashes it and it recovers by itself', async (t) => {
    const admin = new pg.Client({ connectionString: testDb.url });
    await admin.connect();
    t.teardown(() => admin.end());
    const killed = await admin.query<{ killed: boolean }>(
      "select pg_terminate_backend(pid) as killed from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'",
    );
    t.ok(killed.rows.length > 0, 'the service had backends to kill');
    const statuses = new Set<number>();
    const recovered = await pollFor(async () => {
      const res = await fetch(`${service.baseUrl}${LIST}`);
      statuses.add(res.status);
      return res.status === 200 ? res : undefined;
    }, 15_000);
    t.equal(recovered.status, 200, 'the list is served again');
    const ready = await requestUntil('/readyz', 200, 15_000);
    t.equal(ready.res.status, 200, `/readyz (a real database round trip) is 200 again (statuses on the way: ${ready.statuses.join(', ')})`);
    t.ok([...statuses].every((status) => status === 200 || status === 502), `only 200 or 502 on the way (${[...statuses].join(', ')})`);
    t.equal(service.child.exitCode, null, 'the process is still running');
    t.equal(service.child.pid, pid, 'and was not restarted');
  });

  t.test('a connection cut while its query is in flight answers 502 and the process keeps running', async (t) => {
    const admin = await lockedCatalogue(t);
    const blocked = await requestsUntilOneWaitsOnTheLock(admin);
    // A reset with no error message from the server (failover, network): the client sees the socket end mid-query.
    await proxy.setMode('refuse');
    const statuses = await Promise.all(blocked.requests.map(async (request) => (await request).status));
    t.ok(statuses.includes(502), `the cut request is a 502 (statuses: ${statuses.join(', ')})`);
    await new Promise((resolve) => setTimeout(resolve, 200)); // let a crash, if any, happen
    t.equal(service.child.exitCode, null, 'the process did not crash on the connection error');
    await admin.query('rollback');
    await proxy.setMode('forward');
  });

  t.test('with PostgreSQL refusing connections, public requests get 502 fast and /readyz 503', async (t) => {
    await proxy.setMode('refuse');
    t.teardown(() => proxy.setMode('forward'));
    for (const path of [LIST, `${LIST}prod_data/`]) {
      const { res, slowestMs, statuses } = await requestUntil(path, 502, 10_000);
      t.equal(res.status, 502, `${path} is a 502 once the catalogue snapshot (≤ 1 s old) is due`);
      t.same(await res.json(), SERVICE_UNAVAILABLE, `${path} has the documented body`);
      t.ok(slowestMs < FAST_MS, `every ${path} request answered fast (slowest ${slowestMs} ms < ${FAST_MS})`);
      t.ok(statuses.every((status) => status === 200 || status === 502), `${path}: only 200 (snapshot) then 502`);
    }
    const { value: ready, ms } = await timed(() => fetch(`${service.baseUrl}/readyz`));
    t.equal(ready.status, 503, '/readyz reports the database outage');
    t.ok(ms < FAST_MS, `/readyz answered in ${ms} ms`);
    t.equal((await fetch(`${service.baseUrl}/healthz`)).status, 200, '/healthz stays 200: the process is alive, restarting it would not help');
    t.match(service.output().stdout, /"msg":"request failed"/, 'the failure is logged as "request failed"');
    t.match(service.output().stdout, /"msg":"readiness check failed"/, 'the readiness failure is logged');
  });

  t.test('when PostgreSQL accepts connections again the service recovers without a restart', async (t) => {
    await proxy.setMode('forward');
    await pollFor(async () => ((await fetch(`${service.baseUrl}/readyz`)).status === 200 ? true : undefined), 15_000);
    const res = await fetch(`${service.baseUrl}${LIST}`);
    t.equal(res.status, 200, 'the list is served again');
    t.ok(((await res.json()) as { count: number }).count > 0, 'with the catalogue');
    t.equal(service.child.pid, pid, 'by the same process');
  });

  t.test('during a network partition (connections stall, nothing answers) requests get 502 within bounds and /readyz 503', async (t) => {
    // Warm the pool so the partition catches established connections, not only new ones.
    await Promise.all([1, 2, 3].map(() => fetch(`${service.baseUrl}${LIST}`)));
    await proxy.setMode('blackhole');
    t.teardown(() => proxy.setMode('forward'));
    const results = await Promise.all([LIST, `${LIST}prod_data/`].map((path) => requestUntil(path, 502, 30_000)));
    for (const { res, slowestMs } of results) {
      t.equal(res.status, 502, 'a stalled database is a 502');
      t.ok(slowestMs < 15_000, `every request answered within ${slowestMs} ms (statement bound QUERY_TIMEOUT_MS = 10 s, < 15 s)`);
    }
    const { value: ready, ms } = await timed(() => fetch(`${service.baseUrl}/readyz`));
    t.equal(ready.status, 503, '/readyz is 503');
    t.ok(ms < FAST_MS, `/readyz answered in ${ms} ms (its own 2 s bound)`);

    await proxy.setMode('forward');
    await pollFor(async () => ((await fetch(`${service.baseUrl}${LIST}`)).status === 200 ? true : undefined), 30_000);
    t.equal((await fetch(`${service.baseUrl}/readyz`)).status, 200, 'after the partition /readyz is 200 again, same process');
    t.equal(service.child.pid, pid, 'no restart was needed');
  });

  /** An admin connection holding every table of the service (academies and the catalogue version) in a transaction. */
  async function lockedCatalogue(t: Test): Promise<pg.Client> {
    const admin = new pg.Client({ connectionString: testDb.url });
    await admin.connect();
    t.teardown(() => admin.end());
    const { rows } = await admin.query<{ tables: string }>(
      "select string_agg(format('%I', tablename), ', ') as tables from pg_tables where schemaname = 'public' and tablename not like 'kysely%'",
    );
    await admin.query('begin');
    await admin.query(`lock table ${rows[0]?.tables ?? 'academies'} in access exclusive mode`);
    return admin;
  }

  /**
   * Fires list requests every 100 ms until one is provably waiting in PostgreSQL (the list answers from a
   * snapshot up to 1 s old, so the first ones may not reach the database): the requests, and the waiting backends.
   */
  async function requestsUntilOneWaitsOnTheLock(admin: pg.Client): Promise<{ requests: Promise<Response>[]; waiters: number[] }> {
    const requests: Promise<Response>[] = [];
    const waiters = await pollFor(async () => {
      requests.push(fetch(`${service.baseUrl}${LIST}`));
      const { rows } = await admin.query<{ pid: number }>(
        "select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()",
      );
      return rows.length > 0 ? rows.map((row) => row.pid) : undefined;
    }, 30_000).catch(async (error: unknown) => {
      const activity = await admin.query('select pid, state, wait_event_type, left(query, 60) as q from pg_stat_activity where datname = current_database()');
      const statuses = await Promise.all(requests.slice(0, 5).map(async (r) => (await r).status));
      throw new Error(`${String(error)}; activity ${JSON.stringify(activity.rows)}; statuses ${statuses.join(',')}; log ${service.output().stdout.slice(-1500)} ${service.output().stderr.slice(-800)}`);
    });
    return { requests, waiters };
  }

  /** Requests `path` until it answers `status`, recording every status and the slowest answer. */
  async function requestUntil(path: string, status: number, withinMs: number) {
    const statuses: number[] = [];
    let slowestMs = 0;
    const res = await pollFor(async () => {
      const { value, ms } = await timed(() => fetch(`${service.baseUrl}${path}`));
      statuses.push(value.status);
      slowestMs = Math.max(slowestMs, ms);
      return value.status === status ? value : undefined;
    }, withinMs);
    return { res, slowestMs, statuses };
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

/** Polls every 100 ms until `probe` gives a value, or throws after `withinMs`. */
async function pollFor<T>(probe: () => Promise<T | undefined>, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

