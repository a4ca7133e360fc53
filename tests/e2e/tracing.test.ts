import t from 'tap';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeCatalog } from '../helpers/fake-catalog.ts';
import { startFakeStripe } from '../helpers/fake-stripe.ts';
import { REPO_ROOT, runCli, startService } from '../helpers/service-process.ts';
import { CUSTOMER } from '../helpers/sync-harness.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

// OpenTelemetry on the real process: the preload, a local OTLP/HTTP receiver, and the traceparent that
// reaches Stripe and enterprise-catalog. Several Node processes: minutes on a loaded machine.
t.setTimeout(900_000);

const PRELOAD = ['--import', './src/adapters/tracing/register.ts'];
const SPAN_KIND = { SERVER: 2, CLIENT: 3 } as const;

interface Span {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly scope: string;
  readonly service: string | undefined;
  readonly attributes: Readonly<Record<string, unknown>>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type KeyValue = { key: string; value: AnyValue };
const valueOf = (v: AnyValue) => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
const attributesOf = (list: readonly KeyValue[] = []) => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

/** A local OTLP/HTTP receiver (OTEL_EXPORTER_OTLP_PROTOCOL=http/json): every span POSTed to /v1/traces. */
async function startReceiver(): Promise<{ url: string; spans: Span[]; close(): Promise<void> }> {
  const spans: Span[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        type Export = { resourceSpans?: Array<{ resource?: { attributes?: KeyValue[] }; scopeSpans?: Array<{ scope?: { name?: string }; spans?: Array<Omit<Span, 'scope' | 'service' | 'attributes'> & { attributes?: KeyValue[] }> }> }> };
        for (const resourceSpans of (JSON.parse(body) as Export).resourceSpans ?? []) {
          const service = attributesOf(resourceSpans.resource?.attributes)['service.name'];
          for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
            for (const span of scopeSpans.spans ?? []) {
              spans.push({ ...span, scope: scopeSpans.scope?.name ?? '', service: typeof service === 'string' ? service : undefined, attributes: attributesOf(span.attributes) });
            }
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const url = await listen(server);
  return { url, spans, close: () => close(server) };
}

/** Forwards every request to `target` and records its headers: what the service sent upstream. */
async function startRecordingProxy(target: string): Promise<{ url: string; headers: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const headers: IncomingHttpHeaders[] = [];
  const to = new URL(target);
  const server = createServer((req, res) => {
    headers.push(req.headers);
    const upstream = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const url = await listen(server);
  return { url, headers, close: () => close(server) };
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function waitFor<T>(what: string, probe: () => T | undefined, withinMs = 240_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `traceparent: 00-<trace id>-<parent span id>-<flags>` (W3C Trace Context). */
function parseTraceparent(header: string | string[] | undefined): { traceId: string; parentId: string } | undefined {
  const [, traceId, parentId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(String(header ?? '')) ?? [];
  return traceId && parentId ? { traceId, parentId } : undefined;
}

const run = (args: readonly string[], env: Record<string, string>) => runCli(args, env, PRELOAD);

const otlpEnv = (receiver: { url: string }) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_BSP_SCHEDULE_DELAY: '100',
});

t.test('without an OTLP endpoint the preload loads no SDK; with one it registers a tracer provider', async (t) => {
  // The OpenTelemetry API keeps its registered globals under this symbol; nothing registers without the SDK.
  const probe = `process.stdout.write(String(globalThis[Symbol.for('opentelemetry.js.api.1')] !== undefined))`;
  const registered = (env: Record<string, string>) => spawnEval(probe, env);
  t.equal(await registered({}), 'false', 'no endpoint: nothing registered');
  t.equal(await registered({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_SDK_DISABLED: 'true' }), 'false', 'OTEL_SDK_DISABLED=true: nothing registered');
  t.equal(await registered({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }), 'true', 'an endpoint: the SDK is registered');
});

function spawnEval(code: string, env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...PRELOAD, '--input-type=module', '--eval', code], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve) => child.on('close', () => resolve(stdout)));
}

const testDatabase = await createTestDatabase();
t.teardown(() => testDatabase.close());

t.test('a served request continues the incoming trace through Fastify, PostgreSQL and Stripe', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const stripe = await startFakeStripe();
  t.teardown(() => stripe.close());
  const stripeProxy = await startRecordingProxy(stripe.url);
  t.teardown(() => stripeProxy.close());
  const database: Record<string, string> = testDatabase.url ? { DATABASE_URL: testDatabase.url } : {};
  const service = await startService({ ...otlpEnv(receiver), ...database, STRIPE_SECRET_KEY: 'sk_test_tracing', STRIPE_API_URL: stripeProxy.url }, 240_000, PRELOAD);
  t.teardown(() => service.stop('SIGKILL'));

  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  const response = await fetch(`${service.baseUrl}/api/v1/academy-products/`, { headers: { traceparent: `00-${traceId}-${parentId}-01` } });
  t.equal(response.status, 200, 'the catalogue answers');
  const inTrace = () => receiver.spans.filter((span) => span.traceId === traceId);

  const server = await waitFor('the server span', () => inTrace().find((span) => span.kind === SPAN_KIND.SERVER));
  t.equal(server.parentSpanId, parentId, 'the server span is a child of the incoming traceparent');
  t.equal(server.service, 'academy-billing', 'service.name is academy-billing');
  t.equal(server.attributes['http.route'], '/api/v1/academy-products/', 'named after the Fastify route');

  const fastify = await waitFor('Fastify spans', () => (inTrace().some((span) => span.scope === '@fastify/otel') ? inTrace().filter((s) => s.scope === '@fastify/otel') : undefined));
  t.ok(fastify.some((span) => /handler/.test(span.name)), `Fastify's handler has a span (${fastify.map((s) => s.name).join(', ')})`);

  const client = await waitFor('the Stripe client span', () => inTrace().find((span) => span.kind === SPAN_KIND.CLIENT && String(span.attributes['server.port'] ?? span.attributes['net.peer.port']) === new URL(stripeProxy.url).port));
  const sent = stripeProxy.headers.map((headers) => parseTraceparent(headers.traceparent));
  t.ok(sent.some((context) => context?.traceId === traceId && context.parentId === client.spanId), 'Stripe received the traceparent of its client span, in the same trace');

  if (testDatabase.url) {
    const queries = await waitFor('PostgreSQL spans', () => {
      const found = inTrace().filter((span) => span.scope === '@opentelemetry/instrumentation-pg');
      return found.length > 0 ? found : undefined;
    });
    t.ok(queries.every((span) => span.attributes['db.system.name'] === 'postgresql'), `PostgreSQL queries are spans of the request (${queries.length})`);
    t.ok(queries.some((span) => /select/i.test(String(span.attributes['db.query.text']))), 'with their SQL');
  } else {
    t.comment('PGlite (no TEST_DATABASE_URL): no pg driver, so no query spans to check');
  }

  // Probes and the scrape would be noise: not traced.
  await fetch(`${service.baseUrl}/healthz`, { headers: { traceparent: `00-${randomBytes(16).toString('hex')}-${parentId}-01` } });
  t.equal(await service.stop('SIGTERM'), 0, 'SIGTERM still drains and exits 0 (the buffered spans are flushed first)');
  t.notOk(receiver.spans.some((span) => span.attributes['http.route'] === '/healthz' || span.attributes['url.path'] === '/healthz'), '/healthz is not traced');
});

t.test('a sync run traces its enterprise-catalog calls and sends them traceparent', async (t) => {
  const receiver = await startReceiver();
  t.teardown(() => receiver.close());
  const catalog = await startFakeCatalog();
  t.teardown(() => catalog.close());
  const proxy = await startRecordingProxy(new URL(catalog.apiUrl).origin);
  t.teardown(() => proxy.close());
  const via = (url: string) => `${proxy.url}${new URL(url).pathname}`;
  const database: Record<string, string> = testDatabase.url ? { DATABASE_URL: testDatabase.url } : { PGLITE_DIR: `${t.testdir({})}/pglite` };
  const env = {
    ...otlpEnv(receiver),
    ...database,
    CATALOG_API_URL: via(catalog.apiUrl),
    CATALOG_OAUTH_TOKEN_URL: via(catalog.tokenUrl),
    CATALOG_CLIENT_ID: catalog.clientId,
    CATALOG_CLIENT_SECRET: catalog.clientSecret,
    ACADEMY_SYNC_ENTERPRISE_CUSTOMER_UUID: CUSTOMER,
  };
  if (!testDatabase.url) t.equal((await run(['migrate'], env)).code, 0, 'the PGlite directory is migrated first');
  const sync = await run(['sync'], env);
  t.equal(sync.code, 0, `sync succeeds${sync.code === 0 ? '' : `: ${sync.stdout}${sync.stderr}`}`);
  const contexts = proxy.headers.map((headers) => parseTraceparent(headers.traceparent));
  t.ok(contexts.length >= 2 && contexts.every(Boolean), `every catalog request (token and API, ${contexts.length}) carried a traceparent`);
  // The process has exited: its spans were flushed on the way out.
  for (const context of contexts) {
    t.ok(receiver.spans.some((span) => span.kind === SPAN_KIND.CLIENT && span.traceId === context?.traceId && span.spanId === context.parentId), `the client span ${context?.parentId} was exported`);
  }
});
