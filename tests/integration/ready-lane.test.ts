/**
 * The ready lane (docs/decisions/0032) against Fastify's own routes: two apps on real sockets, the same
 * read model answers, one with the lane and one without. Every question gets the same answer from both
 * (status, body, every header but Date and a fresh request id), the rate limit counts the same, the
 * metrics count the same; and what the lane must leave to Fastify reaches Fastify.
 */
import { randomInt } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import t, { type Test } from 'tap';
import { detailResponse, listResponse, type ReadyResponse } from '../../src/adapters/http/catalogue-responses.ts';
import type { AcademyProduct } from '../../src/application/academy-product.ts';
import { filterKey, type CatalogueQueries } from '../../src/application/read-model/catalogue-read-model.ts';
import { currentRequestId } from '../../src/adapters/http/request-id.ts';
import { createRedisClient } from '../../src/adapters/redis/redis-client.ts';
import { silentLogger } from '../../src/application/ports/logger.ts';
import type { AcademyFilter } from '../../src/domain/academy-filter.ts';
import { NotFoundError } from '../../src/domain/errors.ts';
import { buildTestApp, type TestAppOptions } from '../helpers/build-test-app.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';

const LIST = '/api/v1/academy-products/';
const product: AcademyProduct = {
  id: 'prod_lane',
  name: 'Lane',
  longName: 'Lane Academy',
  description: 'Kept ready',
  marketingUrl: '',
  thumbnailUrl: '',
  tags: ['x'],
  stripeProductId: 'prod_lane',
  catalogQueryId: null,
  prices: [],
  priceLookupKey: null,
};
const list = listResponse([product]);
const detail = detailResponse(product);

const isUnfiltered = (filter: AcademyFilter): boolean => (filter.tags ?? []).length === 0 && filter.academyUuid === undefined;

/** Answers at hand (kept) for the unfiltered list and `prod_lane`; a filtered list is a promise; any other id is not found. */
function readyCatalogue(): CatalogueQueries<ReadyResponse> {
  return {
    list: (filter) => (isUnfiltered(filter) ? list : Promise.resolve(listResponse([]))),
    detail: (identifier) => (identifier === 'prod_lane' ? detail : Promise.reject(new NotFoundError('academy.not_found'))),
    kept: {
      list: (filter) => (isUnfiltered(filter) ? list : undefined),
      detail: (identifier) => (identifier === 'prod_lane' ? detail : undefined),
    },
  };
}

interface Answer {
  readonly status: number;
  /** Header names in the order they were written. */
  readonly names: readonly string[];
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function ask(base: string, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(`${base}${path}`, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, names: response.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase()), headers: response.headers, body: Buffer.concat(chunks).toString() }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/**
 * An answer as both paths must give it: Date differs by the second, a generated request id always, and
 * the window's reset (whole seconds left, each app's window opened a moment apart) by at most one.
 */
function comparable(t: Test, answer: Answer, generatedId = true): Answer {
  const { date: _date, 'x-ratelimit-reset': reset, ...headers } = answer.headers;
  if (generatedId) {
    t.match(headers['x-request-id'], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    delete headers['x-request-id'];
  }
  // Kept as "present or not" and rounded to tens of minutes: windows here are an hour, opened ms apart.
  if (reset !== undefined) headers['x-ratelimit-reset'] = `~${Math.round(Number(reset) / 600)}`;
  return { ...answer, headers };
}

interface Twin {
  readonly app: FastifyInstance;
  readonly base: string;
  readonly metrics: Registry;
  /** Requests that reached Fastify (its onRequest hooks), so not the lane. */
  readonly reachedFastify: () => number;
}

async function twin(t: Test, options: Partial<TestAppOptions> & { readyLane: boolean }): Promise<Twin> {
  const metrics = new Registry();
  const app = await buildTestApp({
    academies: inMemoryAcademyRepository([]),
    prices: fakePriceSource([]),
    rateLimit: { max: 1_000, windowMs: 3_600_000 },
    catalogue: readyCatalogue(),
    metricsRegistry: metrics,
    ...options,
  });
  let reached = 0;
  app.addHook('onRequest', (_request, _reply, done) => {
    reached += 1;
    done();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const address = app.server.address();
  return { app, base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, metrics, reachedFastify: () => reached };
}

async function twins(t: Test, options: Partial<TestAppOptions> = {}) {
  return { lane: await twin(t, { ...options, readyLane: true }), fastify: await twin(t, { ...options, readyLane: false }) };
}

async function countOf(metrics: Registry, route: string, status: number): Promise<number> {
  const counter = await metrics.getSingleMetric('http_requests_total')?.get();
  return counter?.values.find((value) => value.labels.route === route && value.labels.status === String(status) && value.labels.method === 'GET')?.value ?? 0;
}

t.test('what the lane answers, it answers exactly as Fastify does, and Fastify never sees it', async (t) => {
  const { lane, fastify } = await twins(t);
  const questions: Array<[string, Record<string, string>]> = [
    [LIST, {}],
    [`${LIST}prod_lane/`, {}],
    [LIST, { 'if-none-match': list.etag }],
    [LIST, { 'if-none-match': `"other", W/${list.etag}` }],
    [LIST, { 'if-none-match': '*' }],
    [LIST, { 'if-none-match': '"not-this-one"' }],
    [`${LIST}prod_lane/`, { 'if-none-match': detail.etag }],
    ['/healthz', {}],
  ];
  for (const [path, headers] of questions) {
    const fromLane = await ask(lane.base, path, { headers });
    const fromFastify = await ask(fastify.base, path, { headers });
    t.same(comparable(t, fromLane), comparable(t, fromFastify), `${path} ${JSON.stringify(headers)}`);
  }
  t.equal(lane.reachedFastify(), 0, 'every one of them answered before Fastify');
  t.equal(fastify.reachedFastify(), questions.length);
  const ok = await ask(lane.base, LIST);
  t.equal(ok.status, 200);
  t.equal(ok.body, list.bytes.toString());
  // Seven catalogue questions and this one: the probe is not counted against the catalogue's budget.
  t.equal(ok.headers['x-ratelimit-remaining'], String(1_000 - 8));
});

t.test('an incoming request id is kept when well-formed and replaced otherwise, by the lane as by Fastify', async (t) => {
  const { lane, fastify } = await twins(t);
  for (const id of ['trace-1234.abc:def', 'has spaces', 'x'.repeat(129)]) {
    const fromLane = await ask(lane.base, LIST, { headers: { 'x-request-id': id } });
    const fromFastify = await ask(fastify.base, LIST, { headers: { 'x-request-id': id } });
    const kept = id === 'trace-1234.abc:def';
    t.equal(fromLane.headers['x-request-id'] === id, kept, `${id.slice(0, 20)}: ${kept ? 'kept' : 'replaced'}`);
    t.same(comparable(t, fromLane, !kept), comparable(t, fromFastify, !kept));
  }
  t.equal(lane.reachedFastify(), 0);
});

t.test('what the lane leaves to Fastify reaches Fastify, and the answers are the same', async (t) => {
  const { lane, fastify } = await twins(t);
  const questions: Array<[string, { method?: string; headers?: Record<string, string> }]> = [
    [LIST, { method: 'HEAD' }],
    [LIST, { method: 'POST' }],
    [`${LIST}?tag=x`, {}],
    [`${LIST}?sync=true`, {}],
    [`${LIST}prod_lane`, {}],
    [`${LIST}prod%5Flane/`, {}],
    [`${LIST}no-such-academy/`, {}],
    [`${LIST}a%00b/`, {}],
    // One past the lane's identifier bound (255): Fastify's, whatever it answers.
    [`${LIST}${'a'.repeat(256)}/`, {}],
    ['/healthz?x=1', {}],
    ['/healthz', { method: 'HEAD' }],
    ['/no/such/path', {}],
  ];
  for (const [path, options] of questions) {
    const before = lane.reachedFastify();
    const fromLane = await ask(lane.base, path, options);
    const fromFastify = await ask(fastify.base, path, options);
    t.equal(lane.reachedFastify(), before + 1, `${options.method ?? 'GET'} ${path}: Fastify's`);
    t.same(comparable(t, fromLane), comparable(t, fromFastify), `${options.method ?? 'GET'} ${path}: ${fromLane.status}`);
  }
});

t.test('the budget is counted once per request on either path: the same remaining counts and the same 429', async (t) => {
  const { lane, fastify } = await twins(t, { rateLimit: { max: 3, windowMs: 3_600_000 } });
  for (let i = 1; i <= 5; i += 1) {
    // The detail and the list share the budget, on the lane as on Fastify's routes.
    const path = i % 2 === 0 ? LIST : `${LIST}prod_lane/`;
    const fromLane = comparable(t, await ask(lane.base, path));
    const fromFastify = comparable(t, await ask(fastify.base, path));
    t.same(fromLane, fromFastify, `request ${i}: ${fromLane.status}, ${String(fromLane.headers['x-ratelimit-remaining'])} left`);
    t.equal(fromLane.status, i <= 3 ? 200 : 429);
  }
  t.equal(lane.reachedFastify(), 2, 'the lane answered the three within the budget; Fastify the two refused');
});

t.test('behind a trusted proxy the budget is per forwarded client address, on the lane as on Fastify', async (t) => {
  const { lane, fastify } = await twins(t, { trustProxy: 1, rateLimit: { max: 1, windowMs: 3_600_000 } });
  for (const client of ['203.0.113.7', '203.0.113.8', '203.0.113.7']) {
    const headers = { 'x-forwarded-for': client };
    const fromLane = comparable(t, await ask(lane.base, LIST, { headers }));
    t.same(fromLane, comparable(t, await ask(fastify.base, LIST, { headers })), `${client}: ${fromLane.status}`);
  }
  t.equal((await ask(lane.base, LIST, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status, 200, 'a fourth address has its own budget');
});

t.test('the lane counts its answers in the same metrics, by route template and status', async (t) => {
  const { lane, fastify } = await twins(t);
  for (const twinApp of [lane, fastify]) {
    await ask(twinApp.base, LIST);
    await ask(twinApp.base, LIST);
    await ask(twinApp.base, LIST, { headers: { 'if-none-match': list.etag } });
    await ask(twinApp.base, `${LIST}prod_lane/`);
    await ask(twinApp.base, '/healthz');
  }
  for (const [route, status, expected] of [
    [LIST, 200, 2],
    [LIST, 304, 1],
    [`${LIST}:id/`, 200, 1],
    ['/healthz', 200, 1],
  ] as const) {
    t.equal(await countOf(lane.metrics, route, status), expected, `lane: ${route} ${status}`);
    t.equal(await countOf(fastify.metrics, route, status), expected, `Fastify: ${route} ${status}`);
  }
  t.equal(lane.reachedFastify(), 0);
});

t.test('with CORS configured: Vary: Origin on the lane as on Fastify, and a request with an Origin is Fastify\'s', async (t) => {
  const { lane, fastify } = await twins(t, { corsAllowedOrigins: ['https://shop.example'] });
  const plain = comparable(t, await ask(lane.base, LIST));
  t.equal(plain.headers.vary, 'Origin');
  t.same(plain, comparable(t, await ask(fastify.base, LIST)));
  t.equal(lane.reachedFastify(), 0);
  const headers = { origin: 'https://shop.example' };
  const fromLane = comparable(t, await ask(lane.base, LIST, { headers }));
  t.equal(fromLane.headers['access-control-allow-origin'], 'https://shop.example');
  t.same(fromLane, comparable(t, await ask(fastify.base, LIST, { headers })));
  t.equal(lane.reachedFastify(), 1);
  const probe = comparable(t, await ask(lane.base, '/healthz', { headers }));
  t.equal(probe.headers['access-control-allow-origin'], 'https://shop.example', 'a probe asked from an allowed origin gets the CORS headers too');
  t.same(probe, comparable(t, await ask(fastify.base, '/healthz', { headers })));
  t.equal(lane.reachedFastify(), 2);
});

t.test('the lane only takes what is kept: no read model work before the count, none outside the request id', async (t) => {
  const calls: Array<string | undefined> = [];
  const counting: CatalogueQueries<ReadyResponse> = {
    list: () => {
      calls.push(currentRequestId());
      return Promise.resolve(list);
    },
    detail: () => {
      calls.push(currentRequestId());
      return Promise.reject(new NotFoundError('academy.not_found'));
    },
    kept: { list: () => undefined, detail: () => undefined },
  };
  const { lane } = await twins(t, { catalogue: counting, rateLimit: { max: 2, windowMs: 3_600_000 } });
  const statuses: number[] = [];
  for (const [path, id] of [[LIST, 'build-1'], [`${LIST}nope/`, 'build-2'], [`${LIST}nope/`, 'build-3'], [LIST, 'build-4']] as const) {
    statuses.push((await ask(lane.base, path, { headers: { 'x-request-id': id } })).status);
  }
  t.same(statuses, [200, 404, 429, 429]);
  t.same(calls, ['build-1', 'build-2'], 'asked only by the handlers of the two counted requests, each inside its own request id');
});

t.test('when the log level writes request lines, Fastify answers and writes them', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const { lane } = await twins(t, { logger });
  t.equal((await ask(lane.base, LIST)).status, 200);
  t.equal((await ask(lane.base, '/healthz')).status, 200);
  t.equal(lane.reachedFastify(), 1, 'the catalogue request went to Fastify (info writes its lines); the probe did not (its lines are debug)');
  t.ok(lines.some((line) => line.includes('"msg":"incoming request"') && line.includes(LIST)), 'the request line was written');
  // The level Fastify's request lines follow is its own logger's (a child made when the app was built).
  lane.app.log.level = 'warn';
  t.equal((await ask(lane.base, LIST)).status, 200);
  t.equal(lane.reachedFastify(), 1, 'at warn the lane answers');
  lane.app.log.level = 'debug';
  t.equal((await ask(lane.base, '/healthz')).status, 200);
  t.equal(lane.reachedFastify(), 2, 'at debug the probe is Fastify\'s too');
});

t.test('a read model that throws: the lane steps aside and Fastify answers as it would have', async (t) => {
  const broken: CatalogueQueries<ReadyResponse> = {
    list: () => {
      throw new Error('read model broke');
    },
    detail: () => {
      throw new Error('read model broke');
    },
    kept: {
      list: () => {
        throw new Error('read model broke');
      },
      detail: () => {
        throw new Error('read model broke');
      },
    },
  };
  const { lane, fastify } = await twins(t, { catalogue: broken });
  const fromLane = comparable(t, await ask(lane.base, LIST));
  t.equal(fromLane.status, 502);
  t.same(fromLane, comparable(t, await ask(fastify.base, LIST)));
  t.equal(lane.reachedFastify(), 1);
});

/**
 * A request whose head arrives after close() began, on a connection that was busy (so close() does not
 * drop it): what Fastify answers then (503, connection: close), both apps alike. Raw socket: the head is
 * sent in two parts so the connection is mid-request when the server starts closing.
 */
async function askWhileClosing(twinApp: Twin, path: string): Promise<string> {
  const { port } = new URL(twinApp.base);
  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n`);
  // The server has read the first part (its parser has begun the message) once a probe request on another connection is answered.
  await ask(twinApp.base, '/no/such/path');
  const closed = twinApp.app.close();
  socket.end('x-request-id: closing-1\r\n\r\n');
  await once(socket, 'close');
  await closed;
  return received;
}

t.test('once the server is closing, the lane steps aside: Fastify answers 503 and closes the connection', async (t) => {
  const { lane, fastify } = await twins(t);
  const normalize = (raw: string) =>
    raw
      .split('\r\n')
      .filter((line) => !line.toLowerCase().startsWith('date:'))
      .join('\n');
  const fromLane = await askWhileClosing(lane, LIST);
  const fromFastify = await askWhileClosing(fastify, LIST);
  t.match(fromLane, /^HTTP\/1\.1 503 /, fromLane.split('\r\n')[0] ?? '');
  t.match(fromLane.toLowerCase(), /connection: close/);
  t.equal(normalize(fromLane), normalize(fromFastify));
});

t.test("the lane looks up the list under the key the route's handler uses for an empty query", async (t) => {
  const asked: { handler: AcademyFilter[]; lane: AcademyFilter[] } = { handler: [], lane: [] };
  const recording: CatalogueQueries<ReadyResponse> = {
    list: (filter) => {
      asked.handler.push(filter);
      return list;
    },
    detail: () => detail,
    kept: {
      list: (filter) => {
        asked.lane.push(filter);
        return list;
      },
      detail: () => detail,
    },
  };
  const { lane, fastify } = await twins(t, { catalogue: recording });
  await ask(lane.base, LIST);
  await ask(fastify.base, LIST);
  t.equal(asked.lane.length, 1);
  t.equal(asked.handler.length, 1);
  t.equal(filterKey(asked.lane[0] ?? {}), filterKey(asked.handler[0] ?? { tags: ['never'] }), 'one key: a list kept by the handler is found by the lane');
});

t.test('with the budget in Redis the lane counts there too, shared with Fastify\'s path on another replica', async (t) => {
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const clients = [createRedisClient(redisUrl, silentLogger), createRedisClient(redisUrl, silentLogger)] as const;
  t.teardown(() => clients.forEach((client) => client.disconnect()));
  // Connected before the first request: with no offline queue, a count asked earlier would fall back to memory.
  await Promise.all(clients.map((client) => (client.status === 'ready' ? undefined : once(client, 'ready'))));
  const rateLimit = (redis: (typeof clients)[number]) => ({ max: 3, windowMs: 60_000, redis });
  const lane = await twin(t, { readyLane: true, trustProxy: 1, rateLimit: rateLimit(clients[0]) });
  const fastify = await twin(t, { readyLane: false, trustProxy: 1, rateLimit: rateLimit(clients[1]) });
  // A client address of this run's own: parallel runs never share the counter.
  const headers = { 'x-forwarded-for': `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}` };
  const answers: Answer[] = [];
  for (const replica of [lane, fastify, lane, lane]) answers.push(await ask(replica.base, LIST, { headers }));
  t.same(
    answers.map((answer) => [answer.status, answer.headers['x-ratelimit-remaining']]),
    [
      [200, '2'],
      [200, '1'],
      [200, '0'],
      [429, '0'],
    ],
    'one budget across both replicas and both paths',
  );
  t.equal(lane.reachedFastify(), 1, 'the lane answered its two within the budget after Redis counted them; Fastify the refused one');
});
