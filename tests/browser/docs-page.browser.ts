// The Swagger UI page in a real browser (issue 7 item 8): Debian's Chromium driven by playwright-core
// against the real process (embedded PGlite + example catalogue). Run with `npm run test:browser`;
// not part of `npm test` (its name does not match `tests/**/*.test.ts`).
import t from 'tap';
import { mkdir } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { launchChromium } from '../helpers/chromium.ts';
import { REPO_ROOT, startService } from '../helpers/service-process.ts';

const OUTPUT_DIR = join(REPO_ROOT, 'test-results');
const LIST_PATH = '/api/v1/academy-products/';
/** Generous: a loaded 2-core machine renders the 1.5 MB Swagger UI bundle slowly. */
const UI_TIMEOUT_MS = 60_000;

/**
 * Opens `${origin}/docs/`, runs "Try it out" → "Execute" on the list operation, checks the rendered
 * response and saves a screenshot. Returns what the page complained about.
 */
async function tryTheListOperation(t: Test, origin: string, screenshot: string): Promise<{ console: string[]; failures: string[] }> {
  const browser = await launchChromium(t);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  // CSP violations ("Refused to load …") are console errors; a blocked or upgraded asset is a failed request.
  const complaints = { console: [] as string[], failures: [] as string[] };
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') complaints.console.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => complaints.failures.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => complaints.failures.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));

  const docs = await page.goto(`${origin}/docs/`);
  t.equal(docs?.status(), 200, '/docs/ answers 200');
  t.match(docs?.headers()['content-security-policy'], /script-src 'self'/, "helmet's CSP is on the page");

  // A blank page (blocked scripts) shows up here, with what the browser complained about.
  await page
    .locator('#swagger-ui .information-container')
    .waitFor()
    .catch((error: Error) => {
      throw new Error(`Swagger UI did not render: ${error.message}\n${[...complaints.failures, ...complaints.console].join('\n')}`);
    });
  const operation = page.locator('.opblock').filter({ has: page.locator(`.opblock-summary-path[data-path="${LIST_PATH}"]`) });
  await operation.locator('.opblock-summary').click();
  // uiConfig.tryItOutEnabled opens operations already in "try it out" mode (the button then reads "Cancel").
  const tryItOut = operation.getByRole('button', { name: 'Try it out' });
  if (await tryItOut.isVisible()) await tryItOut.click();
  await operation.getByRole('button', { name: 'Execute' }).click();

  const live = operation.locator('.live-responses-table');
  await live.locator('.response-col_status', { hasText: '200' }).waitFor();
  const body = live.locator('.response-col_description .highlight-code, .response-col_description pre').first();
  await body.waitFor();
  const rendered = await body.innerText();
  for (const name of ['AI Academy', 'Data Academy', 'Cloud Academy']) t.match(rendered, name, `the rendered response shows ${name}`);
  t.notMatch(rendered, 'Legacy Mainframe Academy', 'the inactive example is not listed');
  t.equal((await operation.locator('.request-url pre').innerText()).trim(), `${origin}${LIST_PATH}`, 'the request went to the list URL');

  await mkdir(OUTPUT_DIR, { recursive: true });
  // The viewport from the request URL down: status 200 and the start of the rendered body.
  await operation.locator('.request-url').evaluate((element) => element.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: screenshot });
  t.comment(`screenshot: ${screenshot}`);
  return complaints;
}

t.test('/docs/ on localhost: "Try it out" on the list renders the example catalogue, with no complaint', async (t) => {
  const service = await startService();
  t.teardown(() => service.stop('SIGKILL'));
  const complaints = await tryTheListOperation(t, service.baseUrl, join(OUTPUT_DIR, 'docs-page.png'));
  t.same(complaints, { console: [], failures: [] }, 'no console error or warning, page error or failed request (CSP included)');
});

/** A non-loopback IPv4 address of this machine, if it has one. */
const externalAddress = Object.values(networkInterfaces())
  .flat()
  .find((address) => address?.family === 'IPv4' && !address.internal)?.address;

t.test(
  '/docs/ over plain http from a non-loopback host still loads its assets (no upgrade-insecure-requests)',
  { skip: externalAddress ? false : 'this machine has no non-loopback IPv4 address' },
  async (t) => {
    const service = await startService({ HOST: '0.0.0.0' });
    t.teardown(() => service.stop('SIGKILL'));
    const origin = `http://${externalAddress}:${new URL(service.baseUrl).port}`;
    const complaints = await tryTheListOperation(t, origin, join(OUTPUT_DIR, 'docs-page-non-loopback.png'));
    t.same(complaints.failures, [], 'every asset and the API call load over http; no page error');
    // Chromium only notes, for a non-secure origin, that COOP / Origin-Agent-Cluster do not apply.
    t.same(
      complaints.console.filter((line) => !/Cross-Origin-Opener-Policy header has been ignored|origin-keyed agent cluster/.test(line)),
      [],
      'no other console complaint (no CSP violation)',
    );
  },
);
