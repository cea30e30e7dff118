import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadEvents } from '@truce/core';
import { chromium } from 'playwright-core';
import {
  demoPassword,
  publishAsMediator,
  ScenarioFeeder,
  seedAccounts,
  seedAgreement,
} from '../packages/server/src/demo/demo-cell.js';
import { startServer } from '../packages/server/src/http/start.js';
import { median, type Row, type Section } from './harness.js';

/**
 * The dashboard (issue 9's figures): the JavaScript of the first page, gzipped; the first load
 * of the overview over a year of synthetic events; and how long a new event takes to show in a
 * page that is watching. Real Chromium (Debian's), real HTTP, the server in this process.
 */
const dist = new URL('../packages/web/dist/', import.meta.url).pathname;
const agreementFile = new URL('../examples/agreements/gaza-2025.yaml', import.meta.url).pathname;
const chromiumPath = process.env.TRUCE_CHROMIUM ?? '/usr/bin/chromium';

/** The files the first page loads before it runs: its entry script and the modules it preloads. */
function firstPageJs(): { files: string[]; gzipBytes: number; rawBytes: number } {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = [
    ...html.matchAll(/<script[^>]+src="\/([^"]+\.js)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/([^"]+\.js)"/g),
  ].map((m) => m[1]!);
  let gzipBytes = 0;
  let rawBytes = 0;
  for (const file of new Set(files)) {
    const body = readFileSync(join(dist, file));
    rawBytes += body.length;
    gzipBytes += gzipSync(body, { level: 9 }).length;
  }
  return { files, gzipBytes, rawBytes };
}

const p95 = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!;
};

export async function webBenchmarks(quick: boolean): Promise<Section> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const title = 'Dashboard';
  if (!existsSync(join(dist, 'index.html')) || !existsSync(chromiumPath)) {
    return {
      title,
      intro: 'Not measured: the dashboard is not built or Chromium is not installed.',
      rows,
      notes,
    };
  }
  const js = firstPageJs();
  rows.push({
    name: 'JavaScript of the first page, gzipped',
    value: `${(js.gzipBytes / 1024).toFixed(1)} KiB (${(js.rawBytes / 1024).toFixed(0)} KiB raw)`,
    detail: js.files.join(', '),
    goal: '< 300 KB',
    pass: js.gzipBytes < 300_000,
  });

  const count = quick ? 20_000 : 100_000;
  const loads = quick ? 8 : 20;
  const updates = quick ? 5 : 15;
  const dataDir = mkdtempSync(join(tmpdir(), 'truce-bench-web-'));
  // The cell's clock at the end of the synthetic year, so that every event has been reported.
  const end = new Date('2026-01-25T12:00:00+02:00');
  const server = await startServer({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    domainClock: () => end,
    logger: false,
  });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  try {
    const agreement = await seedAgreement(
      server.app,
      readFileSync(agreementFile, 'utf8'),
      agreementFile,
    );
    await seedAccounts(server.app, agreement);
    const feedStart = performance.now();
    const feeder = new ScenarioFeeder(server.app, dataDir, [
      ...loadEvents({ seed: 20250119, count, days: 365 }),
    ]);
    await feeder.feed(end, 500);
    const feedSeconds = (performance.now() - feedStart) / 1000;
    await publishAsMediator(server.app);
    const size = await server.store.size();

    const login = async (email: string) => {
      const response = await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: demoPassword }),
      });
      const cookies = response.headers.getSetCookie().map((c) => {
        const [pair] = c.split(';');
        const [name, ...value] = pair!.split('=');
        return { name: name!, value: value.join('='), url: server.url };
      });
      const { csrfToken } = (await response.json()) as { csrfToken: string };
      return { cookies, csrfToken };
    };
    const mediator = await login('mediator@example.org');

    // First loads: a fresh browser context each time (no cache, no service worker), signed in,
    // from navigation to the obligations table on screen. The first one also builds the
    // server's evaluator over the whole ledger.
    const times: number[] = [];
    for (let i = 0; i <= loads; i++) {
      const context = await browser.newContext({ serviceWorkers: 'block' });
      await context.addCookies(mediator.cookies);
      const page = await context.newPage();
      const start = performance.now();
      await page.goto(server.url);
      await page.waitForSelector('[data-testid=obligations] tbody tr', { timeout: 120_000 });
      times.push(performance.now() - start);
      await context.close();
    }
    const [cold, ...warm] = times;
    rows.push({
      name: `first load of the overview, ${count.toLocaleString('en')} events over a year (p95 of ${loads})`,
      value: `${p95(warm).toFixed(0)} ms`,
      detail: `median ${median(warm).toFixed(0)} ms; the very first after start (the server reads the whole ledger into its evaluator): ${cold!.toFixed(0)} ms`,
      goal: '< 1500 ms',
      pass: p95(warm) < 1500,
    });

    // A new event, shown: a page watches the overview; an agency reports trucks through the
    // API; the time until the page's text for the aid quota changes (stream → status → render).
    const context = await browser.newContext({ serviceWorkers: 'block' });
    await context.addCookies(mediator.cookies);
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('[data-testid=connection].connection-live', { timeout: 60_000 });
    const agency = await login('agency@example.org');
    const cookie = agency.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    // The whole row: a report for a day of Phase 1 changes the source's total in the why.
    const selector = 'tr[data-obligation="aid-trucks-daily"]';
    const lags: number[] = [];
    for (let i = 0; i < updates; i++) {
      const before = await page.locator(selector).textContent();
      const start = performance.now();
      const response = await fetch(`${server.url}/api/v1/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          cookie,
          'x-csrf-token': agency.csrfToken,
        },
        body: JSON.stringify({
          event: {
            type: 'aid_trucks_crossed',
            occurredAt: '2025-01-28T12:00:00+02:00',
            payload: { crossing: 'kerem-shalom', cargo: 'food', count: 10 + i },
          },
        }),
      });
      if (response.status !== 201) throw new Error(`report answered ${response.status}`);
      await page.waitForFunction(
        ([sel, text]) =>
          (
            globalThis as unknown as {
              document: { querySelector(s: string): { textContent: string | null } | null };
            }
          ).document.querySelector(sel!)?.textContent !== text,
        [selector, before],
        { timeout: 10_000, polling: 'raf' },
      );
      lags.push(performance.now() - start);
    }
    await context.close();
    rows.push({
      name: 'a new event visible in a watching page (append → stream → status → render)',
      value: `median ${median(lags).toFixed(0)} ms, max ${Math.max(...lags).toFixed(0)} ms`,
      detail: `${updates} reports, one after the other`,
      goal: '< 1000 ms',
      pass: Math.max(...lags) < 1000,
    });
    notes.push(
      `The ledger: the sample agreement and ${count.toLocaleString('en')} synthetic events over 365 days (\`loadEvents\`, seed 20250119), ${size.toLocaleString('en')} entries with key registrations, loaded through the ledger service in ${feedSeconds.toFixed(0)} s; the status is evaluated as of 25 January 2026.`,
      'Browser: Debian Chromium headless through playwright-core, on the same two cores as the server; one fresh browser context per load (nothing cached), signed in as the demo mediator.',
      'The stream polls the store every 250 ms (streamPollMs) and the page waits 250 ms to gather changes before it fetches the status: most of the lag is those two waits.',
    );
  } finally {
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    title,
    intro:
      'The dashboard as a browser sees it: the size of what the first page loads, the first load of the overview over a year of events, and the time for a new event to show in a watching page.',
    rows,
    notes,
  };
}
