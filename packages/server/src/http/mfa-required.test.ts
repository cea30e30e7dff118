import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, hotp, totpStep } from '../accounts/totp.js';
import { cookieHeader, startTestServer, type TestServer, testPassword } from './testing.js';

/** A second factor required of a role (`mfaRequiredRoles`, TRUCE_MFA_REQUIRED_ROLES), over HTTP. */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    config: { loginPerMinute: 1000, sessionIdleMinutes: 0, mfaRequiredRoles: ['mediator'] },
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

type Headers = Record<string, string>;

async function session(email: string, code?: string): Promise<Headers> {
  const response = await server.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password: testPassword, ...(code !== undefined ? { code } : {}) },
  });
  expect(response.statusCode).toBe(200);
  return { cookie: cookieHeader(response), 'x-csrf-token': response.json().csrfToken };
}

const get = (url: string, headers: Headers) =>
  server.app.inject({ method: 'GET', url, headers: { cookie: headers.cookie! } });
const post = (url: string, headers: Headers, payload: object = {}) =>
  server.app.inject({ method: 'POST', url, headers, payload });

describe('a second factor required of mediators', () => {
  it('keeps a mediator without one to setting it up, then lets the same session in', async () => {
    const headers = await session('mediator@example.org');
    // Everything but its own authentication routes is refused, with a code that says what to do.
    for (const url of ['/api/v1/status', '/api/v1/events', '/api/v1/users', '/api/v1/audit']) {
      const refused = await get(url, headers);
      expect(refused.statusCode, url).toBe(403);
      expect(refused.json().error.code).toBe('MFA_ENROLMENT_REQUIRED');
      expect(refused.json().error.message).toMatch(/second factor/);
    }
    const me = await get('/api/v1/auth/me', headers);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ secondFactor: false, secondFactorRequired: true });

    // Set up in this session: the session then reaches everything its role allows.
    const begun = await post('/api/v1/auth/mfa', headers);
    expect(begun.statusCode).toBe(200);
    const secret = base32Decode(begun.json().secret);
    server.advance(30_000);
    const confirmed = await post('/api/v1/auth/mfa/confirm', headers, {
      code: hotp(secret, totpStep(server.now())),
    });
    expect(confirmed.statusCode).toBe(200);
    expect((await get('/api/v1/events', headers)).statusCode).toBe(200);
    expect((await get('/api/v1/users', headers)).statusCode).toBe(200);
    expect((await get('/api/v1/auth/me', headers)).json().secondFactor).toBe(true);
  });

  it('leaves the other roles as they were, and a role without a factor reaches its routes', async () => {
    for (const email of ['agency@example.org', 'monitor@example.org']) {
      const headers = await session(email);
      const events = await get('/api/v1/events', headers);
      expect(events.statusCode, email).toBe(200);
      expect((await get('/api/v1/auth/me', headers)).json()).toMatchObject({
        secondFactor: false,
        secondFactorRequired: false,
      });
    }
  });
});
