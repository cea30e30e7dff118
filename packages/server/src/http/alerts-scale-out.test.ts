/**
 * Alerts with two `truce serve` processes (the built CLI) on one PostgreSQL database, each
 * running the alerts worker every 50 ms: an incident reported through either process pages a
 * webhook once, not once per process; a third process started later does not page it again.
 * Needs TRUCE_TEST_DATABASE_URL and a build (`tsc -b`), like scale-out.test.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../alerts/webhook.js';
import { postgresQuery, postgresUrl, temporaryFolder } from '../store/testing/fixtures.js';
import { testPassword } from './testing.js';

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const agreementFile = fileURLToPath(
  new URL('../../../../examples/agreements/gaza-2025.yaml', import.meta.url),
);
const databaseName = `truce_alerts_${process.pid}_${randomUUID().slice(0, 8)}`;
const databaseUrl = (() => {
  if (postgresUrl === undefined) return '';
  const url = new URL(postgresUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
})();
let dataDir = '';
const children: { process: ChildProcess; exited: Promise<number | null> }[] = [];

function truce(args: readonly string[], env: Record<string, string> = {}) {
  return spawn(process.execPath, [main, ...args], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TRUCE_LOG_LEVEL: 'warn',
      TRUCE_ALERTS_POLL_MS: '50',
      // The test's webhook receiver listens on this machine: allowed as an operator would.
      TRUCE_WEBHOOK_ALLOW: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function serve(args: readonly string[] = []): Promise<string> {
  const child = truce(['serve', '--port', '0', '--data', dataDir, ...args]);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  children.push({ process: child, exited });
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const listening = /listening on (http:\/\/\S+)/.exec(stderr);
      if (listening) resolve(listening[1]!);
    });
    void exited.then((code) => reject(new Error(`truce serve exited (${code}):\n${stderr}`)));
  });
}

async function login(base: string, email: string) {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: testPassword }),
  });
  const cookie = response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const body = (await response.json()) as { csrfToken: string };
  return { cookie, 'x-csrf-token': body.csrfToken, 'content-type': 'application/json' };
}

describe.skipIf(postgresUrl === undefined)('alerts with two server processes', () => {
  let a: string;
  let b: string;
  let headers: Record<string, string>;
  let receiver: Server;
  let hookUrl = '';
  const received: { body: string; signature: string }[] = [];

  beforeAll(async () => {
    if (!existsSync(main)) throw new Error(`${main} is missing: build first (npx tsc -b)`);
    await postgresQuery(`CREATE DATABASE ${databaseName}`);
    dataDir = temporaryFolder('alerts-scale-out');
    const create = truce(
      [
        'users',
        'create',
        '--org',
        'qatar',
        '--role',
        'mediator',
        '--email',
        'mediator@example.org',
        '--data',
        dataDir,
        '--permissions',
        'report,verify,publish',
      ],
      { TRUCE_PASSWORD: testPassword },
    );
    expect(await new Promise((resolve) => create.on('exit', resolve))).toBe(0);
    a = await serve(['--agreement', agreementFile]);
    b = await serve();
    headers = await login(a, 'mediator@example.org');
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        received.push({ body, signature: String(request.headers['truce-signature']) });
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    hookUrl = `http://127.0.0.1:${address.port}/hook`;
  }, 120_000);

  afterAll(async () => {
    for (const child of children) child.process.kill('SIGTERM');
    await Promise.all(children.map((child) => child.exited));
    await new Promise((resolve) => receiver?.close(resolve));
    if (postgresUrl !== undefined) await postgresQuery(`DROP DATABASE IF EXISTS ${databaseName}`);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('pages once for an incident, whichever process reports it and however many run', async () => {
    const created = await fetch(`${a}/api/v1/alerts/subscriptions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: 'Incidents',
        rule: { kind: 'incident' },
        webhookUrl: hookUrl,
      }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { webhookSecret } = (await created.json()) as { webhookSecret: string };
    // Both workers have taken the cursor past what was there before.
    await sleep(500);
    for (const [base, incident] of [
      [b, 'inc-b'],
      [a, 'inc-a'],
    ] as const) {
      const reported = await fetch(`${base}/api/v1/events`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          event: {
            type: 'incident_reported',
            occurredAt: new Date().toISOString(),
            payload: { incident, category: 'fire', place: 'rafah', description: 'Test.' },
          },
        }),
      });
      expect(reported.status).toBe(201);
    }
    await expect.poll(() => received.length, { timeout: 15_000 }).toBe(2);
    // A third process joins; the two workers keep ticking: nothing is paged again.
    await serve();
    await sleep(1500);
    expect(received).toHaveLength(2);
    const titles = received.map(
      (r) => (JSON.parse(r.body) as { alert: { title: string } }).alert.title,
    );
    expect(titles.sort()).toEqual([
      expect.stringContaining('Incident inc-a'),
      expect.stringContaining('Incident inc-b'),
    ]);
    for (const request of received) {
      expect(
        verifyWebhook(
          webhookSecret,
          request.body,
          request.signature,
          Math.floor(Date.now() / 1000),
        ),
      ).toBe(true);
    }
    const list = await fetch(`${b}/api/v1/alerts`, { headers });
    expect(((await list.json()) as { alerts: unknown[] }).alerts).toHaveLength(2);
  }, 60_000);
});
