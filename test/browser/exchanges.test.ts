import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type DemoCell, demoPassword, logIn, runBrowserTests, withDemoCell } from './harness.js';

const _password = demoPassword;

describe.skipIf(!runBrowserTests)('exchanges in Chromium', () => {
  let cell: DemoCell;
  let browser: Browser;

  withDemoCell((started, launched) => {
    cell = started;
    browser = launched;
  });

  it('a mediator sees the releases owed and made, a hostage’s chain, and must give a reason', async () => {
    const page = await browser.newPage();
    await logIn(page, cell.url, 'mediator@example.org');
    await page.click('nav a[href="/exchanges"]');
    const ratios = page.getByTestId('ratios');
    await ratios.waitFor({ timeout: 30_000 });
    // Day 1: three civilian women, 90 owed and 90 made on time.
    const first = ratios.locator('tbody tr').first();
    expect(await first.getAttribute('data-state')).toBe('paid');
    expect(await first.textContent()).toContain('90');

    const register = page.getByTestId('register');
    await register.getByRole('button', { name: 'H-0001' }).click();
    const history = register.locator('.person-history');
    await history.waitFor();
    const text = (await history.textContent()) ?? '';
    expect(text).toContain('handed to the ICRC');
    expect(text).toContain('reunited');
    expect(text).toContain('kerem-shalom');

    // Personal data: shown to a mediator's role only behind a reason of 10 characters or more.
    const show = history.getByRole('button', { name: 'Show' });
    expect(await show.isDisabled()).toBe(true);
    await history.getByPlaceholder('Why you need it').fill('check the Day 1 list');
    expect(await show.isDisabled()).toBe(false);
    await page.close();
  }, 120_000);

  it('an observer sees the ratios but neither the register nor any person data', async () => {
    const page = await browser.newPage();
    await logIn(page, cell.url, 'observer@example.org');
    await page.click('nav a[href="/exchanges"]');
    await page.getByTestId('ratios').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('register').count()).toBe(0);
    expect(await page.locator('body').textContent()).not.toMatch(/H-\d{4}/);
    await page.close();
  }, 120_000);
});
