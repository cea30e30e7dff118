import { accessSync, constants } from 'node:fs';
import { TruceError } from '@truce/core';

/** Where Chromium is looked for unless `TRUCE_CHROMIUM` names another binary. */
export const defaultChromium = '/usr/bin/chromium';

export function chromiumPath(env: Readonly<Record<string, string | undefined>>): string {
  const configured = env.TRUCE_CHROMIUM;
  return configured !== undefined && configured !== '' ? configured : defaultChromium;
}

/** Whether a PDF can be printed here: the binary exists and may be executed. */
export function chromiumAvailable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// Chromium takes a few hundred megabytes: print one report at a time per process.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Prints the report's HTML to an A4 PDF with headless Chromium. The page is loaded with
 * JavaScript disabled and every network request refused: the HTML is self-contained, and a
 * report must never fetch anything while it is printed.
 */
export function htmlToPdf(
  html: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Uint8Array> {
  const run = queue.then(() => print(html, chromiumPath(env)));
  queue = run.catch(() => undefined);
  return run;
}

async function print(html: string, executablePath: string): Promise<Uint8Array> {
  if (!chromiumAvailable(executablePath)) {
    throw new TruceError(
      'NOT_FOUND',
      `cannot print a PDF: no Chromium at ${executablePath}; install it (apt-get install chromium) or set TRUCE_CHROMIUM to its path, or ask for --format html`,
    );
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    // Chromium refuses to start its sandbox as root (containers); the page runs no script and
    // loads nothing, so what the sandbox would contain is our own escaped HTML.
    args: [
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-gpu',
      '--disable-dev-shm-usage',
    ],
  });
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
    const page = await context.newPage();
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
    return new Uint8Array(pdf);
  } finally {
    await browser.close();
  }
}
