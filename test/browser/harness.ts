import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { runDemoCell } from '../../packages/server/src/demo/testing.js';

/**
 * Browser tests drive Debian's Chromium through playwright-core. Where Chromium is not installed
 * they are skipped — except in CI (`CI=true`), where `.ci/run` installs it and a missing browser
 * is a failure, not a skip.
 */
export const chromiumPath = process.env.TRUCE_CHROMIUM ?? '/usr/bin/chromium';
export const haveChromium = existsSync(chromiumPath);
export const runBrowserTests = haveChromium || process.env.CI === 'true';
export const webBuilt = existsSync(new URL('../../packages/web/dist/index.html', import.meta.url));

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    // Containers run as root without user namespaces; the page is our own, on localhost.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

export interface DemoCell {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** `truce start` (what `npm start` runs) on a fresh data folder and a free port. */
export async function startDemoCell(
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<DemoCell> {
  if (!webBuilt) {
    throw new Error('the dashboard is not built: run `npm run build` first (npm test does)');
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'truce-browser-'));
  // Every test logs in from 127.0.0.1: more than the default 10 logins a minute per address.
  const cell = await runDemoCell(['--data', dataDir, '--port', '0', ...args], {
    TRUCE_LOGIN_PER_MINUTE: '600',
    ...env,
  });
  return {
    url: cell.url,
    dataDir,
    stop: async () => {
      await cell.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The password every demo login shares (`truce start`). */
export const demoPassword = 'truce-demo-only';

/**
 * Logs a demo user in over the API, not the page: the headers a `fetch` of a write needs (JSON,
 * the session cookie and the CSRF token).
 */
export async function apiSession(url: string, email: string): Promise<Record<string, string>> {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: demoPassword }),
  });
  if (login.status !== 200) throw new Error(`login of ${email} answered ${login.status}`);
  return {
    'content-type': 'application/json',
    cookie: login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; '),
    'x-csrf-token': ((await login.json()) as { csrfToken: string }).csrfToken,
  };
}

/** Logs in through the login page and waits for the overview. */
export async function logIn(page: Page, url: string, email: string): Promise<void> {
  await page.goto(url);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', demoPassword);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=obligations]', { timeout: 60_000 });
}

/**
 * A demo cell and a browser for the tests of one describe block: started before the first test,
 * stopped after the last; `ready` receives them.
 */
export function withDemoCell(
  ready: (cell: DemoCell, browser: Browser) => void,
  env: Record<string, string> = {},
): void {
  let cell: DemoCell | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    cell = await startDemoCell([], env);
    browser = await launch();
    ready(cell, browser);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await cell?.stop();
  }, 60_000);
}

/**
 * What the page's Content-Security-Policy refuses, as Chromium reports it on the console
 * ("Refused to apply inline style…", "Refused to load…"): collected while the page lives.
 */
export function cspRefusals(page: Page): string[] {
  const refused: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Trusted ?Type/i.test(message.text())) refused.push(message.text());
  });
  return refused;
}
