import t from 'tap';
import type { Test } from 'tap';
import { SignJWT } from 'jose';
import { jwtVerifier } from '../../src/adapters/auth/jwt-verifier.ts';
import { postgresAcademyRepository } from '../../src/adapters/postgres/academy-repository.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { academyItem, rowsByName, snapshot, syncRig } from '../helpers/sync-harness.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

const testDatabase = await createTestDatabase();
t.teardown(() => testDatabase.close());
const { db } = testDatabase;

const SECRET = 'a-test-secret-of-at-least-thirty-two-bytes';
const PATH = '/api/v1/admin/academy-sync';

function token(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
}

async function appWithCatalog(t: Test, items = [academyItem(1), academyItem(2)]) {
  const rig = await syncRig(t, db, { academies: items });
  const app = await buildTestApp({
    academies: postgresAcademyRepository(db),
    prices: fakePriceSource([]),
    tokenVerifier: jwtVerifier({ secretKey: SECRET }),
    syncAcademies: rig.sync(),
  });
  t.teardown(() => app.close());
  return { app, rig, admin: `JWT ${await token({ user_id: 7, administrator: true })}` };
}

t.test('an administrator gets 200 with the sync report and the public list shows the synced academies', async (t) => {
  const { app, admin } = await appWithCatalog(t);
  const response = await app.inject({ method: 'POST', url: PATH, headers: { authorization: admin } });
  t.equal(response.statusCode, 200, 'the sync ran');
  t.same(response.json(), { ok: true, dry_run: false, fetched: 2, filtered_out: 0, invalid: [], warnings: [], created: 2, updated: 0, unchanged: 0, deactivated: 0 }, 'the report');
  const list = await app.inject({ url: '/api/v1/academy-products/' });
  t.same((list.json() as { results: { name: string }[] }).results.map((r) => r.name), ['Academy 1', 'Academy 2'], 'the public list shows them');
});

t.test('{"dry_run": true} reports without writing', async (t) => {
  const { app, admin } = await appWithCatalog(t);
  const response = await app.inject({ method: 'POST', url: PATH, headers: { authorization: `Bearer ${admin.slice(4)}` }, payload: { dry_run: true } });
  t.equal(response.statusCode, 200, 'a Bearer token works too');
  t.same([response.json().dry_run, response.json().created], [true, 2], 'the dry-run report');
  t.equal((await rowsByName(db)).size, 0, 'nothing was written');
});

t.test('a body that is not {"dry_run": boolean} is a 400', async (t) => {
  const { app, admin } = await appWithCatalog(t);
  const response = await app.inject({ method: 'POST', url: PATH, headers: { authorization: admin }, payload: { dry_run: 'perhaps', extra: 1 } });
  t.equal(response.statusCode, 400, 'refused');
  t.equal((await rowsByName(db)).size, 0, 'nothing was written');
});

t.test('a dry_run that is not a JSON boolean is refused rather than coerced into a real sync', async (t) => {
  const { app, admin } = await appWithCatalog(t);
  for (const dryRun of [null, 0, '', 'true', 'false']) {
    const response = await app.inject({ method: 'POST', url: PATH, headers: { authorization: admin }, payload: { dry_run: dryRun } });
    t.equal(response.statusCode, 400, `dry_run ${JSON.stringify(dryRun)} is a 400`);
  }
  t.equal((await rowsByName(db)).size, 0, 'nothing was written');
});

t.test('without a valid token the answer is 401 and nothing is synced', async (t) => {
  const { app } = await appWithCatalog(t);
  const missing = await app.inject({ method: 'POST', url: PATH });
  t.equal(missing.statusCode, 401, 'no token: 401');
  const forged = await app.inject({ method: 'POST', url: PATH, headers: { authorization: 'JWT not.a.token' } });
  t.equal(forged.statusCode, 401, 'an invalid token: 401');
  t.equal((await rowsByName(db)).size, 0, 'nothing was written');
});

t.test('a valid token without administrator is a 403 and nothing is synced', async (t) => {
  const { app, rig } = await appWithCatalog(t);
  const learner = await token({ user_id: 8 });
  const response = await app.inject({ method: 'POST', url: PATH, headers: { authorization: `JWT ${learner}` } });
  t.equal(response.statusCode, 403, 'forbidden');
  t.equal(rig.fake.requests.length, 0, 'the catalog was not even asked');
});

t.test('a catalog failure is a 502 catalog_unavailable and changes nothing', async (t) => {
  const { app, admin, rig } = await appWithCatalog(t);
  await app.inject({ method: 'POST', url: PATH, headers: { authorization: admin } });
  const before = await snapshot(db);
  rig.fake.setAcademies([academyItem(3)]);
  rig.fake.fail('academies/', { type: 'status', status: 500 });
  const response = await app.inject({ method: 'POST', url: PATH, headers: { authorization: admin } });
  t.equal(response.statusCode, 502, 'bad gateway');
  t.same(response.json(), { error_code: 'catalog_unavailable', detail: 'enterprise-catalog GET /api/v1/academies/ failed: HTTP 500' }, 'says what failed');
  t.same(await snapshot(db), before, 'nothing changed');
});

t.test('other methods on the sync path are 405', async (t) => {
  const { app } = await appWithCatalog(t);
  const response = await app.inject({ method: 'GET', url: PATH });
  t.equal(response.statusCode, 405, 'GET is not allowed');
  t.equal(response.headers['allow'], 'POST', 'Allow: POST');
});
