/**
 * Issue 11 item 6: which incoming x-request-id is kept, probe requests logged at debug, and the two log
 * formats. The id passed on to Stripe and enterprise-catalog: tests/e2e/request-id-propagation.test.ts.
 */
import t, { type Test } from 'tap';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { createLogger, type LogFormat } from '../../src/adapters/logging/pino-logger.ts';
import { buildTestApp } from '../helpers/build-test-app.ts';
import { fakePriceSource } from '../helpers/fake-price-source.ts';
import { inMemoryAcademyRepository } from '../helpers/in-memory-academy-repository.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const LIST = '/api/v1/academy-products/';

/** A destination that keeps every line; `isTTY` as a terminal would set it. */
function capture(isTTY = false) {
  const lines: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(...chunk.toString().split('\n').filter((line) => line !== ''));
        callback();
      },
    }),
    isTTY ? { isTTY: true } : {},
  );
  return { lines, stream };
}

async function appLoggingAt(t: Test, level: string, checkReadiness?: () => Promise<void>) {
  const { lines, stream } = capture();
  const app = await buildTestApp({
    academies: inMemoryAcademyRepository([{ name: 'AI Academy', slug: 'ai' }]),
    prices: fakePriceSource([]),
    logger: createLogger(level, stream),
    ...(checkReadiness ? { checkReadiness } : {}),
  });
  t.teardown(() => app.close());
  const entries = () => lines.map((line) => JSON.parse(line) as { level: number; msg: string; reqId?: string; req?: { url?: string } });
  return { app, entries };
}

t.test('an incoming x-request-id is kept only when it is 1-128 characters of [A-Za-z0-9._:-]; otherwise a new one is made', async (t) => {
  const { app, entries } = await appLoggingAt(t, 'info');
  const kept = ['trace-me-123', 'a'.repeat(128), 'Root:1-5759e988.bd862e3f-e1be-4b8b', '0af7651916cd43dd8448eb211c80319c', 'A.b:C-d', 'under_score'];
  const replaced = ['a'.repeat(129), 'x'.repeat(3_000), 'has space', 'semi;colon', 'slash/ed', '<script>', '"quoted"', '%41'];
  for (const id of kept) {
    const res = await app.inject({ url: LIST, headers: { 'x-request-id': id } });
    t.equal(res.headers['x-request-id'], id, `kept: ${id.slice(0, 40)}`);
  }
  for (const id of replaced) {
    const res = await app.inject({ url: LIST, headers: { 'x-request-id': id } });
    t.match(res.headers['x-request-id'], UUID, `replaced by a new UUID: ${id.slice(0, 40)}`);
  }
  const none = await app.inject({ url: LIST });
  t.match(none.headers['x-request-id'], UUID, 'none sent: a new UUID');
  const all = JSON.stringify(entries());
  t.notOk(all.includes('x'.repeat(129)), 'the 3,000-character id is not logged');
  t.notOk(all.includes('<script>'), 'nor an id with markup');
  t.ok(entries().every((entry) => entry.reqId === undefined || entry.reqId.length <= 128), 'every logged id is at most 128 characters');
});

t.test('probe requests log at debug: nothing at info, their two lines at debug; other requests still at info', async (t) => {
  await t.test('at info', async (t) => {
    const { app, entries } = await appLoggingAt(t, 'info');
    for (const url of ['/healthz', '/readyz', '/healthz/', '/readyz?verbose=1']) t.equal((await app.inject({ url })).statusCode, 200, `${url} answers`);
    t.same(entries(), [], 'no line for four probe requests');
    await app.inject({ url: LIST });
    t.same(entries().map((entry) => [entry.level, entry.msg]), [[30, 'incoming request'], [30, 'request completed']], 'a catalogue request: two info lines');
  });
  await t.test('at debug', async (t) => {
    const { app, entries } = await appLoggingAt(t, 'debug');
    await app.inject({ url: '/healthz' });
    await app.inject({ url: '/readyz' });
    const probeLines = entries().filter((entry) => entry.msg === 'incoming request' || entry.msg === 'request completed');
    t.equal(probeLines.length, 4, 'incoming and completed for each probe');
    t.ok(probeLines.every((entry) => entry.level === 20), 'all at debug (20)');
  });
  await t.test('a failing readiness check still says why at info level', async (t) => {
    const { app, entries } = await appLoggingAt(t, 'info', () => Promise.reject(new Error('database down')));
    t.equal((await app.inject({ url: '/readyz' })).statusCode, 503);
    t.same(entries().map((entry) => [entry.level, entry.msg]), [[40, 'readiness check failed']], 'one warn line, no request lines');
  });
});

t.test('at warn, no request line is written, and a warning still names its request', async (t) => {
  const { app, entries } = await appLoggingAt(t, 'warn', () => Promise.reject(new Error('database down')));
  await app.inject({ url: LIST });
  await app.inject({ url: '/healthz' });
  t.same(entries(), [], 'nothing for a catalogue request and a probe');
  const failed = await app.inject({ url: '/readyz', headers: { 'x-request-id': 'ready-check-1' } });
  t.equal(failed.statusCode, 503);
  t.match(entries(), [{ level: 40, msg: 'readiness check failed', reqId: 'ready-check-1' }], 'the warning, with its request id');
  t.equal(entries().length, 1, 'and nothing else');
});

function logOneLine(format: LogFormat, isTTY: boolean): string[] {
  const { lines, stream } = capture(isTTY);
  createLogger('info', stream, format).info({ stripeKey: 'sk_live_abcdefghijkl', academies: 3 }, 'sync finished with sk_live_abcdefghijkl');
  return lines;
}

t.test('LOG_FORMAT: JSON by default and when redirected; readable lines with pretty or at a terminal; secrets redacted in both', async (t) => {
  for (const [format, isTTY] of [['json', false], ['json', true], ['auto', false]] as const) {
    const lines = logOneLine(format, isTTY);
    t.equal(lines.length, 1, `${format}${isTTY ? ' at a terminal' : ''}: one line`);
    t.match(JSON.parse(lines[0] ?? '{}'), { level: 30, msg: 'sync finished with sk_[redacted]', academies: 3, stripeKey: '[redacted]' }, `${format}${isTTY ? ' at a terminal' : ''}: JSON`);
  }
  for (const [format, isTTY] of [['pretty', false], ['auto', true], ['pretty', true]] as const) {
    const lines = logOneLine(format, isTTY);
    const where = `${format}${isTTY ? ' at a terminal' : ''}`;
    t.equal(lines.length, 1, `${where}: one line`);
    const line = lines[0] ?? '';
    t.throws(() => JSON.parse(line), `${where}: not JSON`);
    // Colours only at a terminal.
    t.equal(line.includes('\u001b['), isTTY, `${where}: ${isTTY ? 'coloured' : 'no escape codes'}`);
    const plain = stripVTControlCharacters(line);
    t.match(plain, /^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: sync finished with sk_\[redacted\] /, `${where}: time, level and message first`);
    t.match(plain, /"academies":3/, `${where}: the fields after it`);
    t.notMatch(plain, /sk_live_abcdefghijkl/, `${where}: the key is redacted`);
    t.notMatch(plain, /"(pid|hostname|service)"/, `${where}: without pid, hostname and service`);
  }
});
