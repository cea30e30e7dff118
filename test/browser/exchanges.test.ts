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

  it('a party liaison enters a person with sealed data, then looks the person up with a reason', async () => {
    const page = await browser.newPage();
    await logIn(page, cell.url, 'liaison-hamas@example.org');
    await page.click('nav a[href="/exchanges"]');
    const form = page.getByTestId('person-record');
    await form.waitFor({ timeout: 30_000 });
    await form.locator('input[name=person]').fill('H-0901');
    await form.locator('select[name=category]').selectOption('civilian_woman');
    await form.locator('input[name=heldBy]').fill('hamas');
    await form.locator('input[name=releaseTo]').fill('israel');
    await form.locator('input[name=name]').fill('Test Person 0901');
    await form.locator('input[name=dateOfBirth]').fill('1990-01-01');
    await form.locator('input[name=identityNumber]').fill('TEST-ID-0901');
    await form.getByRole('button', { name: 'Submit' }).click();
    await form.getByText('stored encrypted (version 1)').waitFor({ timeout: 30_000 });
    expect(await form.getByRole('status').first().textContent()).toContain(
      'H-0901 is in the register',
    );
    // Nothing personal stays on the screen once stored.
    expect(await form.locator('input[name=name]').inputValue()).toBe('');

    const lookup = page.getByTestId('person-lookup');
    await lookup.locator('input[name=person]').fill('H-0901');
    const show = lookup.getByRole('button', { name: 'Show the history' });
    expect(await show.isDisabled()).toBe(true);
    await lookup.locator('input[name=reason]').fill('confirm the record just entered');
    await show.click();
    const history = lookup.locator('.person-history');
    await history.waitFor({ timeout: 30_000 });
    expect(await history.textContent()).toContain('held');
    expect(await lookup.getByTestId('fields-on-record').textContent()).toContain(
      'Name (v1, hamas)',
    );
    // The liaison's own record: its fields decrypt, behind a reason of their own.
    await history
      .getByPlaceholder('Why you need it')
      .last()
      .fill('confirm the record just entered');
    await history.getByRole('button', { name: 'Show' }).click();
    await history.getByText('Test Person 0901').waitFor({ timeout: 30_000 });
    await page.close();
  }, 120_000);

  it('an observer sees the ratios but neither the register nor any person data', async () => {
    const page = await browser.newPage();
    await logIn(page, cell.url, 'observer@example.org');
    await page.click('nav a[href="/exchanges"]');
    await page.getByTestId('ratios').waitFor({ timeout: 30_000 });
    // Day 1's three hostages are a cell of fewer than 5 persons for an observer; 90 owed is not.
    const first = await page.getByTestId('ratios').locator('tbody tr').first().textContent();
    expect(first).toContain('<5');
    expect(first).toContain('90');
    expect(await page.getByTestId('register').count()).toBe(0);
    expect(await page.getByTestId('person-lookup').count()).toBe(0);
    expect(await page.getByTestId('person-record').count()).toBe(0);
    expect(await page.locator('body').textContent()).not.toMatch(/H-\d{4}/);
    await page.close();
  }, 120_000);
});
