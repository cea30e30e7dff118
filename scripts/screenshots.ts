import { mkdirSync } from 'node:fs';
import { launch, startDemoCell } from '../test/browser/harness.js';

/**
 * `npm run screenshots`: the main pages of the demo cell (as `npm start` shows them, Day 23 of
 * the sample) saved to docs/screenshots/, for the README. Needs a built dashboard and Chromium.
 */
const out = new URL('../docs/screenshots/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
const cell = await startDemoCell();
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${cell.url}/public`);
  await page.waitForSelector('[data-testid=public-obligations] tbody tr');
  await page.screenshot({ path: `${out}public.png` });
  await page.goto(cell.url);
  await page.fill('input[name=email]', 'mediator@example.org');
  await page.fill('input[name=password]', 'truce-demo-only');
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=obligations]');
  await page.screenshot({ path: `${out}overview.png` });
  const pages = [
    ['aid', 1500],
    ['exchanges', 1500],
    ['map', 5000],
    ['incidents', 1500],
    ['ledger', 1500],
  ] as const;
  for (const [name, wait] of pages) {
    await page.click(`nav a[href="/${name}"]`);
    await page.waitForTimeout(wait);
    if (name === 'ledger') {
      // The demo's witnesses cosign within a tick (2 s) of the checkpoint this login made.
      for (let tries = 0; tries < 30; tries++) {
        if ((await page.locator('[data-testid=cosigners] tr[data-cosigned=no]').count()) === 0) {
          break;
        }
        await page.waitForTimeout(1000);
        await page.reload();
        await page.waitForSelector('[data-testid=cosigners]');
      }
    }
    await page.screenshot({ path: `${out}${name}.png` });
  }
  await page.click('nav a[href="/"]');
  await page.selectOption('header select[name=language]', 'ar');
  await page.waitForTimeout(800);
  await page.screenshot({ path: `${out}overview-ar.png` });
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await browser.close();
  await cell.stop();
}
