/**
 * Scale-out: two `truce serve` processes (the built CLI, as an operator starts it) on one
 * PostgreSQL database behave as one API: the stream, status, sessions and the login lockout
 * live in the database, not in a process. Needs TRUCE_TEST_DATABASE_URL and a build (`tsc -b`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleEvent } from '../ledger/testing.js';
import { postgresQuery, postgresUrl, temporaryFolder } from '../store/testing/fixtures.js';
import { testPassword } from './testing.js';

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const agreementFile = fileURLToPath(
  new URL('../../../../examples/agreements/gaza-2025.yaml', import.meta.url),
);

interface Serving {
  process: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

// A database of its own (the CLI uses the `public` schema of DATABASE_URL), dropped after.
const databaseName = `truce_scale_${process.pid}_${randomUUID().slice(0, 8)}`;
const databaseUrl = (() => {
  if (postgresUrl === undefined) return '';
  const url = new URL(postgresUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
})();
let dataDir = '';
const servers: Serving[] = [];

function truce(args: readonly string[], env: Record<string, string> = {}) {
  return spawn(process.execPath, [main, ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl, TRUCE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function createUser(org: string, role: string, email: string, permissions: string) {
  const child = truce(
    ['users', 'create', '--org', org, '--role', role, '--email', email, '--data', dataDir]
      .concat(permissions ? ['--permissions', permissions] : [])
      .concat(role === 'agency' ? ['--org-kind', 'agency'] : []),
    { TRUCE_PASSWORD: testPassword },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`users create ${email} failed (${code}): ${stderr}`);
}

/** Starts `truce serve` on a free port and resolves once it listens. */
function serve(args: readonly string[] = []): Promise<Serving> {
  const child = truce(['serve', '--port', '0', '--data', dataDir, ...args]);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const listening = /listening on (http:\/\/\S+)/.exec(stderr);
      if (listening) resolve({ process: child, url: listening[1]!, exited });
    });
    void exited.then((code) => reject(new Error(`truce serve exited (${code}):\n${stderr}`)));
  });
}

async function login(base: string, email: string, password = testPassword) {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const cookie = response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const body = (await response.json()) as { csrfToken?: string; error?: { code: string } };
  return { status: response.status, cookie, csrfToken: body.csrfToken ?? '', body };
}

/** Reads server-sent events until the one with id `last` arrived, then disconnects. */
async function readIds(url: string, headers: Record<string, string>, last: Promise<number>) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 20_000);
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.status).toBe(200);
  const ids: number[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = response.body!.getReader();
  let until = Number.POSITIVE_INFINITY;
  void last.then((seq) => {
    until = seq;
  });
  try {
    while (ids.at(-1) === undefined || ids.at(-1)! < until) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const id = /^id: (\d+)$/m.exec(buffer.slice(0, end));
        if (id) ids.push(Number(id[1]));
        buffer = buffer.slice(end + 2);
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
    await reader.cancel().catch(() => undefined);
  }
  return ids;
}

describe.skipIf(postgresUrl === undefined)('two server processes on one PostgreSQL', () => {
  let a: Serving;
  let b: Serving;
  let mediator: { cookie: string; csrfToken: string };
  let agency: { cookie: string; csrfToken: string };

  beforeAll(async () => {
    if (!existsSync(main)) throw new Error(`${main} is missing: build first (npx tsc -b)`);
    await postgresQuery(`CREATE DATABASE ${databaseName}`);
    // One data folder for both: the log key and the server-held organisation keys.
    dataDir = temporaryFolder('scale-out');
    await createUser('qatar', 'mediator', 'mediator@example.org', 'report,verify,publish');
    await createUser('un-ocha', 'agency', 'agency@example.org', 'report');
    await createUser('un-ocha', 'agency', 'victim@example.org', '');
    // One after the other: the first creates the log key, the second reads it.
    a = await serve(['--agreement', agreementFile]);
    servers.push(a);
    b = await serve();
    servers.push(b);
    mediator = await login(a.url, 'mediator@example.org');
    agency = await login(a.url, 'agency@example.org');
  }, 120_000);

  afterAll(async () => {
    for (const server of servers) server.process.kill('SIGTERM');
    await Promise.all(servers.map((server) => server.exited));
    if (postgresUrl !== undefined) await postgresQuery(`DROP DATABASE IF EXISTS ${databaseName}`);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const report = async (base: string, n: number) => {
    const { source: _s, id: _i, reportedAt: _r, ...event } = sampleEvent('x', 'ignored', n);
    const response = await fetch(`${base}/api/v1/events`, {
      method: 'POST',
      headers: {
        cookie: agency.cookie,
        'x-csrf-token': agency.csrfToken,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ event }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    return ((await response.json()) as { seq: number }).seq;
  };

  it('accepts a session created on the other process', async () => {
    const me = await fetch(`${b.url}/api/v1/auth/me`, { headers: { cookie: mediator.cookie } });
    expect(me.status).toBe(200);
    // Logging out on B ends the session on A too, though A has just answered it.
    const other = await login(b.url, 'mediator@example.org');
    const before = await fetch(`${a.url}/api/v1/auth/me`, { headers: { cookie: other.cookie } });
    expect(before.status).toBe(200);
    const logout = await fetch(`${b.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { cookie: other.cookie, 'x-csrf-token': other.csrfToken },
    });
    expect(logout.status).toBeLessThan(300);
    const after = await fetch(`${a.url}/api/v1/auth/me`, { headers: { cookie: other.cookie } });
    expect(after.status).toBe(401);
  });

  it('refuses a token on one process as soon as the other revoked it', async () => {
    const made = await fetch(`${a.url}/api/v1/tokens`, {
      method: 'POST',
      headers: {
        cookie: mediator.cookie,
        'x-csrf-token': mediator.csrfToken,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ name: 'sync', scopes: ['checkpoints:read'], expiresInDays: 1 }),
    });
    expect(made.status).toBe(201);
    const { token, id } = (await made.json()) as { token: string; id: string };
    const read = (base: string) =>
      fetch(`${base}/api/v1/checkpoints`, { headers: { authorization: `Bearer ${token}` } });
    expect((await read(a.url)).status).toBe(200);
    const revoked = await fetch(`${b.url}/api/v1/tokens/${id}`, {
      method: 'DELETE',
      headers: { cookie: mediator.cookie, 'x-csrf-token': mediator.csrfToken },
    });
    expect(revoked.status).toBe(200);
    expect((await read(a.url)).status).toBe(401);
  });

  it('streams an event submitted to one process to a client of the other, and resumes on either', async () => {
    const headers = { cookie: mediator.cookie };
    const range = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, n) => from + n);
    let submitted: (seq: number) => void = () => undefined;
    const first = readIds(
      `${b.url}/api/v1/stream`,
      headers,
      new Promise((resolve) => {
        submitted = resolve;
      }),
    );
    // The stream starts at the current size; give it a moment to open before submitting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The first report through the server also registers the organisation's key: one more
    // entry before it, which the stream carries like any other.
    const seqs = [await report(a.url, 1), await report(a.url, 2)];
    submitted(seqs[1]!);
    const received = await first;
    expect(received).toEqual(range(received[0]!, seqs[1]!));
    expect(received).toEqual(expect.arrayContaining(seqs));
    // Disconnected: two more events on B, and the client reconnects to A (as a load balancer
    // may send it) with Last-Event-ID: nothing lost, nothing repeated.
    const more = [await report(b.url, 3), await report(b.url, 4)];
    const resumed = await readIds(
      `${a.url}/api/v1/stream`,
      { ...headers, 'last-event-id': String(seqs[1]) },
      Promise.resolve(more[1]!),
    );
    expect(resumed).toEqual(range(seqs[1]! + 1, more[1]!));
    expect(resumed).toEqual(expect.arrayContaining(more));
  }, 60_000);

  it('serves the same status from both', async () => {
    const get = async (base: string) => {
      const response = await fetch(
        `${base}/api/v1/status?asOf=${encodeURIComponent('2025-02-11T12:00:00+02:00')}`,
        { headers: { cookie: mediator.cookie } },
      );
      expect(response.status).toBe(200);
      return response.json();
    };
    const [fromA, fromB] = [await get(a.url), await get(b.url)];
    expect(fromB).toEqual(fromA);
    expect(fromA).toMatchObject({ ledgerSize: expect.any(Number) });
  });

  it('counts failed logins across both processes for the lockout', async () => {
    // Three failures on A and two on B: neither alone reaches five.
    for (const base of [a.url, b.url, a.url, b.url, a.url]) {
      expect((await login(base, 'victim@example.org', 'not the password at all')).status).toBe(401);
    }
    const locked = await login(b.url, 'victim@example.org');
    expect(locked.status).toBe(401);
    const audit = await fetch(`${a.url}/api/v1/audit?action=auth.lockout`, {
      headers: { cookie: mediator.cookie },
    });
    expect(audit.status).toBe(200);
    expect(JSON.stringify(await audit.json())).toContain('auth.lockout');
  }, 60_000);

  it('counts a client’s logins across both processes for the rate limit', async () => {
    // Ten logins a minute per client address, counted by both processes together: each answer
    // says how many are left, and a login on B leaves one fewer than the one on A before it.
    const attempt = async (base: string, k: number) => {
      const response = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `nobody-${k}@example.org`, password: 'not the password' }),
      });
      return {
        status: response.status,
        remaining: Number(response.headers.get('x-ratelimit-remaining')),
        code: ((await response.json()) as { error?: { code?: string } }).error?.code,
      };
    };
    const first = await attempt(a.url, 1);
    const second = await attempt(b.url, 2);
    const third = await attempt(a.url, 3);
    if (first.status === 401 && third.status === 401) {
      expect(second.remaining).toBe(first.remaining - 1);
      expect(third.remaining).toBe(second.remaining - 1);
    }
    // And the limit holds across both: alternating, a refusal comes within ten more.
    let refused: string | undefined;
    for (let k = 4; k < 16 && refused === undefined; k++) {
      const next = await attempt(k % 2 === 0 ? a.url : b.url, k);
      if (next.status === 429) refused = next.code;
      else expect(next.status).toBe(401);
    }
    expect(refused).toBe('RATE_LIMITED');
  }, 60_000);
});
