// CORS in a real browser (issue 11 item 4): Debian's Chromium, driven by playwright-core, opens pages
// served from other local origins and calls the real process (embedded PGlite + example catalogue) with
// fetch. Run with `npm run test:browser`; not part of `npm test`. The header-level cases: tests/integration/http-cors.test.ts.
import t, { type Test } from 'tap';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { SignJWT } from 'jose';
import { launchChromium } from '../helpers/chromium.ts';
import { startService } from '../helpers/service-process.ts';

const SECRET = 'cors-browser-test-secret-0123456789abcdef';
/** Generous: a loaded 2-core machine starts Chromium slowly. */
const PAGE_TIMEOUT_MS = 60_000;

/** A front end on its own origin: one empty page at `/`. */
async function frontEnd(t: Test): Promise<string> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><meta charset="utf-8"><title>front end</title><p>front end</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const sign = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('10m').sign(new TextEncoder().encode(SECRET));

async function openPage(t: Test, origin: string): Promise<{ page: Page; console: string[] }> {
  const browser = await launchChromium(t);
  const page = await browser.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const console: string[] = [];
  page.on('console', (message) => console.push(`${message.type()}: ${message.text()}`));
  t.equal((await page.goto(`${origin}/`))?.status(), 200, `the front end at ${origin} loads`);
  return { page, console };
}

/** What a front end's script sees of one fetch: status, body and the headers it may read, or the error. */
interface Seen {
  readonly ok: boolean;
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string | null>;
  readonly error?: string;
}

/** Runs fetch in the page, as the front end's own script would. */
function fetchFromPage(page: Page, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Seen> {
  return page.evaluate(
    async ({ url, init }) => {
      try {
        const response = await fetch(url, init);
        const text = await response.text();
        const names = ['etag', 'x-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'content-type'];
        return {
          ok: true,
          status: response.status,
          body: text === '' ? null : (JSON.parse(text) as unknown),
          headers: Object.fromEntries(names.map((name) => [name, response.headers.get(name)])),
        };
      } catch (error) {
        return { ok: false, error: String(error) };
      }
    },
    { url, init },
  );
}

t.test('in Chromium, a page on a listed origin reads the catalogue and creates an intent; an unlisted one is blocked', async (t) => {
  const listed = await frontEnd(t);
  const stranger = await frontEnd(t);
  const service = await startService({ JWT_SECRET_KEY: SECRET, CORS_ALLOWED_ORIGINS: `https://learn.example.com,${listed}` });
  t.teardown(() => service.stop('SIGKILL'));
  const api = service.baseUrl;
  t.not(new URL(listed).origin, new URL(api).origin, 'the page and the API are different origins');

  await t.test('the listed origin', async (t) => {
    const { page } = await openPage(t, listed);
    const list = await fetchFromPage(page, `${api}/api/v1/academy-products/`);
    t.equal(list.status, 200, 'the catalogue is read');
    t.match(JSON.stringify(list.body), 'Data Academy', 'with the example academies');
    t.match(list.headers, {
      etag: /^"/,
      'x-request-id': /\S/,
      'x-ratelimit-limit': /^\d+$/,
      'x-ratelimit-remaining': /^\d+$/,
      'x-ratelimit-reset': /^\d+$/,
    }, 'the exposed headers are readable by the script');

    const revalidated = await fetchFromPage(page, `${api}/api/v1/academy-products/`, { headers: { 'if-none-match': String(list.headers?.etag) } });
    t.equal(revalidated.status, 304, 'If-None-Match is an allowed request header: 304');

    const token = await sign({ user_id: 42 });
    const created = await fetchFromPage(page, `${api}/api/v1/checkout-intents/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ quantity: 5, stripe_product_id: 'prod_data' }),
    });
    t.equal(created.status, 201, 'a checkout intent is created with a JWT (preflighted: Authorization, JSON body)');
    t.match(created.body, { state: 'created', quantity: 5, stripe_product_id: 'prod_data' });
  });

  await t.test('an origin not on the list', async (t) => {
    const { page, console } = await openPage(t, stranger);
    const list = await fetchFromPage(page, `${api}/api/v1/academy-products/`);
    t.equal(list.ok, false, 'the catalogue read is blocked by the browser');
    t.match(list.error, /TypeError: Failed to fetch/);

    const token = await sign({ user_id: 7 });
    const create = await fetchFromPage(page, `${api}/api/v1/checkout-intents/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ quantity: 3, stripe_product_id: 'prod_data' }),
    });
    t.equal(create.ok, false, 'the intent creation is blocked (its preflight is refused)');
    t.ok(console.some((line) => /blocked by CORS policy/.test(line)), 'Chromium says why: blocked by CORS policy');

    const intents = await fetch(`${api}/api/v1/checkout-intents/`, { headers: { authorization: `Bearer ${token}` } });
    t.match(await intents.json(), { count: 0 }, 'the blocked POST never reached the service: that user has no intent');
  });
});
