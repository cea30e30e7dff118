import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../cli/io.js';
import { start } from '../cli/start.js';
import { demoPassword, demoUsers } from './demo-cell.js';
import { demoClock } from './demo-clock.js';
import { runDemoCell } from './testing.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'truce-demo-'));
  dirs.push(dir);
  return dir;
}

/** `truce start` on a free port until `stop`, which checks that it exits cleanly. */
async function running(args: string[]) {
  const cell = await runDemoCell(['--port', '0', ...args]);
  return {
    ...cell,
    stop: async () => {
      expect(await cell.stop()).toBe(0);
    },
  };
}

async function loginAs(url: string, email: string) {
  const response = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: demoPassword }),
  });
  expect(response.status).toBe(200);
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return { cookie, csrfToken };
}

describe('truce start (npm start): the demo cell', () => {
  const data = join(folder(), 'data');

  it('loads the sample, the logins and the scenario up to Day 23, and serves them', async () => {
    const cell = await running(['--data', data]);
    try {
      const banner = cell.io.output();
      for (const user of demoUsers) expect(banner).toContain(user.email);
      expect(banner).toContain('Day 23');
      expect(banner).toContain('simulated time: 2025-02-10 12:00 (Asia/Gaza)');
      expect(banner).toContain(demoPassword);

      const mediator = await loginAs(cell.url, 'mediator@example.org');
      const status = (await (
        await fetch(`${cell.url}/api/v1/status`, { headers: { cookie: mediator.cookie } })
      ).json()) as {
        day: number;
        asOf: string;
        ledgerSize: number;
        obligations: { id: string; status: string; eventIds: string[] }[];
        phases: { state: string; dayOfPhase: number | null }[];
      };
      expect(status.day).toBe(23);
      expect(status.phases.find((p) => p.state === 'active')?.dayOfPhase).toBe(23);
      expect(status.asOf.startsWith('2025-02-10T12:0')).toBe(true);
      // Events reported after the simulated now are not in the ledger yet.
      // The base feed and its supplements (aid, notices, exchange…), as truce start reports them.
      const scenarios = new URL('../../../../examples/scenarios/', import.meta.url);
      const scenario = readdirSync(scenarios)
        .filter((file) => /^gaza-2025(-[a-z]+)?-synthetic\.jsonl$/.test(file))
        .flatMap((file) => readFileSync(new URL(file, scenarios), 'utf8').trim().split('\n'))
        .map((line) => JSON.parse(line) as { id: string; reportedAt: string });
      const due = scenario.filter((e) => Date.parse(e.reportedAt) <= Date.parse(status.asOf));
      expect(due.length).toBeGreaterThan(100);
      expect(due.length).toBeLessThan(scenario.length);
      // Genesis, one key registration per reporting organisation, then the events due.
      const sources = new Set(
        scenario
          .filter((e) => Date.parse(e.reportedAt) <= Date.parse(status.asOf))
          .map((e) => (e as unknown as { source: string }).source),
      );
      // The demo witnesses (the parties and guarantors) sign with keys of their organisations:
      // the United States reports nothing in the scenario, so its key is registered to cosign.
      const witnesses = ['israel', 'hamas', 'qatar', 'egypt', 'united-states'];
      expect(cell.io.output()).toContain(
        `demo witnesses (in this process, keys held here): ${witnesses.join(', ')}`,
      );
      expect(status.ledgerSize).toBe(1 + new Set([...sources, ...witnesses]).size + due.length);
      // Each cosigns the latest checkpoint within a tick (2 s) of it.
      const cosigners = async () => {
        const latest = (await (
          await fetch(`${cell.url}/api/v1/checkpoints/latest`, {
            headers: { cookie: mediator.cookie },
          })
        ).json()) as { cosigners: { witness: string }[] };
        return latest.cosigners.map((c) => c.witness).sort();
      };
      await expect
        .poll(cosigners, { timeout: 30_000, interval: 500 })
        .toEqual([...witnesses].sort());
      expect(cell.io.errors()).not.toContain('refused to cosign');
      // The public page names them too, without a login.
      const publicCosigners = async () => {
        const shown = (await (await fetch(`${cell.url}/api/v1/public/status`)).json()) as {
          checkpoint: { cosigners: { witness: string }[] };
        };
        return shown.checkpoint.cosigners.map((c) => c.witness).sort();
      };
      await expect
        .poll(publicCosigners, { timeout: 30_000, interval: 500 })
        .toEqual([...witnesses].sort());

      // The events behind a status, by their ids.
      const aid = status.obligations.find((o) => o.id === 'aid-trucks-daily')!;
      expect(aid.eventIds.length).toBeGreaterThan(0);
      const ids = aid.eventIds.slice(0, 3);
      const behind = (await (
        await fetch(`${cell.url}/api/v1/events?ids=${ids.join(',')}`, {
          headers: { cookie: mediator.cookie },
        })
      ).json()) as { events: { event: { id: string } }[] };
      expect(behind.events.map((e) => e.event.id).sort()).toEqual([...ids].sort());

      // The public page: published at start, no login, no person ids, no count from 1 to 4.
      const published = await fetch(`${cell.url}/api/v1/public/status`);
      expect(published.status).toBe(200);
      const text = await published.text();
      expect(text).not.toMatch(/\b[HP]-\d{4}\b/);
      const body = JSON.parse(text) as {
        obligations: { progress?: { done: number | null } }[];
      };
      for (const o of body.obligations) {
        const done = o.progress?.done;
        if (typeof done === 'number') expect(done === 0 || done >= 5).toBe(true);
      }
      const log = (await (await fetch(`${cell.url}/api/v1/log`)).json()) as {
        verifierKey: string;
      };
      expect(log.verifierKey).toMatch(/^demo\.truce\.local\/log\+[0-9a-f]{8}\+/);
    } finally {
      await cell.stop();
    }
  }, 120_000);

  it('starts again on the same data without reporting anything twice', async () => {
    const saved = JSON.parse(readFileSync(join(data, 'demo-clock.json'), 'utf8')) as {
      simulatedAt: string;
    };
    const cell = await running(['--data', data]);
    try {
      const mediator = await loginAs(cell.url, 'mediator@example.org');
      const status = (await (
        await fetch(`${cell.url}/api/v1/status`, { headers: { cookie: mediator.cookie } })
      ).json()) as { asOf: string; ledgerSize: number };
      // The clock continues from where it stopped, never back.
      expect(Date.parse(status.asOf)).toBeGreaterThanOrEqual(Date.parse(saved.simulatedAt) - 1000);
      const ids = new Set<string>();
      let cursor: number | null = 0;
      while (cursor !== null) {
        const page = (await (
          await fetch(`${cell.url}/api/v1/events?cursor=${cursor}&limit=500`, {
            headers: { cookie: mediator.cookie },
          })
        ).json()) as { events: { event: { id: string } }[]; nextCursor: number | null };
        for (const e of page.events) {
          expect(ids.has(e.event.id)).toBe(false);
          ids.add(e.event.id);
        }
        cursor = page.nextCursor;
      }
      expect(ids.size).toBe(status.ledgerSize);
      expect(cell.io.output()).not.toContain('(created now)');
      // The witnesses remember what they cosigned before the restart and go on from it.
      expect(cell.io.errors()).not.toContain('refused to cosign');
    } finally {
      await cell.stop();
    }
  }, 120_000);

  it('--reset starts over, and refuses a folder truce did not make', async () => {
    const stranger = folder();
    writeFileSync(join(stranger, 'thesis.txt'), 'not truce');
    const io = memoryIo();
    await expect(start(['--data', stranger, '--reset', '--port', '0'], io)).rejects.toThrow(
      /does not look like a truce data folder/,
    );
    expect(existsSync(join(stranger, 'thesis.txt'))).toBe(true);

    const cell = await running(['--data', data, '--reset', '--at', '2025-01-20T12:00:00+02:00']);
    try {
      expect(cell.io.output()).toContain('(created now)');
      expect(cell.io.output()).toContain('Day 2');
    } finally {
      await cell.stop();
    }
  }, 120_000);
});

describe('truce start --replay', () => {
  it('plays the scenario forward: the clock runs faster and events keep arriving', async () => {
    const cell = await running(['--data', join(folder(), 'data'), '--replay', '--speed', '3000']);
    try {
      const mediator = await loginAs(cell.url, 'mediator@example.org');
      const read = async () =>
        (await (
          await fetch(`${cell.url}/api/v1/status`, { headers: { cookie: mediator.cookie } })
        ).json()) as { asOf: string; ledgerSize: number; day: number };
      const first = await read();
      const startedAt = Date.now();
      await expect
        .poll(async () => (await read()).ledgerSize, { timeout: 30_000, interval: 500 })
        .toBeGreaterThan(first.ledgerSize);
      // Three thousand times real time: two real seconds are more than an hour and a half
      // simulated (the first new event may arrive sooner: the scenario reports often).
      while (Date.now() - startedAt < 2_000) await new Promise((r) => setTimeout(r, 100));
      const later = await read();
      expect(Date.parse(later.asOf) - Date.parse(first.asOf)).toBeGreaterThan(3_600_000);
      expect(cell.io.output()).toContain('replay ×3000');
    } finally {
      await cell.stop();
    }
  }, 120_000);
});

describe('the demo clock', () => {
  it('runs from the saved instant at its speed and saves where it is', () => {
    const dir = folder();
    mkdirSync(dir, { recursive: true });
    let real = 1_000_000;
    const clock = demoClock(dir, { simulatedAt: '2025-02-10T10:00:00Z', speed: 600 }, () => real);
    expect(clock.now().toISOString()).toBe('2025-02-10T10:00:00.000Z');
    real += 6_000; // six real seconds = one simulated hour
    expect(clock.now().toISOString()).toBe('2025-02-10T11:00:00.000Z');
    clock.save();
    expect(JSON.parse(readFileSync(join(dir, 'demo-clock.json'), 'utf8'))).toEqual({
      simulatedAt: '2025-02-10T11:00:00.000Z',
      speed: 600,
    });
  });
});
