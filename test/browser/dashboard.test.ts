import { generateKeyPairSync, sign } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { encode } from 'uqr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, hotp, totpStep } from '../../packages/server/src/accounts/totp.js';
import { startSmtpServer } from '../../packages/server/src/alerts/testing-smtp.js';
import {
  apiSession,
  cspRefusals,
  type DemoCell,
  demoPassword,
  launch,
  logIn,
  runBrowserTests,
  startDemoCell,
  withDemoCell,
} from './harness.js';

const password = demoPassword;

/** The aid quota's "today so far" as the overview's why sentence states it. */
async function todaySoFar(page: Page): Promise<string> {
  const why = await page
    .locator('tr[data-obligation="aid-trucks-daily"] td.why')
    .textContent({ timeout: 10_000 });
  return /today so far Day \d+: [\d,]+\/[\d,]+/.exec(why ?? '')?.[0] ?? `(none in: ${why})`;
}

describe.skipIf(!runBrowserTests)('the dashboard in Chromium', () => {
  let cell: DemoCell;
  let browser: Browser;

  withDemoCell((started, launched) => {
    cell = started;
    browser = launched;
  });

  it('shows a mediator the Day-23 status of the sample, each status with its why', async () => {
    const page = await browser.newPage();
    const refused = cspRefusals(page);
    await logIn(page, cell.url, 'mediator@example.org');
    await expect.poll(() => page.getByTestId('phase-line').textContent()).toContain('Day 23 of 42');
    const rows = page.locator('[data-testid=obligations] tbody tr[data-obligation]');
    expect(await rows.count()).toBe(18);
    const breached = page.locator('tr[data-obligation="aid-trucks-daily"] [data-status]');
    expect(await breached.getAttribute('data-status')).toBe('breached');
    // Every status says why, citing the clause.
    for (const why of await page.locator('tr[data-obligation] td.why').allTextContents()) {
      expect(why.length).toBeGreaterThan(20);
    }
    // Click through to the events behind a status.
    await page.click('tr[data-obligation="aid-trucks-daily"]');
    await page.waitForSelector('.events-table tr', { timeout: 20_000 });
    expect(await page.locator('.events-table tr').count()).toBeGreaterThan(0);
    // Nothing on the page was refused by its Content-Security-Policy (no inline style, no script).
    expect(refused).toEqual([]);
    await page.close();
  }, 120_000);

  it('updates a watching mediator live when an agency records an aid delivery', async () => {
    const watcher = await browser.newPage();
    await logIn(watcher, cell.url, 'mediator@example.org');
    await expect
      .poll(() => watcher.getByTestId('connection').getAttribute('class'))
      .toContain('connection-live');
    const before = await todaySoFar(watcher);
    expect(before).toMatch(/^today so far Day 23: /);

    const agency = await browser.newPage();
    await logIn(agency, cell.url, 'agency@example.org');
    await agency.click('nav a[href="/aid"]');
    const form = agency.getByTestId('record-trucks');
    await form.locator('select[name=crossing]').selectOption('kerem-shalom');
    await form.locator('input[name=count]').fill('777');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.getByRole('status').textContent()).toMatch(/entry \d+/);

    // No reload: the stream tells the watcher's page, which fetches the new status.
    await expect
      .poll(() => todaySoFar(watcher), { timeout: 15_000 })
      .toMatch(/today so far Day 23: 777\/600/);
    expect(await todaySoFar(watcher)).not.toBe(before);
    // The agency's own page lists the report under its crossing and day, by source.
    await expect
      .poll(
        () =>
          agency
            .locator('[data-testid=aid-crossings] tr[data-crossing="kerem-shalom"]')
            .textContent(),
        { timeout: 15_000 },
      )
      .toContain('un 777');
    await agency.close();
    await watcher.close();
  }, 120_000);

  it('signs a report made offline on the device, keeps it, and sends it when back online', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await logIn(page, cell.url, 'agency@example.org');
    const device = page.getByTestId('device-key');
    await device.waitFor({ timeout: 30_000 });
    const keyId = await device.getAttribute('data-key-id');
    expect(keyId).toMatch(/^un:[0-9a-f]+$/);
    await page.click('nav a[href="/aid"]');
    const form = page.getByTestId('record-trucks');
    await form.locator('input[name=count]').waitFor();

    await context.setOffline(true);
    await form.locator('select[name=crossing]').selectOption('kerem-shalom');
    await form.locator('input[name=count]').fill('333');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.getByRole('status').textContent()).toMatch(/^Offline/);
    await expect.poll(() => page.locator('.pending').textContent()).toContain('1');

    await context.setOffline(false);
    await expect.poll(() => page.locator('.pending').count(), { timeout: 20_000 }).toBe(0);
    // In the ledger, signed by the device's own key, not by a key the server holds.
    const events = (await (
      await page.request.get(
        `${cell.url}/api/v1/events?type=aid_trucks_crossed&source=un&limit=500`,
      )
    ).json()) as { events: { keyId: string; event: { payload: { count: number } } }[] };
    const mine = events.events.filter((e) => e.event.payload.count === 333);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.keyId).toBe(keyId);

    // The account page lists the key as this device's. Revoked there (a lost phone), it is
    // forgotten, and the next login makes a new one.
    await page.click('a[href="/account"]');
    const row = page.locator(`[data-testid=device][data-key-id="${keyId}"]`);
    await row.getByTestId('this-device').waitFor({ timeout: 20_000 });
    // The page is the account's, not one of the main pages: no main page is marked current.
    expect(await page.locator('a[href="/account"]').getAttribute('aria-current')).toBe('page');
    expect(await page.locator('nav a[aria-current=page]').count()).toBe(0);
    await row.locator('input[name=reason]').fill('test: lost');
    await row.getByRole('button', { name: 'Revoke this key' }).click();
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toContain('revoked');
    const loginAgain = async () => {
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForSelector('input[name=email]', { timeout: 20_000 });
      await logIn(page, cell.url, 'agency@example.org');
      await expect
        .poll(() => page.getByTestId('device-key').getAttribute('data-key-id'), { timeout: 30_000 })
        .toMatch(/^un:/);
      return page.getByTestId('device-key').getAttribute('data-key-id');
    };
    const second = await loginAgain();
    expect(second).not.toBe(keyId);
    // Revoked from elsewhere (a mediator), the browser finds out at its next login.
    const revoked = await fetch(`${cell.url}/api/v1/devices/${second}/revoke`, {
      method: 'POST',
      headers: await apiSession(cell.url, 'mediator@example.org'),
      body: JSON.stringify({ reason: 'test: revoked by a mediator' }),
    });
    expect(revoked.status).toBe(200);
    const third = await loginAgain();
    expect([keyId, second]).not.toContain(third);
    await context.close();
  }, 120_000);

  it('tells a reporter whose device keys are all in use why this browser signs nothing itself', async () => {
    // Ten device keys registered elsewhere for the Hamas liaison: the limit (accounts/device-keys.ts).
    const email = 'liaison-hamas@example.org';
    const headers = await apiSession(cell.url, email);
    for (let i = 0; i < 10; i++) {
      const pair = generateKeyPairSync('ed25519');
      const publicKey = pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
      const body = { publicKey: Buffer.from(publicKey).toString('base64') };
      const challenge = (await (
        await fetch(`${cell.url}/api/v1/devices/challenge`, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
        })
      ).json()) as { statement: string };
      const proof = sign(null, Buffer.from(challenge.statement, 'base64url'), pair.privateKey);
      const registered = await fetch(`${cell.url}/api/v1/devices`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ ...body, proof: proof.toString('base64url') }),
      });
      expect(registered.status).toBe(201);
    }
    const context = await browser.newContext();
    const page = await context.newPage();
    await logIn(page, cell.url, email);
    const notice = page.getByTestId('device-refused');
    await expect
      .poll(() => notice.textContent(), { timeout: 30_000 })
      .toContain('10 device keys in use');
    expect(await page.getByTestId('device-key').count()).toBe(0);
    await notice.getByRole('link', { name: 'Your devices' }).click();
    await page.waitForSelector('[data-testid=account]', { timeout: 20_000 });
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    expect(await notice.count()).toBe(0);
    await context.close();
  }, 120_000);

  it('lets a mediator triage a reported incident, with a reason, which moves it on', async () => {
    // An agency reports an allegation through the API.
    const reported = await fetch(`${cell.url}/api/v1/events`, {
      method: 'POST',
      headers: await apiSession(cell.url, 'agency@example.org'),
      body: JSON.stringify({
        event: {
          type: 'incident_reported',
          occurredAt: '2025-02-10T09:00:00+02:00',
          payload: {
            incident: 'inc-browser-1',
            category: 'obstruction_of_aid',
            place: 'kerem-shalom',
            description: 'Synthetic test allegation: a convoy held at the crossing.',
          },
        },
      }),
    });
    expect(reported.status).toBe(201);

    const page = await browser.newPage();
    // Triage is a verification step: a mediator of the agreement takes it, with its reason.
    await logIn(page, cell.url, 'mediator@example.org');
    await page.click('nav a[href="/incidents"]');
    const queue = (state: string) => page.locator(`.queue[data-state="${state}"]`);
    await expect.poll(() => queue('reported').textContent()).toContain('inc-browser-1');
    const form = queue('reported').locator('form.step-form[data-incident="inc-browser-1"]');
    await form.locator('select[name=step]').selectOption('triage');
    await form.locator('select[name=decision]').selectOption('accepted');
    await form.locator('textarea[name=reason]').fill('Credible; within the agreement.');
    await form.locator('button[type=submit]').click();
    await expect
      .poll(() => queue('triaged').textContent(), { timeout: 15_000 })
      .toContain('inc-browser-1');
    await page.close();
  }, 120_000);

  it('lets one party open a dispute with a file as evidence, and the other add its own claim', async () => {
    const subject = 'Synthetic test dispute: the Day 8 truck count';
    const opener = await browser.newPage();
    await logIn(opener, cell.url, 'liaison-israel@example.org');
    await opener.click('nav a[href="/incidents"]');
    const open = opener.locator('form.dispute-form');
    await opener.getByText('Contest a finding, a status, a count or a list').click();
    await open.locator('input[name=subject]').fill(subject);
    await open.locator('select[name=contests]').selectOption('count');
    await open.locator('select[name=obligations]').selectOption({ index: 0 });
    await open.locator('textarea[name=claim]').fill('The count of Day 8 misses two convoys.');
    await open.locator('input[name=files]').setInputFiles({
      name: 'synthetic-manifest.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Synthetic test manifest: 2 convoys, 40 trucks.\n'),
    });
    await open.locator('button[type=submit]').click();
    const dispute = (page: typeof opener) =>
      page.locator('article.dispute', { has: page.getByRole('heading', { name: subject }) });
    await dispute(opener).waitFor({ timeout: 20_000 });
    const claims = dispute(opener).locator('li');
    expect(await claims.first().textContent()).toContain('israel');
    expect(await claims.first().textContent()).toContain('misses two convoys');
    // The file was stored before the claim was signed, and the claim pins it by its hash.
    const file = dispute(opener).locator('a.evidence-file');
    expect(await file.textContent()).toContain('synthetic-manifest.txt');
    expect(await file.getAttribute('href')).toMatch(/^\/api\/v1\/evidence\/[0-9a-f]{64}$/);
    // A side that has made its claim is not offered to make another.
    expect(await dispute(opener).locator('form.claim-form').count()).toBe(0);
    await opener.close();

    const other = await browser.newPage();
    await logIn(other, cell.url, 'liaison-hamas@example.org');
    await other.click('nav a[href="/incidents"]');
    const theirs = dispute(other);
    await theirs.waitFor({ timeout: 20_000 });
    await theirs.locator('textarea[name=claim]').fill('The two convoys were turned back.');
    await theirs.locator('form.claim-form button[type=submit]').click();
    await expect
      .poll(() => theirs.locator('li').allTextContents(), { timeout: 15_000 })
      .toEqual([
        expect.stringContaining('israel'),
        expect.stringContaining('hamas: The two convoys were turned back.'),
      ]);
    expect(await theirs.locator('form.claim-form').count()).toBe(0);
    await other.close();
  }, 120_000);

  it('draws the offline map with crossings, returns and incidents at the selected time', async () => {
    const page = await browser.newPage();
    const refused = cspRefusals(page);
    const outside: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(cell.url)) outside.push(request.url());
    });
    await logIn(page, cell.url, 'mediator@example.org');
    await page.click('nav a[href="/map"]');
    await page.waitForSelector('[data-testid=map] canvas', { timeout: 60_000 });
    const rows = page.locator('[data-testid=map-passages] tbody tr');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(5);
    await expect
      .poll(
        async () =>
          (await page
            .locator('[data-testid=map-passages] tr[data-state]')
            .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-state')))) as string[],
        { timeout: 30_000 },
      )
      .toEqual(expect.arrayContaining(['open']));
    await expect
      .poll(() => page.getByTestId('map-incidents').textContent(), { timeout: 30_000 })
      .toMatch(/[1-9]/);
    // Offline by construction: nothing is fetched from anywhere but the cell's own server.
    expect(outside).toEqual([]);
    // The map (MapLibre, its worker, its controls) runs under the page's policy without a refusal.
    expect(refused).toEqual([]);
    await page.close();
  }, 120_000);

  it('lays the page out right to left in Arabic and Hebrew', async () => {
    const page = await browser.newPage();
    await logIn(page, cell.url, 'monitor@example.org');
    await page.selectOption('header select[name=language]', 'ar');
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await page.getAttribute('html', 'lang')).toBe('ar');
    expect(await page.locator('nav').textContent()).toContain('نظرة عامة');
    await page.selectOption('header select[name=language]', 'he');
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await page.selectOption('header select[name=language]', 'en');
    expect(await page.getAttribute('html', 'dir')).toBe('ltr');
    await page.close();
  }, 60_000);

  it('shows the public page without a login and without person data', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const refused = cspRefusals(page);
    await page.goto(`${cell.url}/public`);
    await page.waitForSelector('[data-testid=public-obligations] tbody tr', { timeout: 30_000 });
    const text = (await page.textContent('body')) ?? '';
    expect(await page.locator('[data-testid=public-obligations] tbody tr').count()).toBe(18);
    expect(text).not.toMatch(/\b[HP]-\d{4}\b/);
    // Incidents by verification state; the sample has fewer than 5 in each, so none is shown.
    expect(await page.getByTestId('public-incidents').textContent()).toContain('confirmed');
    for (const value of await page
      .getByTestId('public-incidents')
      .locator('dd')
      .allTextContents()) {
      if (value !== '<5') expect(Number(value) === 0 || Number(value) >= 5).toBe(true);
    }
    // The latest checkpoint, as a signed note anyone can check against the log key.
    expect(await page.getByTestId('public-checkpoint').textContent()).toMatch(
      /^demo\.truce\.local\/log\n\d+\n/,
    );
    // With the witnesses that cosigned it (the demo's parties and guarantors, once they have).
    expect(await page.getByTestId('public-cosigners').textContent()).toMatch(
      /^Co-signed by: (No cosignature yet|[a-z-]+(, [a-z-]+)*)$/,
    );
    // Small counts (1 to 4) are shown as "<5", never as the number.
    for (const cell of await page
      .locator('[data-testid=public-obligations] tbody tr td:nth-child(3)')
      .allTextContents()) {
      const done = /^(\d[\d,]*)/.exec(cell.trim())?.[1];
      if (done !== undefined) {
        const n = Number(done.replaceAll(',', ''));
        expect(n === 0 || n >= 5).toBe(true);
      }
    }
    expect(refused).toEqual([]);
    // Trusted Types are enforced (in the page, so no DOM types here): HTML from a string does
    // not reach the DOM, a script from elsewhere does not start, this site's own one does.
    const enforced = await page.evaluate(`(async () => {
      const refused = (work) => { try { work(); return false; } catch (e) { return e instanceof TypeError; } };
      return {
        html: refused(() => { document.createElement('div').innerHTML = '<img src=x onerror="alert(1)">'; }),
        foreignWorker: refused(() => new Worker('https://evil.example/x.js')),
        ownServiceWorker: (await navigator.serviceWorker.register('/sw.js', { scope: '/' })) !== undefined,
      };
    })()`);
    expect(enforced).toEqual({ html: true, foreignWorker: true, ownServiceWorker: true });
    await context.close();
  }, 60_000);

  it('tells a user of the failed sign-in attempts since their last sign-in, once', async () => {
    const page = await browser.newPage();
    try {
      const email = 'liaison-israel@example.org';
      await page.goto(cell.url);
      for (let attempt = 0; attempt < 2; attempt++) {
        await page.fill('input[name=email]', email);
        await page.fill('input[name=password]', 'not the password at all');
        await page.click('button[type=submit]');
        await page.waitForSelector('form [role=alert]', { timeout: 10_000 });
        await page.reload();
      }
      await logIn(page, cell.url, email);
      const notice = page.getByTestId('since-last-login');
      expect(await notice.textContent()).toContain('2 failed sign-in attempts');
      await notice.getByRole('button').click();
      await notice.waitFor({ state: 'detached' });
      // Told once: the next page load has nothing to tell.
      await page.reload();
      await page.waitForSelector('[data-testid=obligations]', { timeout: 60_000 });
      expect(await page.getByTestId('since-last-login').count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it('verifies the ledger in the browser against the pinned log key', async () => {
    const page = await browser.newPage();
    await logIn(page, cell.url, 'monitor@example.org');
    await page.click('nav a[href="/ledger"]');
    // The demo's witnesses (the parties and guarantors) cosign each checkpoint within a tick;
    // the scenario appends every 10 s, so a page loaded just after an append shows them a little
    // behind: reload until a page shows the latest checkpoint cosigned by each of them.
    const witnesses = ['israel', 'hamas', 'qatar', 'egypt', 'united-states'];
    const cosigners = page.getByTestId('cosigners');
    await expect
      .poll(
        async () => {
          await page.reload();
          await cosigners.waitFor({ timeout: 20_000 });
          return Promise.all(
            witnesses.map((witness) =>
              cosigners.locator(`tr[data-witness="${witness}"]`).getAttribute('data-cosigned'),
            ),
          );
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toEqual(witnesses.map(() => 'yes'));
    const download = page.getByTestId('export').getByRole('link');
    expect(await download.getAttribute('href')).toBe('/api/v1/export');
    const verifier = page.getByTestId('verifier');
    await expect
      .poll(() => verifier.locator('input[name=logKey]').inputValue())
      .toMatch(/^demo\.truce\.local\/log\+/);
    await verifier.locator('button').click();
    const result = verifier.getByTestId('verify-result');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.getAttribute('class')).toBe('ok');
    expect(await result.textContent()).toMatch(/Verified: \d+ entries/);

    // A wrong pinned key fails, whatever the server says.
    await verifier
      .locator('input[name=logKey]')
      .fill('demo.truce.local/log+00000000+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    await verifier.locator('button').click();
    await expect.poll(() => result.getAttribute('class'), { timeout: 60_000 }).toBe('error');
    await page.close();
  }, 120_000);

  it('shows the consignment pipeline with dwell per step and the sources reconciled by day', async () => {
    const page = await browser.newPage();
    await logIn(page, cell.url, 'mediator@example.org');
    await page.click('nav a[href="/aid"]');
    const pipeline = page.getByTestId('aid-pipeline');
    const keremShalom = pipeline.locator('[data-crossing="kerem-shalom"]');
    await keremShalom.waitFor({ timeout: 30_000 });
    // Registered consignments waited some hours for inspection: a median is shown, in hours.
    const registered = keremShalom.locator('tr[data-state="registered"] td');
    expect(Number((await registered.nth(1).textContent())?.replace(/,/g, ''))).toBeGreaterThan(0);
    // The Day-22 consignments cleared at Kerem Shalom still wait at Day 23 noon: stuck.
    const cleared = keremShalom.locator('tr[data-state="cleared"]');
    expect(await cleared.getAttribute('class')).toBe('short');
    expect(await keremShalom.getByTestId('aid-stuck').textContent()).toMatch(/wfp-c\d{4} \(\d+/);
    // Each day's COGAT and UN figures side by side, the gap split into what the rules explain
    // and what they do not.
    const reconciliation = page.getByTestId('aid-reconciliation');
    const row = reconciliation.locator('tbody tr', { hasText: 'un ' }).first();
    await row.waitFor({ timeout: 30_000 });
    const cells = await row.locator('td').allTextContents();
    expect(cells[1]).toMatch(/^cogat [\d,]+$/);
    expect(cells[2]).toMatch(/^un [\d,]+$/);
    const n = (text: string | undefined) => Number((text ?? '').replace(/,/g, ''));
    // difference = half-loads + out of scope + unexplained
    expect(n(cells[3])).toBe(n(cells[4]) + n(cells[5]) + n(cells[6]));
    expect(n(cells[5])).toBeGreaterThan(0);
    // Each crossing, open or closed now and why: at noon Kerem Shalom is within its hours.
    const keremShalomNow = page
      .getByTestId('aid-crossings-now')
      .locator('tr[data-crossing="kerem-shalom"]');
    await keremShalomNow.waitFor({ timeout: 30_000 });
    expect(await keremShalomNow.getAttribute('data-open')).toBe('true');
    await page.close();
  }, 120_000);
});

/** Chromium's virtual authenticator for a page (DevTools protocol), always touched. */
async function virtualAuthenticator(
  page: Page,
  options: {
    transport: 'usb' | 'internal';
    hasResidentKey: boolean;
    hasUserVerification: boolean;
    isUserVerified?: boolean;
  },
) {
  const devtools = await page.context().newCDPSession(page);
  await devtools.send('WebAuthn.enable');
  const { authenticatorId } = await devtools.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', automaticPresenceSimulation: true, ...options },
  });
  return { devtools, authenticatorId };
}

/**
 * Adds a key named `name` on the account page of the signed-in user (their demo password);
 * answers what the list of keys said before.
 */
async function addKeyOnAccountPage(page: Page, name: string): Promise<string | null> {
  await page.click('a[href="/account"]');
  const form = '[data-testid=add-security-key]';
  await page.waitForSelector(form, { timeout: 20_000 });
  // The list of keys has loaded (it is busy until then).
  await page.waitForSelector('[data-testid=security-keys][aria-busy=false]', { timeout: 20_000 });
  const before = await page.textContent('[data-testid=security-keys]');
  await page.fill(`${form} input[name=name]`, name);
  await page.fill(`${form} input[name=password]`, demoPassword);
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector('[data-testid=security-key]', { timeout: 20_000 });
  return before;
}

describe.skipIf(!runBrowserTests)('login with a second factor in Chromium', () => {
  let cell: DemoCell;
  let browser: Browser;

  // Mediators of this cell must have a second factor (the observer below may choose).
  withDemoCell(
    (started, launched) => {
      cell = started;
      browser = launched;
    },
    // A proof of identity older than a minute no longer opens the fresh actions (re-auth test).
    { TRUCE_MFA_REQUIRED_ROLES: 'mediator', TRUCE_REAUTH_MINUTES: '1' },
  );

  // The re-authentication test's session, logged in first so that the other tests of this
  // block pass most of the minute it must wait (it logs in itself when run alone).
  let stale: { page: Page; since: number } | undefined;
  it('logs an agency user in, for the re-authentication test below', async () => {
    const page = await browser.newPage();
    await logIn(page, cell.url, 'agency@example.org');
    stale = { page, since: Date.now() };
  }, 120_000);

  it('sends a mediator without a second factor to the account page, then lets them in once it is set up', async () => {
    const page = await browser.newPage();
    await page.goto(cell.url);
    await page.fill('input[name=email]', 'mediator@example.org');
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    // The password was right, but nothing else opens before the second factor is set up.
    await page.waitForSelector('[data-testid=second-factor-required]', { timeout: 60_000 });
    expect(new URL(page.url()).pathname).toBe('/account');
    await page.click('[data-testid=account] button');
    const shown = await page.textContent('[data-testid=mfa-secret]', { timeout: 20_000 });
    const secret = base32Decode(shown!.replace(/\s+/g, ''));
    await page.fill('input[name=code]', hotp(secret, totpStep(new Date())));
    await page.click('[data-testid=account] button[type=submit]');
    await page.waitForSelector('[data-testid=recovery-codes]', { timeout: 20_000 });
    // The same session now reaches the dashboard.
    await page.click('nav[aria-label=main] a[href="/"]');
    await page.waitForSelector('[data-testid=obligations]', { timeout: 60_000 });
    await page.close();
  }, 120_000);

  it('sets up a second factor on the account page, then asks for the code at login and lets the user in with it', async () => {
    const email = 'observer@example.org';
    const page = await browser.newPage();
    await logIn(page, cell.url, email);
    // The account page, from the user's name in the top bar.
    await page.click('a[href="/account"]');
    await page.waitForSelector('[data-testid=second-factor-state]', { timeout: 20_000 });
    expect(await page.textContent('[data-testid=second-factor-state]')).toMatch(/^Off/);
    await page.click('[data-testid=account] button');
    // The key, shown once in groups of four, and a link for an authenticator app.
    const shown = await page.textContent('[data-testid=mfa-secret]', { timeout: 20_000 });
    const secret = base32Decode(shown!.replace(/\s+/g, ''));
    const link = await page.getAttribute('[data-testid=account] a[href^="otpauth://"]', 'href');
    expect(link).toMatch(/^otpauth:\/\/totp\/truce%3Aobserver%40example\.org\?secret=/);
    // The same link as a QR code to scan: its modules are the link's (quiet zone of four).
    const { data } = encode(link!, { ecc: 'M', border: 4 });
    const qr = page.getByTestId('mfa-qr');
    expect(await qr.isVisible()).toBe(true);
    expect(await qr.getAttribute('viewBox')).toBe(`0 0 ${data.length} ${data.length}`);
    const dark = (await qr.locator('path').getAttribute('d'))?.match(/M/g)?.length;
    expect(dark).toBe(data.flat().filter(Boolean).length);
    const step = totpStep(new Date());
    await page.fill('input[name=code]', hotp(secret, step));
    await page.click('[data-testid=account] button[type=submit]');
    await page.waitForSelector('[data-testid=recovery-codes]', { timeout: 20_000 });
    expect(await page.locator('[data-testid=recovery-codes] li').count()).toBe(10);
    expect(await page.textContent('[data-testid=second-factor-state]')).toMatch(/^On/);
    await page.close();

    const next = await browser.newPage();
    await next.goto(cell.url);
    await next.fill('input[name=email]', email);
    await next.fill('input[name=password]', password);
    await next.click('button[type=submit]');
    // The password was right: the page asks for the code instead of failing.
    await next.waitForSelector('input[name=code]', { timeout: 20_000 });
    expect(await next.locator('[role=alert]').count()).toBe(0);
    // The step after the one used to confirm (one step of drift is allowed).
    await next.fill('input[name=code]', hotp(secret, step + 1));
    await next.click('button[type=submit]');
    await next.waitForSelector('[data-testid=obligations]', { timeout: 60_000 });
    await next.goto(`${cell.url}/account`);
    await next.waitForSelector('[data-testid=second-factor-state]', { timeout: 20_000 });
    expect(await next.textContent('[data-testid=second-factor-state]')).toMatch(/^On/);
    await next.close();
  }, 120_000);

  it('adds a security key on the account page, then logs in with it instead of a code', async () => {
    const email = 'monitor@example.org';
    const page = await browser.newPage();
    const refused = cspRefusals(page);
    // A USB key that is always touched, without a PIN: a second factor, not a passkey.
    const { devtools, authenticatorId } = await virtualAuthenticator(page, {
      transport: 'usb',
      hasResidentKey: false,
      hasUserVerification: false,
    });
    await logIn(page, cell.url, email);
    expect(await addKeyOnAccountPage(page, 'virtual key')).toContain('No security key yet');
    expect(await page.textContent('[data-testid=security-key]')).toContain('virtual key');
    // Not kept on the key: a second factor, not labelled a passkey.
    expect(await page.getByTestId('passkey').count()).toBe(0);
    const made = await devtools.send('WebAuthn.getCredentials', { authenticatorId });
    expect(made.credentials).toHaveLength(1);
    expect(made.credentials[0]?.rpId).toBe('localhost');

    // Out, and in again: the password, then the key instead of a code.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForSelector('input[name=email]', { timeout: 20_000 });
    await page.goto(cell.url);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    await page.waitForSelector('input[name=code]', { timeout: 20_000 });
    await page.getByRole('button', { name: 'Use your security key instead' }).click();
    await page.waitForSelector('[data-testid=obligations]', { timeout: 60_000 });
    // The key signed once more.
    const used = await devtools.send('WebAuthn.getCredentials', { authenticatorId });
    expect(used.credentials[0]?.signCount).toBeGreaterThan(made.credentials[0]?.signCount ?? 0);
    // The account page (its QR code, the WebAuthn helper loaded on demand) under the policy.
    expect(refused).toEqual([]);
    await page.close();
  }, 120_000);

  it('asks a session older than the cell allows for the password again, then does what was asked', async () => {
    if (!stale) {
      const page = await browser.newPage();
      await logIn(page, cell.url, 'agency@example.org');
      stale = { page, since: Date.now() };
    }
    const { page, since } = stale;
    const refused = cspRefusals(page);
    await page.click('a[href="/account"]');
    await page.waitForSelector('[data-testid=second-factor-state]', { timeout: 20_000 });
    // TRUCE_REAUTH_MINUTES is 1: past it, setting up a second factor needs the password again.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, since + 62_000 - Date.now())));
    await page.click('[data-testid=account] button');
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
    await dialog.waitFor({ timeout: 20_000 });
    await dialog.locator('input[name=reauth-password]').fill('not the password');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toMatch(/wrong password/);
    await dialog.locator('input[name=reauth-password]').fill(password);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    // The refused request went again: the new key is shown, and the dialog is gone.
    await page.waitForSelector('[data-testid=mfa-secret]', { timeout: 20_000 });
    expect(await dialog.isVisible()).toBe(false);
    expect(refused).toEqual([]);
    await page.close();
  }, 180_000);
});

describe.skipIf(!runBrowserTests)('a passkey in Chromium', () => {
  let cell: DemoCell;
  let browser: Browser;
  withDemoCell((started, launched) => {
    cell = started;
    browser = launched;
  });

  it('adds a passkey on the account page, then signs in with it alone', async () => {
    const email = 'agency@example.org';
    const page = await browser.newPage();
    const refused = cspRefusals(page);
    // An authenticator that keeps credentials and verifies its user (a PIN or biometric).
    const { devtools, authenticatorId } = await virtualAuthenticator(page, {
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    });
    await logIn(page, cell.url, email);
    await addKeyOnAccountPage(page, 'this laptop');
    const made = await devtools.send('WebAuthn.getCredentials', { authenticatorId });
    // Kept on the authenticator: a passkey, and the account page says so (credProps).
    expect(made.credentials[0]?.isResidentCredential).toBe(true);
    expect(await page.getByTestId('security-key').getByTestId('passkey').count()).toBe(1);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForSelector('input[name=email]', { timeout: 20_000 });
    await page.goto(cell.url);
    // No e-mail, no password: the passkey alone.
    await page.getByRole('button', { name: 'Sign in with a passkey (no password)' }).click();
    await page.waitForSelector('[data-testid=obligations]', { timeout: 60_000 });
    expect(await page.textContent('header')).toContain(email);
    expect(refused).toEqual([]);
    await page.close();
  }, 120_000);
});

describe.skipIf(!runBrowserTests)('a forgotten password in Chromium', () => {
  let cell: DemoCell;
  let browser: Browser;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    cell = await startDemoCell([], { TRUCE_SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
    browser = await launch();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await cell?.stop();
    await smtp?.close();
  }, 60_000);

  it('sends a link by e-mail, sets a new password on the page it opens, and logs in with it', async () => {
    const email = 'agency@example.org';
    const page = await browser.newPage();
    await page.goto(cell.url);
    await page.getByRole('button', { name: 'Forgot your password?' }).click();
    await page.fill('[data-testid=forgot-password] input[name=email]', email);
    await page.click('[data-testid=forgot-password] button[type=submit]');
    await page.waitForSelector('[data-testid=forgot-password] [role=status]', { timeout: 20_000 });
    const deadline = Date.now() + 20_000;
    while (smtp.messages.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(smtp.messages.map((m) => m.to)).toEqual([[email]]);
    const link = /(http:\/\/localhost:\d+\/reset-password#token=[A-Za-z0-9_-]+)/.exec(
      smtp.messages[0]?.data ?? '',
    )?.[1];
    expect(link?.startsWith(cell.url)).toBe(true);

    await page.goto(link!);
    await page.waitForSelector('[data-testid=reset-password]', { timeout: 20_000 });
    // The token leaves the address bar once read.
    expect(new URL(page.url()).hash).toBe('');
    const next = 'a brand new passphrase for the agency';
    await page.fill('input[name=password]', next);
    await page.fill('input[name=again]', next);
    await page.click('[data-testid=reset-password] button[type=submit]');
    await page.waitForSelector('[data-testid=reset-password] [role=status]', { timeout: 20_000 });
    await page.click('[data-testid=reset-password] a[href="/"]');
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', next);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=obligations]', { timeout: 60_000 });
    await page.close();
  }, 120_000);
});
