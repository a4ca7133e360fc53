/**
 * Issue 15, finding 1, on the real `serve` process: a signed-in user does the most the limits allow
 * and the process's peak RSS (VmHWM, from /proc) stays under 300 MB, below the Deployment's 512 Mi.
 * The attacker tries what the old code accepted (intents with ~900 KB of terms_metadata), then holds
 * an intent for every product (one per user and product: a new request reopens it) with the largest
 * terms_metadata the limits accept, shaped to cost the most memory once parsed; other accounts do
 * the same until everyone's intents fill the largest `limit`; then 64 lists at limit=200 run at once
 * (the attacker's own, and an admin's page of everyone's, which holds MAX_INTENTS_PER_PAGE).
 * Needs a real PostgreSQL server (the Deployment's case; PGlite would run inside the measured
 * process). The process is the built service run with plain node, as the image runs it. The process runs with the Deployment's V8 heap cap (NODE_OPTIONS in
 * deploy/base/config.env): without it V8 lets the burst's garbage pile up past 300 MB RSS before
 * collecting it (decision 0020 has the measurements).
 *
 * AUTHENTICATED_WRITE_RATE_LIMIT is raised for this process on purpose: the memory bound must hold
 * whatever the rate (many accounts, or a patient attacker, reach the same state), and at 30/minute
 * the ~250 writes below would take minutes.
 */
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { SignJWT, type JWTPayload } from 'jose';
import { MAX_INTENTS_PER_PAGE } from '../../src/adapters/http/schemas/checkout-intent.schema.ts';
import { MAX_TERMS_METADATA_BYTES, MAX_TERMS_METADATA_KEYS } from '../../src/domain/checkout-intent/create-or-update.ts';
import { buildService, startService } from '../helpers/service-process.ts';
import { createTestDatabase } from '../helpers/test-database.ts';

const PEAK_RSS_LIMIT_BYTES = 300 * 2 ** 20;
/** The largest `limit` the list accepts (IntentListQuerySchema). */
const MAX_LIMIT = 200;
/** Concurrent list requests at the largest `limit`: more than the database pool, so results pile up in the process. */
const CONCURRENT_LISTS = 64;
/** What the issue's attacker sent per intent (180 of them): accepted, they took the process to 1.1 GB. */
const OLD_ATTACK_BYTES = 900_000;
const OLD_ATTACK_REQUESTS = 40;
/** The active products of the example catalogue the process syncs at start, and Teams (''). */
const PRODUCTS = ['', 'prod_ai', 'prod_data', 'prod_lead', 'prod_cloud', 'prod_security'];
/** The attacker and its other accounts: enough intents for a full page of everyone's (what an admin lists). */
const ACCOUNTS = ['attacker', ...Array.from({ length: Math.ceil(MAX_LIMIT / PRODUCTS.length) }, (_, i) => `sybil-${i}`)];
const SECRET = 'a-memory-test-secret-of-at-least-32-bytes';
const BASE = '/api/v1/checkout-intents/';

if (!process.env.TEST_DATABASE_URL) {
  t.test('one user at every limit keeps the process under 300 MB', { skip: 'needs a real PostgreSQL server: set TEST_DATABASE_URL (PGlite would run inside the measured process)' }, async () => {});
} else {
  await run();
}

async function run(): Promise<void> {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.close());
  // Built with tsc and run with plain node, as the image runs it: the tsx loader alone costs about 100 MB
  // (and more on Node 24), which is not the service's memory.
  const built = await buildService();
  t.teardown(() => built.remove());
  const service = await startService({
    DATABASE_URL: testDb.url ?? '',
    DATABASE_POOL_MAX: '10',
    JWT_SECRET_KEY: SECRET,
    JWT_ALLOW_ANY_ISSUER: 'true',
    AUTHENTICATED_WRITE_RATE_LIMIT: '1000000/minute',
    LOG_LEVEL: 'warn',
    // The heap cap the Deployment runs with (its tracing preload is for the built image only).
    NODE_OPTIONS: await deploymentHeapCap(),
  }, undefined, [], built.main);
  t.teardown(() => service.stop('SIGKILL'));
  const pid = service.child.pid ?? 0;
  const attacker = await bearer({ user_id: 'attacker' });
  const admin = await bearer({ user_id: 'ops', administrator: true });
  const post = (url: string, authorization: string, body: unknown) =>
    fetch(`${service.baseUrl}${url}`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const startRss = await memoryOf(pid);
  t.comment(`after start: VmRSS ${mb(startRss.rss)}, VmHWM ${mb(startRss.hwm)}`);

  t.test('the old attack is refused: ~900 KB of terms_metadata is a 400, nothing stored', async (t) => {
    const huge = { blob: 'x'.repeat(OLD_ATTACK_BYTES) };
    const statuses = await inBatches(OLD_ATTACK_REQUESTS, 8, async (i) => {
      const res = await post(BASE, attacker, intentBody(i, 'prod_ai', huge));
      await res.arrayBuffer();
      return res.status;
    });
    t.same(new Set(statuses), new Set([400]), `${OLD_ATTACK_REQUESTS} attempts, every one 400`);
  });

  t.test('every product bought with the largest terms_metadata, by the attacker and enough other accounts for limit=200', async (t) => {
    const terms = costliestTerms();
    t.ok(Buffer.byteLength(JSON.stringify(terms)) <= MAX_TERMS_METADATA_BYTES, 'the terms are within the byte limit');
    // One intent per user and product (a new request reopens the same one): accounts are what multiplies intents.
    const statuses = await inBatches(ACCOUNTS.length, 4, async (a) => {
      const account = ACCOUNTS[a] ?? 'attacker';
      const authorization = account === 'attacker' ? attacker : await bearer({ user_id: account });
      return Promise.all(
        PRODUCTS.map(async (product, p) => {
          const res = await post(BASE, authorization, intentBody(a * PRODUCTS.length + p, product, terms));
          await res.arrayBuffer();
          return res.status;
        }),
      );
    });
    t.same(new Set(statuses.flat()), new Set([201]), `${statuses.flat().length} intents created`);
    const again = await post(BASE, attacker, intentBody(0, 'prod_ai', terms));
    t.equal(again.status, 200, 'asking again reopens the same intent: one per user and product');
  });

  t.test(`${CONCURRENT_LISTS} lists at limit=${MAX_LIMIT} at once: pages of ${MAX_INTENTS_PER_PAGE}, peak RSS under 300 MB`, async (t) => {
    const pages = await Promise.all(
      Array.from({ length: CONCURRENT_LISTS }, async (_, i) => {
        // Half the attacker's own list, half everyone's (an admin's page: the only full one).
        const res = await fetch(`${service.baseUrl}${BASE}?limit=${MAX_LIMIT}`, { headers: { authorization: i % 2 === 0 ? admin : attacker } });
        const text = await res.text();
        const page = res.ok ? (JSON.parse(text) as { next: string | null; results: unknown[] }) : { next: null, results: [] };
        return { own: i % 2 === 1, status: res.status, bytes: Buffer.byteLength(text), results: page.results.length, next: page.next };
      }),
    );
    t.same(new Set(pages.map((p) => p.status)), new Set([200]), 'every list answered 200');
    const everyones = pages.filter((p) => !p.own);
    t.same(new Set(everyones.map((p) => p.results)), new Set([MAX_INTENTS_PER_PAGE]), `every page of everyone's holds ${MAX_INTENTS_PER_PAGE} intents, not the ${MAX_LIMIT} asked for`);
    t.same(new Set(everyones.map((p) => p.next)), new Set([`${BASE}?limit=${MAX_INTENTS_PER_PAGE}&offset=${MAX_INTENTS_PER_PAGE}`]), '`next` goes on from there');
    t.same(new Set(pages.filter((p) => p.own).map((p) => p.results)), new Set([PRODUCTS.length]), `the attacker's own: one per product (${PRODUCTS.length})`);
    const { rss, hwm } = await memoryOf(pid);
    t.comment(`full page ${mb(Math.max(...pages.map((p) => p.bytes)))}; after: VmRSS ${mb(rss)}, peak VmHWM ${mb(hwm)} (start ${mb(startRss.hwm)})`);
    t.ok(hwm < PEAK_RSS_LIMIT_BYTES, `peak RSS ${mb(hwm)} < ${mb(PEAK_RSS_LIMIT_BYTES)}`);
    t.equal((await fetch(`${service.baseUrl}/healthz`)).status, 200, 'the process is alive and answering');
  });
}

/**
 * The largest terms_metadata the limits accept, shaped for the most objects once parsed: 50 keys
 * (the key limit), the rest of the 4 KB filled with empty objects, each a heap object of its own in
 * the service (pg's JSON.parse of the jsonb column) where a string of the same bytes would be one.
 */
function costliestTerms(): Record<string, unknown[]> {
  const keys = Array.from({ length: MAX_TERMS_METADATA_KEYS }, (_, i) => `k${i}`);
  const terms: Record<string, Array<Record<string, never>>> = Object.fromEntries(keys.map((key) => [key, []]));
  for (let i = 0; ; i += 1) {
    const list = terms[keys[i % keys.length] ?? 'k0'] ?? [];
    list.push({});
    if (Buffer.byteLength(JSON.stringify(terms)) > MAX_TERMS_METADATA_BYTES) {
      list.pop();
      return terms;
    }
  }
}

/** Slug and name at their longest, unique per intent (a user may hold many). */
function intentBody(i: number, product: string, terms: unknown): Record<string, unknown> {
  const tag = String(i).padStart(6, '0');
  return {
    quantity: 1,
    stripe_product_id: product,
    enterprise_slug: `${'s'.repeat(249)}${tag}`,
    enterprise_name: `${'N'.repeat(248)} ${tag}`,
    country: 'US',
    terms_metadata: terms,
  };
}

async function bearer(claims: JWTPayload): Promise<string> {
  const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('2h').sign(new TextEncoder().encode(SECRET));
  return `Bearer ${token}`;
}

/** `--max-old-space-size=N` from the NODE_OPTIONS of deploy/base/config.env. */
async function deploymentHeapCap(): Promise<string> {
  const configEnv = await readFile(new URL('../../deploy/base/config.env', import.meta.url), 'utf8');
  const options = /^NODE_OPTIONS=(.*)$/m.exec(configEnv)?.[1] ?? '';
  // The V8 heap flags (old and young generation); the tracing preload is left out (no collector here).
  const flags = options.split(/\s+/).filter((flag) => /^--max-(old|semi)-space-size=\d+$/.test(flag));
  if (!flags.some((flag) => flag.startsWith('--max-old-space-size='))) throw new Error('deploy/base/config.env: NODE_OPTIONS sets no --max-old-space-size');
  return flags.join(' ');
}

/** VmRSS and VmHWM (peak RSS since start) of a process, in bytes, from /proc. */
async function memoryOf(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

async function inBatches<T>(count: number, size: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += size) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(size, count - start) }, (_, j) => task(start + j)))));
  }
  return results;
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}
