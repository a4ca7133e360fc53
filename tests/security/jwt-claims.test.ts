/**
 * Issue 15, findings 6 and 7 (the verifier's part): a token issued in the future, one older than the
 * maximum age, one "expiring in 2100", and a user id PostgreSQL cannot store (a NUL was a 502) are
 * all 401 on the real route and database; nothing is written.
 */
import t from 'tap';
import { SignJWT, type JWTPayload } from 'jose';
import { jwtVerifier } from '../../src/adapters/auth/jwt-verifier.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { intentUseCases, manualClock } from '../helpers/checkout-intents.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
const { db } = testDb;
const SECRET = 'a-test-secret-of-at-least-thirty-two-bytes';
const app = await buildTestApp({
  academies: inMemoryAcademyRepository(),
  prices: fakePriceSource([]),
  tokenVerifier: jwtVerifier({ secretKey: SECRET, maxTokenAgeSeconds: 3_600 }),
  checkoutIntents: intentUseCases(db, manualClock(new Date())),
});
t.teardown(() => app.close());

const now = () => Math.floor(Date.now() / 1000);
const sign = (claims: JWTPayload) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
const post = async (claims: JWTPayload) =>
  app.inject({ method: 'POST', url: '/api/v1/checkout-intents/', headers: { authorization: `Bearer ${await sign(claims)}` }, payload: { quantity: 1 } });

t.test('a well-formed token within the limits works (the control case)', async (t) => {
  t.equal((await post({ user_id: 'u-ok', iat: now(), exp: now() + 600 })).statusCode, 201);
});

t.test('time claims outside the limits are 401', async (t) => {
  const cases: Array<[string, JWTPayload]> = [
    ['iat in the future', { user_id: 'u1', iat: now() + 600, exp: now() + 1200 }],
    ['exp in 2100', { user_id: 'u1', iat: now(), exp: 4_102_444_800 }],
    ['no iat, exp beyond the maximum age', { user_id: 'u1', exp: now() + 7_200 }],
    ['iat older than the maximum age', { user_id: 'u1', iat: now() - 7_200, exp: now() + 60 }],
    ['iat not a number', { user_id: 'u1', iat: 'yesterday' as unknown as number, exp: now() + 60 }],
  ];
  for (const [name, claims] of cases) {
    const res = await post(claims);
    t.equal(res.statusCode, 401, name);
    t.same(res.json(), { detail: 'Given token not valid for any token type.' });
  }
});

t.test('a user id PostgreSQL cannot store, or longer than a column, is 401 and not a 502', async (t) => {
  for (const userId of ['evil\u0000user', 'tab\there', 'x'.repeat(256)]) {
    const res = await post({ user_id: userId, iat: now(), exp: now() + 600 });
    t.equal(res.statusCode, 401, JSON.stringify(userId.slice(0, 12)));
    const viaSub = await post({ sub: userId, iat: now(), exp: now() + 600 });
    t.equal(viaSub.statusCode, 401, 'as sub too');
  }
  const rows = await db.selectFrom('checkout_intents').select('user_id').execute();
  t.same(rows.map((row) => row.user_id), ['u-ok'], 'only the control case wrote');
});
