import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

// What the browser tests share: Debian's Chromium (.ci/run installs it;
// playwright-core never downloads a browser), whether to run or skip, and a
// context that keeps every request on the loopback and records page errors.

export const CHROMIUM = '/usr/bin/chromium';
export const BROWSER_TIMEOUT = 60_000;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const chromiumInstalled = existsSync(CHROMIUM);

/** Whether a browser test runs, and its title: in CI a missing browser is a failure (CI installs it); on a developer machine, a skip that says why. */
export function browserSuite(name: string): { run: boolean; title: string } {
  const run = chromiumInstalled || Boolean(process.env['CI']);
  const title = run ? name : `${name} (skipped: ${CHROMIUM} is missing; apt-get install chromium to run it)`;
  if (!run) console.warn(title);
  return { run, title };
}

export async function launchChromium(): Promise<Browser> {
  if (!chromiumInstalled) throw new Error(`${CHROMIUM} is missing; .ci/run installs it with apt-get install chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: BROWSER_TIMEOUT });
}

export interface LoopbackContext {
  context: BrowserContext;
  /** Every URL the pages asked for. */
  requested: string[];
  /** Those that would have left 127.0.0.1: aborted. */
  outside: string[];
  /** Uncaught page errors and console errors (a CSP violation included). */
  errors: string[];
}

/**
 * A fresh context whose requests all pass through here; those that would leave the loopback are aborted and recorded.
 * Not for CORS tests: once a route is installed, playwright answers every CORS preflight itself with a
 * permissive 204, so the server never sees it (packages/core/test/cors-browser.test.ts records URLs instead).
 */
export async function loopbackOnly(browser: Browser): Promise<LoopbackContext> {
  const context = await browser.newContext();
  const requested: string[] = [];
  const outside: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requested.push(url);
    if (new URL(url).hostname !== '127.0.0.1') {
      outside.push(url);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  context.on('page', (page) => {
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));
  });
  return { context, requested, outside, errors };
}
