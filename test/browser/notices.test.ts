import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type DemoCell, demoPassword, logIn, runBrowserTests, withDemoCell } from './harness.js';

const _password = demoPassword;

describe.skipIf(!runBrowserTests)('notices in Chromium', () => {
  let cell: DemoCell;
  let browser: Browser;

  withDemoCell((started, launched) => {
    cell = started;
    browser = launched;
  });

  it('a party liaison sees a notice awaiting acknowledgement and acknowledges it', async () => {
    // The mediators pass on a closure notice to Israel (through the API, as a script would).
    const mediator = await browser.newPage();
    await logIn(mediator, cell.url, 'mediator@example.org');
    const csrf = (await mediator.context().cookies()).find((c) => c.name === 'truce_csrf')?.value;
    const sent = await mediator.request.post(`${cell.url}/api/v1/notices`, {
      headers: { 'x-csrf-token': csrf ?? '' },
      data: {
        notice: 'closure-browser-1',
        kind: 'closure_notice',
        to: ['israel'],
        subject: 'Zikim closes for repairs tomorrow',
      },
    });
    expect(sent.status()).toBe(201);
    await mediator.close();

    const page = await browser.newPage();
    await logIn(page, cell.url, 'liaison-israel@example.org');
    await page.click('nav a[href="/notices"]');
    const row = page.getByTestId('notice-closure-browser-1');
    await row.waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toContain('Zikim closes for repairs tomorrow');
    expect(await row.textContent()).toContain('israel: sent');
    // The sample's names lists are in the inbox too, acknowledged by Israel long ago.
    expect(await page.getByTestId('notice-names-day-21').textContent()).toContain(
      'israel: acknowledged',
    );
    const answer = page.waitForResponse((r) => r.url().includes('/acknowledgements'));
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    expect((await answer).status()).toBe(201);
    await expect
      .poll(() => row.textContent(), { timeout: 20_000 })
      .toContain('israel: acknowledged');
    expect(await row.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    // Subscribing to alerts from the same page.
    const form = page.getByTestId('subscribe');
    await form.locator('select[name=preset]').selectOption('notice');
    await form.getByRole('button', { name: 'Subscribe' }).click();
    await expect
      .poll(() => page.locator('#subscriptions-title + ul').textContent(), { timeout: 10_000 })
      .toContain('Notices not acknowledged in time');
    await page.close();
  }, 120_000);
});
