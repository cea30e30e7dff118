import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mail } from '../alerts/smtp.js';
import { cookieHeader, startTestServer, type TestServer, testPassword } from './testing.js';

/** "Forgot your password": a link by e-mail, used once, within 30 minutes. */

let server: TestServer;
const mails: Mail[] = [];

beforeAll(async () => {
  server = await startTestServer({
    config: { loginPerMinute: 1000, sessionIdleMinutes: 0 },
    mailer: { send: async (mail) => void mails.push(mail) },
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

const newPassword = 'a fresh and long passphrase for the reset';

async function forgot(email: string, headers: Record<string, string> = {}) {
  const response = await server.app.inject({
    method: 'POST',
    url: '/api/v1/auth/password/forgot',
    headers,
    payload: { email },
  });
  await server.app.truce.accounts.settled();
  return response;
}

const reset = (token: string, password = newPassword) =>
  server.app.inject({
    method: 'POST',
    url: '/api/v1/auth/password/reset',
    payload: { token, password },
  });

/** The token of the last link mailed to `email`. */
function lastToken(email: string): string {
  const mail = mails.filter((m) => m.to === email).at(-1);
  const token = /\/reset-password#token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
  expect(token).toBeDefined();
  return token!;
}

async function auditOf(action: string) {
  const response = await server.app.inject({
    method: 'GET',
    url: `/api/v1/audit?action=${action}&limit=100`,
    headers: server.headers('mediator'),
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().records as {
    outcome: string;
    target?: string;
    details: Record<string, unknown>;
  }[];
}

describe('a forgotten password', () => {
  const email = 'agency@example.org';

  it('answers alike for a known and an unknown address; only the known one gets a link', async () => {
    const session = cookieHeader(await server.login(email, testPassword));
    const known = await forgot(email);
    const unknown = await forgot('nobody@example.org');
    expect(known.statusCode).toBe(202);
    expect(unknown.statusCode).toBe(202);
    expect(unknown.body).toBe(known.body);
    expect(mails.map((m) => m.to)).toEqual([email]);
    expect(mails[0]?.subject).toBe('truce: choose a new password');
    expect(mails[0]?.text).toMatch(/^http:\/\/localhost\/reset-password#token=/m);
    // Only a hash of the token is stored.
    const token = lastToken(email);
    const rows = await server.app.truce.db.query<{ token_hash: string }>(
      'SELECT token_hash FROM password_resets',
    );
    expect(rows.map((r) => r.token_hash)).not.toContain(token);

    // A password too easy to guess is refused, and the link still works after it.
    const weak = await reset(token, 'password1234');
    expect(weak.statusCode).toBe(400);
    const done = await reset(token);
    expect(done.statusCode, done.body).toBe(204);
    // Used once.
    expect((await reset(token)).statusCode).toBe(401);
    // Every session ended; the old password no longer works, the new one does.
    const me = await server.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { cookie: session },
    });
    expect(me.statusCode).toBe(401);
    expect((await server.login(email, testPassword)).statusCode).toBe(401);
    expect((await server.login(email, newPassword)).statusCode).toBe(200);
    // The owner is told by e-mail that the password changed.
    expect(mails.at(-1)?.subject).toBe('truce: your password was changed');
    expect((await auditOf('auth.password.reset')).map((r) => r.outcome)).toEqual([
      'success',
      'failure',
    ]);
  });

  it('expires after 30 minutes', async () => {
    await forgot(email);
    const token = lastToken(email);
    server.advance(31 * 60_000);
    expect((await reset(token, `${newPassword} again`)).statusCode).toBe(401);
  });

  it('sends at most three links an hour to one account', async () => {
    server.advance(61 * 60_000);
    const before = mails.length;
    for (let i = 0; i < 5; i++) expect((await forgot('observer@example.org')).statusCode).toBe(202);
    expect(mails.length - before).toBe(3);
    const refused = (await auditOf('auth.password.forgot')).filter(
      (r) => r.target === server.as.observer.userId && r.outcome === 'failure',
    );
    expect(refused).toHaveLength(2);
  });

  it('never builds the link from a Host header sent by anyone (reset poisoning)', async () => {
    server.advance(61 * 60_000);
    const before = mails.length;
    const poisoned = await forgot('monitor@example.org', { host: 'evil.example' });
    expect(poisoned.statusCode).toBe(202);
    expect(mails.length).toBe(before);
    const [last] = (await auditOf('auth.password.forgot')).slice(-1);
    expect(last?.details.reason).toMatch(/TRUCE_PUBLIC_ORIGIN/);
  });

  it('still asks for the second factor after a reset', async () => {
    server.advance(61 * 60_000);
    const monitor = 'monitor@example.org';
    const login = await server.login(monitor, testPassword);
    const headers = { cookie: cookieHeader(login), 'x-csrf-token': login.json().csrfToken };
    // A second factor (the app), set up and confirmed.
    const begun = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa',
      headers,
      payload: {},
    });
    const { base32Decode, hotp, totpStep } = await import('../accounts/totp.js');
    const secret = base32Decode(begun.json().secret);
    const confirmed = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/confirm',
      headers,
      payload: { code: hotp(secret, totpStep(server.now())) },
    });
    expect(confirmed.statusCode).toBe(200);
    await forgot(monitor);
    expect((await reset(lastToken(monitor))).statusCode).toBe(204);
    const again = await server.login(monitor, newPassword);
    expect(again.statusCode).toBe(401);
    expect(again.json().error.code).toBe('MFA_REQUIRED');
  });
});
