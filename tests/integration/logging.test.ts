import t from 'tap';
import { Writable } from 'node:stream';
import { SignJWT } from 'jose';
import { jwtVerifier } from '../../src/adapters/auth/jwt-verifier.ts';
import { createLogger } from '../../src/adapters/logging/pino-logger.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';

const SECRET = 'log-test-secret-key-that-is-long-enough';
const STRIPE_KEY = 'sk_test_51LogRedactionCheckKey000000';

function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter((line) => line !== ''));
      callback();
    },
  });
  return { lines, logger: createLogger('trace', stream) };
}

t.test('no token, cookie, signature or key reaches the logs, and every request line has its id', async (t) => {
  const { lines, logger } = captureLogs();
  const academies = inMemoryAcademyRepository([{ name: 'AI Academy', slug: 'ai' }]);
  const app = await buildTestApp({
    academies,
    prices: fakePriceSource([]),
    tokenVerifier: jwtVerifier({ secretKey: SECRET }),
    logger,
  });
  t.teardown(() => app.close());
  const token = await new SignJWT({ user_id: 7 }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
  const forged = `${token.slice(0, -4)}AAAA`;
  const secrets = [token, forged, 'session=supersecretcookie', 't=123,v1=deadbeefsignature', STRIPE_KEY];

  const headers = { authorization: `JWT ${token}`, cookie: 'session=supersecretcookie', 'stripe-signature': 't=123,v1=deadbeefsignature', 'x-api-key': STRIPE_KEY };
  await app.inject({ url: '/api/v1/academy-products/', headers });
  await app.inject({ method: 'POST', url: '/api/v1/admin/academy-sync', headers: { ...headers, authorization: `Bearer ${forged}` }, payload: {} });
  academies.failWith = new Error(`database said no to ${STRIPE_KEY.slice(0, 3)}…`);
  await app.inject({ url: '/api/v1/academy-products/ai/', headers: { ...headers, 'x-request-id': 'trace-me-123' } });
  logger.info({ config: { stripe: { secretKey: STRIPE_KEY }, catalog: { clientSecret: 'catalog-secret' } } }, 'a careless log line');

  const all = lines.join('\n');
  t.ok(lines.length >= 6, `lines were captured (${lines.length})`);
  for (const secret of [...secrets, 'catalog-secret']) t.notOk(all.includes(secret), `${secret.slice(0, 12)}… is not in the logs`);
  const requestLines = lines.map((line) => JSON.parse(line) as { reqId?: string; req?: unknown; res?: unknown }).filter((entry) => entry.req || entry.res);
  t.ok(requestLines.length >= 6, 'request and response lines are logged');
  t.ok(requestLines.every((entry) => typeof entry.reqId === 'string' && entry.reqId.length > 0), 'every request line carries a request id');
  t.ok(lines.some((line) => line.includes('"reqId":"trace-me-123"')), 'an incoming x-request-id is kept');
  const entries = lines.map((line) => JSON.parse(line) as { req?: { method?: string; url?: string }; res?: { statusCode?: number } });
  t.ok(entries.some((entry) => entry.req?.method === 'GET' && entry.req.url === '/api/v1/academy-products/'), 'request lines keep method and url');
  t.ok(entries.some((entry) => entry.res?.statusCode === 502), 'response lines keep the status code');
});
