import type { Test } from 'tap';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (playwright-core downloads no browser; `.ci/run` installs the package). */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless Chromium for one test, closed at its end; the flags keep it from calling home. */
export async function launchChromium(t: Test): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  t.teardown(() => browser.close());
  return browser;
}
