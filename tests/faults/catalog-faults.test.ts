/**
 * enterprise-catalog faults the sync meets (spec §4: any fetch failure aborts the sync, nothing changes).
 * 500, timeouts, malformed and non-JSON pages, token and catalogs failures are injected by
 * tests/integration/academy-sync-faults.test.ts; this file adds a response that trickles past the timeout,
 * through the real got client and, once, through the admin endpoint.
 */
import t from 'tap';
import { CatalogSourceUnavailable } from '../../src/application/ports/catalog-source.ts';
import { jwtVerifier } from '../../src/adapters/auth/jwt-verifier.ts';
import { postgresAcademyRepository } from '../../src/adapters/postgres/academy-repository.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { academyItem, snapshot, syncRig } from '../helpers/sync-harness.ts';
import { createTestDatabase } from '../helpers/test-database.ts';
import { SignJWT } from 'jose';

const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
const { db } = testDb;
/** syncRig's client: 300 ms per attempt, 2 retries, tiny back-off. */
const BOUND_MS = 3 * 300 + 5_000;

t.test('a page that trickles bytes past the timeout aborts the sync after the bounded retries, with nothing changed', async (t) => {
  const rig = await syncRig(t, db);
  rig.fake.setAcademies([academyItem(1), academyItem(2)]);
  await rig.sync()({ dryRun: false });
  rig.fake.setAcademies([academyItem(1, { title: 'Renamed' }), academyItem(3)]);
  const before = await snapshot(db);
  rig.fake.fail('academies/', { type: 'trickle', intervalMs: 20 });
  const started = Date.now();
  const error = await rig.sync()({ dryRun: false }).catch((caught: unknown) => caught);
  const elapsed = Date.now() - started;
  t.type(error, CatalogSourceUnavailable, 'the sync fails with CatalogSourceUnavailable');
  t.match(String((error as Error).message), /timed out|timeout/i, 'naming the timeout');
  t.ok(elapsed < BOUND_MS, `within the per-attempt timeout × attempts (${elapsed} ms < ${BOUND_MS} ms), not for as long as bytes keep coming`);
  const attempts = rig.fake.requests.filter((request) => request.path.endsWith('/academies/')).length;
  t.equal(attempts, 1 + 1 + 2, 'the first sync’s page plus one attempt and the two bounded retries of this one');
  t.same(await snapshot(db), before, 'the academies table is exactly as before');
});

t.test('the admin endpoint answers 502 catalog_unavailable on a trickling catalog and changes nothing', async (t) => {
  const rig = await syncRig(t, db);
  rig.fake.setAcademies([academyItem(1)]);
  await rig.sync()({ dryRun: false });
  const before = await snapshot(db);
  rig.fake.fail('academies/', { type: 'trickle', intervalMs: 20 });
  const secret = 'a-test-secret-of-at-least-thirty-two-bytes';
  const app = await buildTestApp({
    academies: postgresAcademyRepository(db),
    prices: fakePriceSource([]),
    tokenVerifier: jwtVerifier({ secretKey: secret }),
    syncAcademies: rig.sync(),
  });
  t.teardown(() => app.close());
  const token = await new SignJWT({ user_id: 'ops', administrator: true })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret));
  const res = await app.inject({ method: 'POST', url: '/api/v1/admin/academy-sync', headers: { authorization: `JWT ${token}` }, payload: {} });
  t.equal(res.statusCode, 502, '502');
  t.equal(res.json().error_code, 'catalog_unavailable', 'error_code catalog_unavailable');
  t.same(await snapshot(db), before, 'nothing changed');
});
