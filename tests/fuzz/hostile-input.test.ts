/**
 * Hostile input on every route (issue 5 §2), property-tested with fast-check over the real adapters
 * (PostgreSQL or PGlite, the jose verifier, the Stripe webhook verifier): never a 5xx, always a
 * documented status with a body of the documented error shape, and nothing written on a refusal.
 */
import t from 'tap';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { SignJWT } from 'jose';
import { jwtVerifier } from '../../src/adapters/auth/jwt-verifier.ts';
import { postgresAcademyRepository } from '../../src/adapters/postgres/academy-repository.ts';
import { stripeWebhookVerifier } from '../../src/adapters/stripe/webhook-events.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import { makeReceiveStripeWebhook } from '../../src/application/stripe-webhook.ts';
import type { SyncReport } from '../../src/application/sync-academies.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { insertIntent, intentUseCases, manualClock } from '../helpers/checkout-intents.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { createTestDatabase, insertAcademy } from '../helpers/test-database.ts';

const testDb = await createTestDatabase();
t.teardown(() => testDb.close());
t.comment(`database: ${testDb.kind}`);
const { db } = testDb;
const SECRET = 'a-test-secret-of-at-least-thirty-two-bytes';
const RUNS = { numRuns: 150 };

const academy = await insertAcademy(db, { name: 'Fuzz Academy', slug: 'fuzz', product_key: 'fuzz', stripe_product_id: 'prod_fuzz' });
const intent = await insertIntent(db, { user_id: 'owner', stripe_product_id: 'prod_fuzz' });
const useCases = intentUseCases(db, manualClock(new Date()));
let syncCalls = 0;
const report: SyncReport = { dry_run: true, fetched: 0, filtered_out: 0, invalid: [], warnings: [], created: 0, updated: 0, unchanged: 0, deactivated: 0 } as unknown as SyncReport;
const app = await buildTestApp({
  academies: postgresAcademyRepository(db),
  prices: fakePriceSource([]),
  tokenVerifier: jwtVerifier({ secretKey: SECRET }),
  syncAcademies: async () => {
    syncCalls += 1;
    return report;
  },
  checkoutIntents: {
    ...useCases,
    receiveStripeWebhook: makeReceiveStripeWebhook({
      verifier: stripeWebhookVerifier('whsec_fuzz'),
      unitOfWork: useCases.unitOfWork,
      priceCache: { async invalidate() {} },
      prices: fakePriceSource([]),
      academies: postgresAcademyRepository(db),
      clock: manualClock(new Date()),
      logger: silentLogger,
    }),
  },
});
t.teardown(() => app.close());

const sign = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
const userAuth = { authorization: `JWT ${await sign({ user_id: 'fuzzer' })}` };
const adminAuth = { authorization: `JWT ${await sign({ user_id: 'ops', administrator: true })}` };

/** What the database holds, to prove a refused request wrote nothing. */
async function rowState(): Promise<string> {
  const academies = await db.selectFrom('academies').select(['uuid', 'modified']).orderBy('uuid').execute();
  const intents = await db.selectFrom('checkout_intents').select(['uuid', 'state', 'quantity', 'modified']).orderBy('uuid').execute();
  return JSON.stringify({ academies, intents });
}

// The documented error shapes (src/adapters/http/schemas/errors.schema.ts).
const isString = (value: unknown): value is string => typeof value === 'string';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isDetail = (body: unknown) => isObject(body) && Object.keys(body).join() === 'detail' && isString(body['detail']);
const isCoded = (body: unknown) => isObject(body) && Object.keys(body).sort().join() === 'detail,error_code' && isString(body['error_code']) && isString(body['detail']);
const isFieldErrors = (body: unknown) =>
  isObject(body) && Object.keys(body).length > 0 && Object.values(body).every((messages) => Array.isArray(messages) && messages.length > 0 && messages.every(isString));

/** Hostile text: any code point (lone surrogates, NUL and controls included), SQL and path metacharacters, sometimes huge. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom("' OR '1'='1", "'; DROP TABLE academies; --", '../../etc/passwd', '..%2F..%2F', '%00', '\u0000', '\\', '"', '%', '_', '*', '\uD800', '🙂', 'ǅ', ''),
  fc.string({ minLength: 5_000, maxLength: 20_000 }),
);

interface Answer {
  status: number;
  body: unknown;
}

async function send(options: InjectOptions): Promise<Answer> {
  const res = await app.inject(options);
  let body: unknown;
  try {
    body = res.body === '' ? undefined : JSON.parse(res.body);
  } catch {
    body = { notJson: res.body.slice(0, 200) };
  }
  return { status: res.statusCode, body };
}

/** Fails the property with the status and body, so a counterexample reads on its own. */
function expectAnswer(answer: Answer, allowed: Record<number, (body: unknown) => boolean>): void {
  const check = allowed[answer.status];
  if (!check) throw new Error(`unexpected status ${answer.status}: ${JSON.stringify(answer.body)}`);
  if (!check(answer.body)) throw new Error(`status ${answer.status} with an undocumented body: ${JSON.stringify(answer.body)}`);
}

const isList = (body: unknown) => isObject(body) && typeof body['count'] === 'number' && Array.isArray(body['results']);
const encode = (value: string) => encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
const queryString = (pairs: readonly (readonly [string, string])[]) => pairs.map(([key, value]) => `${encode(key)}=${encode(value)}`).join('&');
const queryPairs = (keys: readonly string[]) => fc.array(fc.tuple(fc.oneof(fc.constantFrom(...keys), hostileText), hostileText), { maxLength: 6 });

t.test('any query string on the catalogue list is a 200 list or a 400 with field errors, never a 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(queryPairs(['academy_uuid', 'product_key', 'tag', 'include_inactive', 'sync']), async (pairs) => {
      const answer = await send({ url: `/api/v1/academy-products/?${queryString(pairs)}` });
      expectAnswer(answer, { 200: isList, 400: isFieldErrors });
      const syncTrue = pairs.some(([key, value]) => key === 'sync' && value === 'true');
      if (syncTrue && answer.status !== 400) throw new Error('sync=true must be refused');
    }),
    RUNS,
  );
});

t.test('any identifier on the catalogue detail is a 200 academy or a 404 {detail}, never a 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(hostileText, async (identifier) => {
      const answer = await send({ url: `/api/v1/academy-products/${encode(identifier)}/` });
      expectAnswer(answer, { 200: (body) => isObject(body) && body['id'] === 'prod_fuzz', 404: isDetail });
    }),
    RUNS,
  );
});

t.test('path traversal and SQL metacharacters in identifiers are 404, never a match or an error', async (t) => {
  const attacks = [
    "fuzz' OR '1'='1",
    "fuzz'; DROP TABLE academies; --",
    'fuzz%25',
    'fu_z',
    '%25',
    '..%2F..%2Fetc%2Fpasswd',
    '..%2Ffuzz',
    '%2E%2E%2F%2E%2E%2F',
    'fuzz%00',
    '%00',
    `${academy.uuid}'--`,
    'FUZZ',
  ];
  for (const attack of attacks) {
    for (const url of [`/api/v1/academy-products/${attack}/`, `/api/v1/checkout-intents/${attack}/`]) {
      const answer = await send({ url, headers: userAuth });
      t.equal(answer.status, 404, `${url} → 404`);
      t.ok(isDetail(answer.body), `${url} has a {detail} body`);
    }
  }
  const malformed = await send({ url: '/api/v1/academy-products/fuzz%/' });
  t.equal(malformed.status, 400, 'a raw % (not percent-encoding) is a 400 malformed URL');
  t.ok(isDetail(malformed.body), 'with a {detail} body');
  t.equal(await db.selectFrom('academies').select(db.fn.countAll().as('n')).executeTakeFirstOrThrow().then((row) => Number(row.n)), 1, 'the academies table is intact');
});

t.test('any Authorization header that is not a valid token is a 401 {detail}', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.string({ unit: 'grapheme-ascii', maxLength: 300 }),
        fc.string({ unit: 'grapheme-ascii', maxLength: 300 }).map((value) => `JWT ${value}`),
        fc.string({ unit: 'grapheme-ascii', maxLength: 300 }).map((value) => `Bearer ${value}`),
        fc.constant(`JWT ${'a'.repeat(8_000)}.${'b'.repeat(8_000)}.c`),
      ),
      async (authorization) => {
        const answer = await send({ url: '/api/v1/checkout-intents/', headers: { authorization } });
        expectAnswer(answer, { 401: isDetail });
      },
    ),
    RUNS,
  );
});

const fieldValue = fc.oneof(hostileText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 3 }), fc.bigInt().map(String));
const createBody = fc.oneof(
  fc.record(
    {
      quantity: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constant(2 ** 31), fc.constant(1e300), fieldValue),
      enterprise_slug: fieldValue,
      enterprise_name: fieldValue,
      country: fieldValue,
      terms_metadata: fieldValue,
      stripe_product_id: fieldValue,
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 4 }),
);

t.test('any JSON body on intent creation is 200/201 or a documented 400/409, and a refusal writes nothing', async () => {
  await fc.assert(
    fc.asyncProperty(createBody, async (body) => {
      const before = await rowState();
      const answer = await send({ method: 'POST', url: '/api/v1/checkout-intents/', headers: { ...userAuth, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      const isIntent = (value: unknown) => isObject(value) && value['user_id'] === 'fuzzer';
      expectAnswer(answer, { 200: isIntent, 201: isIntent, 400: isFieldErrors, 409: isCoded });
      if (answer.status >= 400 && (await rowState()) !== before) throw new Error(`a ${answer.status} wrote to the database`);
    }),
    RUNS,
  );
  await db.deleteFrom('checkout_intents').where('user_id', '=', 'fuzzer').execute();
});

t.test('any uuid and body on a transition are a documented 400/404/409/422 and change nothing', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(hostileText, fc.constant(intent.uuid)),
      fc.oneof(fc.record({ state: fc.oneof(hostileText, fc.constantFrom('created', 'expired', 'fulfilled')), error: fieldValue, stripe_customer_id: fieldValue }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 3 })),
      async (uuid, body) => {
        const before = await rowState();
        const answer = await send({ method: 'POST', url: `/api/v1/checkout-intents/${encode(uuid)}/transitions/`, headers: { ...adminAuth, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
        // `created → created` and `created → expired` are legal and do write: only refusals must not.
        const isIntent = (value: unknown) => isObject(value) && value['uuid'] === intent.uuid;
        expectAnswer(answer, { 200: isIntent, 400: isFieldErrors, 404: isDetail, 409: isCoded, 422: isCoded });
        if (answer.status >= 400 && (await rowState()) !== before) throw new Error(`a ${answer.status} wrote to the database`);
        if (answer.status === 200) await db.updateTable('checkout_intents').set({ state: 'created' }).where('uuid', '=', intent.uuid).execute();
      },
    ),
    RUNS,
  );
});

t.test('any query on the intent list and current intent is a 200/404 or a 400 with field errors', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('/api/v1/checkout-intents/', '/api/v1/checkout-intents/current/'), queryPairs(['limit', 'offset', 'user_id', 'enterprise_slug', 'stripe_product_id']), async (path, pairs) => {
      const answer = await send({ url: `${path}?${queryString(pairs)}`, headers: userAuth });
      expectAnswer(answer, { 200: isObject, 400: isFieldErrors, 404: isDetail });
    }),
    RUNS,
  );
});

t.test('any body on the admin sync is a 200 report or a 400, and the sync runs only for no body, {} or {dry_run}', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ dry_run: fieldValue }, { requiredKeys: [] })), async (body) => {
      const callsBefore = syncCalls;
      const answer = await send({ method: 'POST', url: '/api/v1/admin/academy-sync', headers: { ...adminAuth, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      expectAnswer(answer, { 200: isObject, 400: isFieldErrors });
      // dry_run goes through AJV's type coercion (coerceTypes 'array', app.ts): "true", 1, null… are read as booleans.
      const valid = body === null || (isObject(body) && Object.keys(body).every((key) => key === 'dry_run'));
      if (answer.status === 200 && !valid) throw new Error(`an invalid body was accepted: ${JSON.stringify(body)}`);
      if (answer.status === 400 && syncCalls !== callsBefore) throw new Error('a refused body still ran the sync');
    }),
    RUNS,
  );
});

t.test('any payload and signature on the Stripe webhook is a 400 invalid_signature and changes nothing', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 2_000 }), fc.string({ unit: 'grapheme-ascii', maxLength: 200 }), async (payload, signature) => {
      const before = await rowState();
      const answer = await send({ method: 'POST', url: '/api/v1/stripe/webhook', headers: { 'stripe-signature': signature, 'content-type': 'application/json' }, payload: Buffer.from(payload) });
      expectAnswer(answer, { 400: (body) => isCoded(body) && (body as { error_code: string }).error_code === 'invalid_signature' });
      if ((await rowState()) !== before) throw new Error('a refused webhook wrote to the database');
    }),
    { numRuns: 100 },
  );
});

t.test('a body over 1 MB is a 413 with a {detail} body on every POST route, and nothing is written', async (t) => {
  const before = await rowState();
  const big = JSON.stringify({ quantity: 1, enterprise_name: 'x'.repeat(1_100_000) });
  for (const [url, headers] of [
    ['/api/v1/checkout-intents/', userAuth],
    [`/api/v1/checkout-intents/${intent.uuid}/transitions/`, adminAuth],
    ['/api/v1/admin/academy-sync', adminAuth],
    ['/api/v1/stripe/webhook', {}],
  ] as const) {
    const answer = await send({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: big });
    t.equal(answer.status, 413, `${url} → 413`);
    t.ok(isDetail(answer.body), `${url} answers a {detail} JSON body (${JSON.stringify(answer.body).slice(0, 80)})`);
  }
  t.equal(await rowState(), before, 'nothing was written');
});

t.test('deeply nested JSON is refused with a 4xx and a documented body, never a 5xx or a write', async (t) => {
  const before = await rowState();
  const depth = 5_000;
  const deepArray = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const deepObject = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  const cases = [
    ['/api/v1/checkout-intents/', userAuth, deepArray],
    ['/api/v1/checkout-intents/', userAuth, `{"quantity":1,"terms_metadata":${deepObject}}`],
    [`/api/v1/checkout-intents/${intent.uuid}/transitions/`, adminAuth, `{"state":"created","error":${deepArray}}`],
    ['/api/v1/admin/academy-sync', adminAuth, deepObject],
  ] as const;
  for (const [url, headers, payload] of cases) {
    const answer = await send({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload });
    t.ok(answer.status >= 400 && answer.status < 500, `${url} with ${payload.slice(0, 20)}… → ${answer.status}`);
    t.ok(isFieldErrors(answer.body) || isDetail(answer.body) || isCoded(answer.body), `${url}: a documented error body`);
  }
  t.equal(await rowState(), before, 'nothing was written');
});

t.test('a body that is not JSON, or JSON with the wrong content type, is a 4xx with a documented body', async (t) => {
  for (const [payload, contentType] of [
    ['{"quantity": 1,', 'application/json'],
    ['quantity=1', 'application/x-www-form-urlencoded'],
    ['<xml/>', 'text/xml'],
    ['', 'application/json'],
  ] as const) {
    const answer = await send({ method: 'POST', url: '/api/v1/checkout-intents/', headers: { ...userAuth, 'content-type': contentType }, payload });
    t.ok([400, 415].includes(answer.status), `${contentType} ${JSON.stringify(payload)} → ${answer.status}`);
    t.ok(isDetail(answer.body) || isFieldErrors(answer.body), 'with a {detail} or field-errors body');
  }
});
