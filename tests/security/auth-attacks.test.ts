/**
 * Token and signature attacks across the real routes (spec §5, §6), with the logs captured to prove
 * nothing replayable is written. Missing, expired, wrong-key, alg:none and wrong-audience tokens on
 * every intent route are in tests/integration/http-checkout-intents.test.ts; verifier-level cases in
 * tests/integration/jwt-verifier.test.ts. This file covers what those do not, through HTTP.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import t from 'tap';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWTPayload } from 'jose';
import Stripe from 'stripe';
import { jwtVerifier } from '../../src/adapters/auth/jwt-verifier.ts';
import { createLogger } from '../../src/adapters/logging/pino-logger.ts';
import { stripeWebhookVerifier } from '../../src/adapters/stripe/webhook-events.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { makeReceiveStripeWebhook } from '../../src/application/stripe-webhook.ts';
import type { TokenVerifier } from '../../src/application/ports/token-verifier.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { insertIntent, intentUseCases, manualClock } from '../helpers/checkout-intents.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
const { db } = testDb;
const SECRET = 'a-test-secret-of-at-least-thirty-two-bytes';
const ISSUER = 'https://lms.example.com';
const AUDIENCE = 'academy-billing';
const WEBHOOK_SECRET = 'whsec_attack_test';
const BASE = '/api/v1/checkout-intents/';
const SYNC = '/api/v1/admin/academy-sync';
const useCases = intentUseCases(db, manualClock(new Date()));

// An RS256 key set served over HTTP, for the JWKS-configured app and HS/RS confusion.
const { publicKey, privateKey } = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
const jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => jwks.close(() => resolve())));
const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;

let logText = '';
const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logText += chunk.toString();
    done();
  },
});
let syncCalls = 0;

async function appWith(tokenVerifier: TokenVerifier) {
  const app = await buildTestApp({
    academies: inMemoryAcademyRepository(),
    prices: fakePriceSource([]),
    tokenVerifier,
    logger: createLogger('debug', logStream),
    syncAcademies: async () => {
      syncCalls += 1;
      throw new Error('the sync must not run in these tests');
    },
    checkoutIntents: {
      ...useCases,
      receiveStripeWebhook: makeReceiveStripeWebhook({
        verifier: stripeWebhookVerifier(WEBHOOK_SECRET),
        unitOfWork: useCases.unitOfWork,
        priceCache: { async invalidate() {} },
        prices: fakePriceSource([]),
        academies: inMemoryAcademyRepository(),
        clock: manualClock(new Date()),
        logger: silentLogger,
      }),
    },
  });
  t.teardown(() => app.close());
  return app;
}

const hsApp = await appWith(jwtVerifier({ secretKey: SECRET, issuer: ISSUER, audience: AUDIENCE }));
const rsApp = await appWith(jwtVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE }));

const now = () => Math.floor(Date.now() / 1000);
function hsToken(claims: JWTPayload, overrides: { key?: string; iss?: string; aud?: string; exp?: number; nbf?: number } = {}) {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(overrides.iss ?? ISSUER)
    .setAudience(overrides.aud ?? AUDIENCE)
    .setExpirationTime(overrides.exp ?? now() + 300);
  if (overrides.nbf !== undefined) jwt.setNotBefore(overrides.nbf);
  return jwt.sign(new TextEncoder().encode(overrides.key ?? SECRET));
}
const rsToken = (claims: JWTPayload) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime(now() + 300).sign(privateKey);
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const unsigned = (claims: JWTPayload) => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iss: ISSUER, aud: AUDIENCE, exp: now() + 300, ...claims })}.`;

const admin = { user_id: 'ops', administrator: true };
/** Every token used below, so the logs can be searched for any of them. */
const issuedTokens: string[] = [];
const remember = (token: string) => {
  issuedTokens.push(token);
  return token;
};

const routes = (intentUuid: string) =>
  [
    ['GET', BASE],
    ['POST', BASE],
    ['GET', `${BASE}current/`],
    ['GET', `${BASE}${intentUuid}/`],
    ['POST', `${BASE}${intentUuid}/transitions/`],
    ['POST', SYNC],
  ] as const;

t.beforeEach(async () => {
  await db.deleteFrom('checkout_intents').execute();
});

const attacks: ReadonlyArray<[string, 'hs' | 'rs', () => Promise<string>]> = [
  ['an alg:none token claiming to be an admin', 'hs', async () => unsigned(admin)],
  ['an alg:none token on the JWKS-configured service', 'rs', async () => unsigned(admin)],
  ['an HS256 token signed with the RSA public key PEM (HS/RS confusion)', 'rs', async () => hsToken(admin, { key: await exportSPKI(publicKey) })],
  ['an RS256 token on the shared-secret service', 'hs', async () => rsToken(admin)],
  ['an admin token signed with another secret', 'hs', async () => hsToken(admin, { key: 'another-secret-of-at-least-thirty-two-bytes!' })],
  ['an expired admin token', 'hs', async () => hsToken(admin, { exp: now() - 3_600 })],
  ['an admin token that is not yet valid (nbf in an hour)', 'hs', async () => hsToken(admin, { nbf: now() + 3_600 })],
  ['an admin token from another issuer', 'hs', async () => hsToken(admin, { iss: 'https://evil.example.com' })],
  ['an admin token for another audience', 'hs', async () => hsToken(admin, { aud: 'another-service' })],
  ['an admin token whose signature was cut off', 'hs', async () => (await hsToken(admin)).replace(/\.[^.]+$/, '.')],
  ['an admin token with a flipped payload (user → admin) and the old signature', 'hs', async () => {
    const [header, , signature] = (await hsToken({ user_id: 'u1' })).split('.');
    return `${header}.${b64url({ user_id: 'u1', administrator: true, iss: ISSUER, aud: AUDIENCE, exp: now() + 300 })}.${signature}`;
  }],
];

for (const [name, target, make] of attacks) {
  t.test(`${name} is refused with 401 on every authenticated route, and nothing changes`, async (t) => {
    const app = target === 'hs' ? hsApp : rsApp;
    const intent = await insertIntent(db, { user_id: 'victim' });
    const token = remember(await make());
    for (const [method, url] of routes(intent.uuid)) {
      const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload: method === 'POST' ? { state: 'paid', quantity: 1 } : undefined });
      t.equal(res.statusCode, 401, `${method} ${url} → 401`);
      t.same(res.json(), { detail: 'Given token not valid for any token type.' }, `${method} ${url}: DRF's body`);
    }
    const after = await db.selectFrom('checkout_intents').selectAll().execute();
    t.equal(after.length, 1, 'no intent was created');
    t.equal(after[0]?.state, 'created', 'the victim’s intent was not transitioned');
    t.equal(syncCalls, 0, 'the sync never ran');
  });
}

t.test('a valid RS256 token from the key set is accepted (the refusals above are not a broken verifier)', async (t) => {
  const res = await rsApp.inject({ url: BASE, headers: { authorization: `Bearer ${remember(await rsToken({ user_id: 'u1' }))}` } });
  t.equal(res.statusCode, 200, '200');
});

t.test("a user cannot read another user's intent, by uuid, list or current", async (t) => {
  const theirs = await insertIntent(db, { user_id: 'victim', stripe_product_id: 'prod_x' });
  const headers = { authorization: `JWT ${remember(await hsToken({ user_id: 'attacker' }))}` };
  const byUuid = await hsApp.inject({ url: `${BASE}${theirs.uuid}/`, headers });
  t.equal(byUuid.statusCode, 404, 'by uuid: 404, not 403, so existence is not revealed');
  t.same(byUuid.json(), { detail: 'Not found.' }, 'with the {detail} body');
  const list = await hsApp.inject({ url: `${BASE}?user_id=victim`, headers });
  t.equal(list.statusCode, 200, 'the list answers');
  t.equal(list.json().count, 0, 'but user_id is ignored for non-admins: none of the victim’s intents');
  const current = await hsApp.inject({ url: `${BASE}current/?stripe_product_id=prod_x`, headers });
  t.equal(current.statusCode, 404, 'current: 404');
});

t.test('a user token on admin routes (transitions, admin sync) is 403 and changes nothing', async (t) => {
  const intent = await insertIntent(db, { user_id: 'attacker' });
  const headers = { authorization: `JWT ${remember(await hsToken({ user_id: 'attacker', administrator: 'true' }))}` };
  const transition = await hsApp.inject({ method: 'POST', url: `${BASE}${intent.uuid}/transitions/`, headers, payload: { state: 'paid' } });
  t.equal(transition.statusCode, 403, 'a transition of one’s own intent is still 403');
  t.same(transition.json(), { detail: 'You do not have permission to perform this action.' }, 'with DRF’s body');
  const sync = await hsApp.inject({ method: 'POST', url: SYNC, headers, payload: {} });
  t.equal(sync.statusCode, 403, 'the admin sync is 403 (administrator must be the boolean true, not "true")');
  t.equal((await db.selectFrom('checkout_intents').select('state').executeTakeFirstOrThrow()).state, 'created', 'the intent is unchanged');
  t.equal(syncCalls, 0, 'the sync never ran');
});

function signedEvent(intentUuid: string, timestamp?: number) {
  const payload = JSON.stringify({
    id: 'evt_attack',
    object: 'event',
    type: 'checkout.session.completed',
    data: { object: { id: 'cs_attack', object: 'checkout.session', client_reference_id: intentUuid, customer: 'cus_attack' } },
  });
  const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, ...(timestamp === undefined ? {} : { timestamp }) });
  remember(header);
  return { payload, header };
}

t.test('a webhook replayed outside the 300 s tolerance window is 400 and the intent stays unpaid', async (t) => {
  const intent = await insertIntent(db, { user_id: 'u1' });
  const { payload, header } = signedEvent(intent.uuid, now() - 600);
  const res = await hsApp.inject({ method: 'POST', url: '/api/v1/stripe/webhook', headers: { 'stripe-signature': header, 'content-type': 'application/json' }, payload });
  t.equal(res.statusCode, 400, 'a correctly signed but stale event is refused');
  t.equal(res.json().error_code, 'invalid_signature', 'as invalid_signature');
  t.equal((await db.selectFrom('checkout_intents').select('state').executeTakeFirstOrThrow()).state, 'created', 'not marked paid');
});

t.test('a webhook whose signature is tampered (one hex digit, the timestamp, or the scheme) is 400 and changes nothing', async (t) => {
  const intent = await insertIntent(db, { user_id: 'u1' });
  const { payload, header } = signedEvent(intent.uuid);
  const flipped = header.replace(/v1=([0-9a-f])/, (_match, digit: string) => `v1=${digit === '0' ? '1' : '0'}`);
  const shifted = header.replace(/t=(\d+)/, (_match, ts: string) => `t=${Number(ts) + 1}`);
  const downgraded = header.replace('v1=', 'v0=');
  for (const [name, signature] of [['a flipped digit', flipped], ['a shifted timestamp', shifted], ['the v0 scheme', downgraded]] as const) {
    const res = await hsApp.inject({ method: 'POST', url: '/api/v1/stripe/webhook', headers: { 'stripe-signature': signature, 'content-type': 'application/json' }, payload });
    t.equal(res.statusCode, 400, `${name} → 400`);
  }
  t.equal((await db.selectFrom('checkout_intents').select('state').executeTakeFirstOrThrow()).state, 'created', 'not marked paid');
});

t.test('nothing replayable reached the logs: no token, no signature, no secret', async (t) => {
  t.ok(logText.length > 0, 'the logs were captured');
  t.match(logText, /token refused/, 'refusals are logged (with their reason)');
  for (const token of issuedTokens) {
    const signature = token.split(/[.,=]/).filter((part) => part.length >= 20);
    for (const part of signature) t.notOk(logText.includes(part), `no part of a token or signature header is logged (${part.slice(0, 12)}…)`);
  }
  t.notOk(logText.includes(SECRET) || logText.includes(WEBHOOK_SECRET), 'no secret is logged');
});
