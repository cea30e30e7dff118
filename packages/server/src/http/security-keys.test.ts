import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftAuthenticator } from '../accounts/testing-authenticator.js';
import { cookieHeader, startTestServer, type TestServer, testPassword } from './testing.js';

/**
 * Security keys (WebAuthn) as a second factor, through HTTP, with a software authenticator that
 * answers as a browser with a key would. `inject` requests come to http://localhost, the
 * relying party when no public origin is configured.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ config: { loginPerMinute: 1000, sessionIdleMinutes: 0 } });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

type Headers = Record<string, string>;
const origin = 'http://localhost';

const post = (url: string, headers: Headers, payload: object = {}) =>
  server.app.inject({ method: 'POST', url, headers, payload });
const get = (url: string, headers: Headers) => server.app.inject({ method: 'GET', url, headers });

function login(email: string, extra: object = {}, password = testPassword) {
  return post('/api/v1/auth/login', {}, { email, password, ...extra });
}

async function session(email: string, extra: object = {}): Promise<Headers> {
  const response = await login(email, extra);
  expect(response.statusCode, response.body).toBe(200);
  return { cookie: cookieHeader(response), 'x-csrf-token': response.json().csrfToken };
}

/** Step 1 of a login with a key: the options (with its challenge) for `email`. */
async function loginOptions(email: string, password = testPassword) {
  return post('/api/v1/auth/login/security-key', {}, { email, password });
}

async function auditOf(email: string, action: string) {
  const rows = await server.app.truce.db.query<{ outcome: string; details: string }>(
    `SELECT a.outcome, a.details FROM audit_log a JOIN users u ON u.id = a.target
      WHERE u.email = $1 AND a.action = $2 ORDER BY a.id`,
    [email, action],
  );
  return rows.map((row) => ({ outcome: row.outcome, details: JSON.parse(row.details) as unknown }));
}

describe('a security key', () => {
  const email = 'agency@example.org';
  const key = new SoftAuthenticator(origin);

  it('is added after the password again; the other sessions end', async () => {
    const other = await session(email);
    const here = await session(email);
    const wrong = await post('/api/v1/auth/security-keys/options', here, { password: 'not it' });
    expect(wrong.statusCode).toBe(401);
    const begun = await post('/api/v1/auth/security-keys/options', here, {
      password: testPassword,
    });
    expect(begun.statusCode).toBe(200);
    const { options } = begun.json();
    expect(options.rp).toEqual({ id: 'localhost', name: 'truce' });
    expect(options.attestation).toBe('none');
    expect(options.pubKeyCredParams.map((p: { alg: number }) => p.alg)).toContain(-8);
    // The browser is asked to say whether the key kept the credential (a passkey).
    expect(options.extensions).toEqual({ credProps: true });

    const added = await post('/api/v1/auth/security-keys', here, {
      name: 'blue key',
      response: key.register(options, { keeps: false }),
    });
    expect(added.statusCode, added.body).toBe(200);
    expect(added.json()).toMatchObject({ id: key.credentialId, name: 'blue key' });
    expect((await get('/api/v1/auth/me', other)).statusCode).toBe(401);
    const me = await get('/api/v1/auth/me', here);
    expect(me.json().secondFactor).toBe(true);
    const listed = await get('/api/v1/auth/security-keys', here);
    expect(listed.json().securityKeys).toEqual([
      expect.objectContaining({ id: key.credentialId, name: 'blue key', passkey: false }),
    ]);
    // The challenge is used once: the same answer again is refused.
    const replay = await post('/api/v1/auth/security-keys', here, {
      name: 'again',
      response: key.register(options),
    });
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error.code).toBe('VALIDATION_FAILED');
    expect((await auditOf(email, 'auth.webauthn.add')).map((row) => row.outcome)).toEqual([
      'failure',
      'success',
      'failure',
    ]);
  });

  it('refuses a key made on another origin (a phishing page)', async () => {
    const here = await session(email, await keyAnswer(email));
    const { options } = (
      await post('/api/v1/auth/security-keys/options', here, { password: testPassword })
    ).json();
    const phished = new SoftAuthenticator('https://truce.example.net');
    const refused = await post('/api/v1/auth/security-keys', here, {
      name: 'elsewhere',
      response: phished.register(options),
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.message).toMatch(/origin/i);
  });

  /** A login's second factor from `key`: its answer to a fresh challenge. */
  async function keyAnswer(
    user: string,
    as: Parameters<SoftAuthenticator['answer']>[1] = {},
    authenticator = key,
  ) {
    const step = await loginOptions(user);
    expect(step.statusCode, step.body).toBe(200);
    return { securityKey: authenticator.answer(step.json().options, as) };
  }

  it('is then needed at login, and a login with it works once per challenge', async () => {
    const bare = await login(email);
    expect(bare.statusCode).toBe(401);
    expect(bare.json().error.code).toBe('MFA_REQUIRED');
    // Step 1 checks the password like a login.
    expect((await loginOptions(email, 'wrong password here')).statusCode).toBe(401);
    const step = await loginOptions(email);
    const { options } = step.json();
    expect(options.rpId).toBe('localhost');
    expect(options.allowCredentials).toEqual([
      expect.objectContaining({ id: key.credentialId, type: 'public-key' }),
    ]);
    const answer = key.answer(options);
    const ok = await login(email, { securityKey: answer });
    expect(ok.statusCode, ok.body).toBe(200);
    // The same answer again: its challenge is gone.
    const replay = await login(email, { securityKey: answer });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an answer for another origin, by another key, or with a counter that did not grow', async () => {
    const before = (await auditOf(email, 'auth.login')).length;
    // A clone of the key would answer with a counter the server has already seen (the last
    // login's): first, while the key's counter is still that one.
    const seen = key.counter;
    const cloned = await login(email, await keyAnswer(email, { keepCounter: true }));
    expect(cloned.statusCode).toBe(401);
    const phished = await login(email, await keyAnswer(email, { origin: 'https://evil.example' }));
    expect(phished.statusCode).toBe(401);
    const forged = await login(
      email,
      await keyAnswer(email, { signWith: generateKeyPairSync('ed25519').privateKey }),
    );
    expect(forged.statusCode).toBe(401);
    const failures = (await auditOf(email, 'auth.login')).slice(before);
    expect(failures.map((row) => (row.details as { reason?: string }).reason)).toEqual([
      'wrong second factor',
      'wrong second factor',
      'wrong second factor',
    ]);
    expect(await auditOf(email, 'auth.webauthn.counter')).toEqual([
      { outcome: 'denied', details: { key: key.credentialId, stored: seen, received: seen } },
    ]);
    // The failures count toward the lockout, as wrong codes do; a good login resets the count.
    expect((await login(email, await keyAnswer(email))).statusCode).toBe(200);
  });

  it('another user cannot answer with it, nor ask for its challenge without the password', async () => {
    const other = 'observer@example.org';
    expect((await loginOptions(other)).statusCode).toBe(404);
    // A challenge handed to this user is not one for another.
    const step = await loginOptions(email);
    const stolen = key.answer(step.json().options);
    const response = await login(other, { securityKey: stolen });
    // The observer has no second factor: the login goes through without looking at the key.
    expect(response.statusCode).toBe(200);
    // …and the agency user's challenge was not taken by it: the key still answers it.
    expect((await login(email, { securityKey: stolen })).statusCode).toBe(200);
  });

  it('signs in alone as a passkey, with the user verified and the right account', async () => {
    const handle = Buffer.from(server.as.agency.userId).toString('base64url');
    const passkeyAnswer = async (as: Parameters<SoftAuthenticator['answer']>[1]) => {
      const step = await post('/api/v1/auth/login/passkey/options', {});
      expect(step.statusCode).toBe(200);
      const { options } = step.json();
      // No key named, and the key's PIN or biometric required.
      expect(options.allowCredentials).toEqual([]);
      expect(options.userVerification).toBe('required');
      return key.answer(options, as);
    };
    const answer = await passkeyAnswer({ userVerified: true, userHandle: handle });
    const ok = await post('/api/v1/auth/login/passkey', {}, { response: answer });
    expect(ok.statusCode, ok.body).toBe(200);
    const me = await get('/api/v1/auth/me', { cookie: cookieHeader(ok) });
    expect(me.json()).toMatchObject({ user: { email }, secondFactor: true });
    // Once per challenge.
    expect((await post('/api/v1/auth/login/passkey', {}, { response: answer })).statusCode).toBe(
      401,
    );
    // Without the PIN or biometric: the key alone is one factor.
    const unverified = await passkeyAnswer({ userHandle: handle });
    expect(
      (await post('/api/v1/auth/login/passkey', {}, { response: unverified })).statusCode,
    ).toBe(401);
    // Naming another account than the key's.
    const other = Buffer.from(server.as.observer.userId).toString('base64url');
    const mixed = await passkeyAnswer({ userVerified: true, userHandle: other });
    expect((await post('/api/v1/auth/login/passkey', {}, { response: mixed })).statusCode).toBe(
      401,
    );
    // A key nobody registered.
    const stranger = new SoftAuthenticator(origin);
    const { options } = (await post('/api/v1/auth/login/passkey/options', {})).json();
    const unknown = stranger.answer(options, { userVerified: true, userHandle: handle });
    expect((await post('/api/v1/auth/login/passkey', {}, { response: unknown })).statusCode).toBe(
      401,
    );
    const reasons = (await auditOf(email, 'auth.login'))
      .slice(-3)
      .map((row) => (row.details as { reason?: string }).reason);
    expect(reasons[0]).toMatch(/challenge/);
    expect(reasons[1]).toMatch(/user verification|verified/i);
    expect(reasons[2]).toBe('the passkey names another account');
  });

  it('is removed with the password; a mediator reset removes every key', async () => {
    const here = await session(email, await keyAnswer(email));
    const wrong = await post(`/api/v1/auth/security-keys/${key.credentialId}/remove`, here, {
      password: 'not the password',
    });
    expect(wrong.statusCode).toBe(401);
    const removed = await post(`/api/v1/auth/security-keys/${key.credentialId}/remove`, here, {
      password: testPassword,
    });
    expect(removed.statusCode).toBe(204);
    expect((await login(email)).statusCode).toBe(200);

    // A new key, then a mediator's reset (a lost key): the user logs in with the password.
    const again = await session(email);
    const second = new SoftAuthenticator(origin);
    const { options } = (
      await post('/api/v1/auth/security-keys/options', again, { password: testPassword })
    ).json();
    const added = await post('/api/v1/auth/security-keys', again, {
      name: 'spare',
      response: second.register(options, { keeps: true }),
    });
    expect(added.statusCode).toBe(200);
    // A passkey, as the browser said (credProps).
    expect(added.json()).toMatchObject({ name: 'spare', passkey: true });
    expect((await login(email)).json().error.code).toBe('MFA_REQUIRED');
    const userId = server.as.agency.userId;
    const reset = await post(`/api/v1/users/${userId}/mfa/reset`, server.headers('mediator'), {});
    expect(reset.statusCode, reset.body).toBeLessThan(300);
    expect((await login(email)).statusCode).toBe(200);
  });
});
