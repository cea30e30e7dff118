import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
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
export async function startDemoCell(args: string[] = []): Promise<DemoCell> {
  if (!webBuilt) {
    throw new Error('the dashboard is not built: run `npm run build` first (npm test does)');
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'truce-browser-'));
  // Every test logs in from 127.0.0.1: more than the default 10 logins a minute per address.
  const cell = await runDemoCell(['--data', dataDir, '--port', '0', ...args], {
    TRUCE_LOGIN_PER_MINUTE: '600',
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
