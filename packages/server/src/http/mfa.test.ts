import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, hotp, totpStep } from '../accounts/totp.js';
import { cookieHeader, startTestServer, type TestServer, testPassword } from './testing.js';

/** A second factor (TOTP) and password changes, through HTTP. */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ config: { loginPerMinute: 1000, sessionIdleMinutes: 0 } });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

type Headers = Record<string, string>;

function login(email: string, password = testPassword, code?: string) {
  return server.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password, ...(code !== undefined ? { code } : {}) },
  });
}

async function session(email: string, password = testPassword, code?: string): Promise<Headers> {
  const response = await login(email, password, code);
  expect(response.statusCode).toBe(200);
  return { cookie: cookieHeader(response), 'x-csrf-token': response.json().csrfToken };
}

const post = (url: string, headers: Headers, payload: object = {}) =>
  server.app.inject({ method: 'POST', url, headers, payload });
const me = (headers: Headers) =>
  server.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers });
/** The current code of a secret on the server's clock, a step later each time it is asked. */
function nextCode(secret: Uint8Array): string {
  server.advance(30_000);
  return hotp(secret, totpStep(server.now()));
}

describe('a second factor', () => {
  const email = 'monitor@example.org';
  let secret: Uint8Array;
  let recoveryCodes: string[];

  it('is enrolled with a secret shown once and confirmed with a code; other sessions end', async () => {
    const other = await session(email);
    const here = await session(email);
    expect((await me(here)).json().secondFactor).toBe(false);
    const begun = await post('/api/v1/auth/mfa', here);
    expect(begun.statusCode).toBe(200);
    // Begun is not on: /auth/me says so until a code confirms it.
    expect((await me(here)).json().secondFactor).toBe(false);
    const { secret: text, uri } = begun.json() as { secret: string; uri: string };
    expect(uri).toMatch(/^otpauth:\/\/totp\/truce%3Amonitor%40example\.org\?secret=/);
    secret = base32Decode(text);
    // Not in force yet: a login needs no code.
    expect((await login(email)).statusCode).toBe(200);
    // The secret is sealed in the database, never in clear.
    const [row] = await server.app.truce.db.query<{ secret_sealed: Uint8Array }>(
      'SELECT m.secret_sealed FROM user_mfa m JOIN users u ON u.id = m.user_id WHERE u.email = $1',
      [email],
    );
    expect(Buffer.from(row!.secret_sealed).includes(Buffer.from(secret))).toBe(false);
    // A wrong code does not enable it.
    const wrong = await post('/api/v1/auth/mfa/confirm', here, {
      code: hotp(secret, totpStep(server.now()) + 5),
    });
    expect(wrong.statusCode).toBe(400);
    const confirmed = await post('/api/v1/auth/mfa/confirm', here, { code: nextCode(secret) });
    expect(confirmed.statusCode).toBe(200);
    recoveryCodes = confirmed.json().recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect((await me(other)).statusCode).toBe(401);
    expect((await me(here)).statusCode).toBe(200);
    expect((await me(here)).json().secondFactor).toBe(true);
    // Enrolling again while one is in force is refused.
    expect((await post('/api/v1/auth/mfa', here)).statusCode).toBe(409);
  });

  it('is then required: no code asks for one, a wrong or reused code is refused', async () => {
    const none = await login(email);
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('MFA_REQUIRED');
    const wrongPassword = await login(email, 'not the password at all', nextCode(secret));
    expect(wrongPassword.json().error.code).toBe('UNAUTHENTICATED');
    const wrongCode = await login(email, testPassword, '000000');
    expect(wrongCode.statusCode).toBe(401);
    expect(wrongCode.json().error.code).toBe('UNAUTHENTICATED');
    const code = nextCode(secret);
    expect((await login(email, testPassword, code)).statusCode).toBe(200);
    // The same code a second time (someone who saw it): refused.
    expect((await login(email, testPassword, code)).statusCode).toBe(401);
  });

  it('takes a recovery code once, in place of a lost phone', async () => {
    const recovery = recoveryCodes[3]!;
    expect((await login(email, testPassword, recovery.toUpperCase())).statusCode).toBe(200);
    expect((await login(email, testPassword, recovery)).statusCode).toBe(401);
    const audit = await server.app.inject({
      method: 'GET',
      url: '/api/v1/audit?action=auth.mfa.recovery',
      headers: await session('mediator@example.org'),
    });
    expect(audit.json().records.at(-1).details).toEqual({ remaining: 9 });
  });

  it('a mediator resets it for a user who lost phone and codes; the user enrols again', async () => {
    const user = await session(email, testPassword, nextCode(secret));
    const mediator = await session('mediator@example.org');
    const { id } = (await me(user)).json().user as { id: string };
    const reset = await post(`/api/v1/users/${id}/mfa/reset`, mediator);
    expect(reset.statusCode).toBe(204);
    expect((await me(user)).statusCode).toBe(401);
    expect((await login(email)).statusCode).toBe(200);
    // Nobody resets their own this way, and a monitor resets nobody's.
    const self = (await me(mediator)).json().user.id as string;
    expect((await post(`/api/v1/users/${self}/mfa/reset`, mediator)).statusCode).toBe(403);
    expect((await post(`/api/v1/users/${id}/mfa/reset`, user)).statusCode).toBe(401);
  });

  it('is removed by its owner with the password and a code', async () => {
    const user = await session('agency@example.org');
    const text = (await post('/api/v1/auth/mfa', user)).json().secret as string;
    const own = base32Decode(text);
    await post('/api/v1/auth/mfa/confirm', user, { code: nextCode(own) });
    const again = await session('agency@example.org', testPassword, nextCode(own));
    const refused = await post('/api/v1/auth/mfa/remove', again, {
      password: 'wrong password here',
      code: nextCode(own),
    });
    expect(refused.statusCode).toBe(401);
    const removed = await post('/api/v1/auth/mfa/remove', again, {
      password: testPassword,
      code: nextCode(own),
    });
    expect(removed.statusCode).toBe(204);
    expect((await login('agency@example.org')).statusCode).toBe(200);
  });
});

describe('a password change', () => {
  it('needs the current password and a valid new one, then ends the other sessions', async () => {
    const email = 'observer@example.org';
    const other = await session(email);
    const here = await session(email);
    const next = 'another long enough passphrase';
    const wrong = await post('/api/v1/auth/password', here, { current: 'not it at all', next });
    expect(wrong.statusCode).toBe(401);
    const short = await post('/api/v1/auth/password', here, {
      current: testPassword,
      next: 'short',
    });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.message).toMatch(/at least 12/);
    // Long enough but easy to guess (ASVS 6.2.4, 6.2.12): refused, whatever its length.
    for (const guessable of [
      'qwerty123456',
      'passwordpassword',
      'aaaaaaaaaaaaaaaa',
      '123456789012',
      'qazwsxedcrfv',
      `${email}1`,
    ]) {
      const refused = await post('/api/v1/auth/password', here, {
        current: testPassword,
        next: guessable,
      });
      expect(refused.statusCode, guessable).toBe(400);
      expect(refused.json().error.message).toMatch(/too easy to guess/);
    }
    const changed = await post('/api/v1/auth/password', here, { current: testPassword, next });
    expect(changed.statusCode).toBe(204);
    expect((await me(other)).statusCode).toBe(401);
    expect((await me(here)).statusCode).toBe(200);
    expect((await login(email)).statusCode).toBe(401);
    expect((await login(email, next)).statusCode).toBe(200);
  });
});
