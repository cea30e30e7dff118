import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, hotp, totpStep } from '../accounts/totp.js';
import { type Action, policy, type Rule } from '../policies/matrix.js';
import { cookieHeader, startTestServer, type TestServer, testPassword } from './testing.js';

/**
 * Actions marked fresh in the policy matrix need a session whose user proved who they are
 * within `reauthenticateMinutes`: the login, or POST /api/v1/auth/reauthenticate since.
 */

let server: TestServer;
const minutes = 15;
const minute = 60_000;

beforeAll(async () => {
  server = await startTestServer({
    config: { loginPerMinute: 10_000, sessionIdleMinutes: 0, reauthenticateMinutes: minutes },
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
    payload: { email, password: testPassword, ...(code ? { code } : {}) },
  });
  expect(response.statusCode, response.body).toBe(200);
  return { cookie: cookieHeader(response), 'x-csrf-token': response.json().csrfToken };
}

const reauthenticate = (headers: Headers, payload: object) =>
  server.app.inject({ method: 'POST', url: '/api/v1/auth/reauthenticate', headers, payload });

/** Every route of a fresh action, with a concrete URL; bodies stay empty (refused before). */
function freshRoutes() {
  const observer = server.as.observer.userId;
  return server.app.truce.routes
    .filter((route) => (policy[route.action as Action] as Rule | undefined)?.fresh)
    .map((route) => ({
      ...route,
      url: route.url
        .replace('/users/:id', `/users/${observer}`)
        .replace('/persons/:id', '/persons/H-0001')
        .replace(':id', 'gaza-2025'),
    }));
}

/** The error code of an answer, if it is an error (some fresh routes answer 204, no body). */
const codeOf = (response: { body: string }): string | undefined =>
  response.body
    ? (JSON.parse(response.body) as { error?: { code?: string } }).error?.code
    : undefined;

const call = (route: { method: string; url: string }, headers: Headers) =>
  server.app.inject({
    method: route.method as 'POST',
    url: route.url,
    headers,
    ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: {} }),
  });

async function newUser(email: string) {
  const system = { actor: { kind: 'anonymous' } as const, ip: 'test' };
  return server.app.truce.accounts.createUser(system, {
    email,
    orgId: 'qatar',
    role: 'mediator',
    permissions: ['report', 'verify', 'publish'],
    password: testPassword,
  });
}

describe('re-authentication before fresh actions', () => {
  it('refuses every fresh action to a session proved too long ago, until it proves itself again', async () => {
    const routes = freshRoutes();
    // Account, token and agreement administration, enrolment, devices, persons' data.
    expect(new Set(routes.map((route) => route.action))).toEqual(
      new Set([
        'auth.enrol',
        'agreements.write',
        'devices.register',
        'orgs.write',
        'users.write',
        'tokens.write',
        'persons.decrypt',
        'zones.write',
      ]),
    );
    const headers = await session('mediator@example.org');
    // Just logged in: the login is the proof.
    for (const route of routes) {
      const response = await call(route, headers);
      expect(codeOf(response), `${route.method} ${route.url}`).not.toBe(
        'REAUTHENTICATION_REQUIRED',
      );
    }
    server.advance((minutes + 1) * minute);
    for (const route of routes) {
      const response = await call(route, headers);
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(403);
      expect(response.json().error).toMatchObject({
        code: 'REAUTHENTICATION_REQUIRED',
        details: [{ path: 'reauthenticate' }],
      });
    }
    // Other actions go on as before: reading, and revoking a token (a leaked one, quickly).
    expect((await call({ method: 'GET', url: '/api/v1/orgs' }, headers)).statusCode).toBe(200);
    const revoke = await call({ method: 'DELETE', url: '/api/v1/tokens/not-a-token' }, headers);
    expect(codeOf(revoke)).not.toBe('REAUTHENTICATION_REQUIRED');

    const wrong = await reauthenticate(headers, { password: 'not the password at all' });
    expect(wrong.statusCode).toBe(401);
    const right = await reauthenticate(headers, { password: testPassword });
    expect(right.statusCode, right.body).toBe(200);
    expect(right.json()).toEqual({
      authenticatedAt: server.now().toISOString(),
      freshUntil: new Date(server.now().getTime() + minutes * minute).toISOString(),
    });
    for (const route of routes) {
      const response = await call(route, headers);
      expect(codeOf(response), `${route.method} ${route.url}`).not.toBe(
        'REAUTHENTICATION_REQUIRED',
      );
    }
    // A real change goes through, and the proof lasts the window, no longer.
    server.advance((minutes - 1) * minute);
    const created = await server.app.inject({
      method: 'POST',
      url: '/api/v1/orgs',
      headers,
      payload: { id: 'reauth-org', name: 'Re-auth test organisation', kind: 'agency' },
    });
    expect(created.statusCode, created.body).toBe(201);
    server.advance(2 * minute);
    const late = await server.app.inject({
      method: 'POST',
      url: '/api/v1/orgs',
      headers,
      payload: { id: 'reauth-org-2', name: 'Too late', kind: 'agency' },
    });
    expect(late.json().error.code).toBe('REAUTHENTICATION_REQUIRED');

    const audit = await server.app.inject({
      method: 'GET',
      url: '/api/v1/audit?action=auth.reauthenticate',
      headers,
    });
    expect((audit.json().records as { outcome: string }[]).map((entry) => entry.outcome)).toEqual(
      expect.arrayContaining(['failure', 'success']),
    );
  });

  it('counts wrong passwords toward the lockout, and a locked account cannot prove itself', async () => {
    await newUser('reauth-lockout@example.org');
    const headers = await session('reauth-lockout@example.org');
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(
        (await reauthenticate(headers, { password: `wrong ${attempt} pass` })).statusCode,
      ).toBe(401);
    }
    const locked = await reauthenticate(headers, { password: testPassword });
    expect(locked.statusCode).toBe(401);
    expect(locked.json().error.code).toBe('UNAUTHENTICATED');
    // The lockout is the login's too.
    const login = await server.login('reauth-lockout@example.org', testPassword);
    expect(login.statusCode).toBe(401);
    server.advance(16 * minute);
    expect((await reauthenticate(headers, { password: testPassword })).statusCode).toBe(200);
  });

  it('asks for the second factor too when the user has one', async () => {
    await newUser('reauth-mfa@example.org');
    const headers = await session('reauth-mfa@example.org');
    const begun = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa',
      headers,
      payload: {},
    });
    expect(begun.statusCode, begun.body).toBe(200);
    const secret = base32Decode(begun.json().secret as string);
    const code = () => {
      server.advance(30_000);
      return hotp(secret, totpStep(server.now()));
    };
    const confirmed = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/confirm',
      headers,
      payload: { code: code() },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    server.advance((minutes + 1) * minute);
    const passwordOnly = await reauthenticate(headers, { password: testPassword });
    expect(passwordOnly.statusCode).toBe(401);
    expect(passwordOnly.json().error.code).toBe('MFA_REQUIRED');
    const wrongCode = await reauthenticate(headers, { password: testPassword, code: '000000' });
    expect(wrongCode.json().error.code).toBe('UNAUTHENTICATED');
    const both = await reauthenticate(headers, { password: testPassword, code: code() });
    expect(both.statusCode, both.body).toBe(200);
    const token = await server.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers,
      payload: { name: 'after the proof', scopes: ['status:read'], expiresInDays: 1 },
    });
    expect(token.statusCode, token.body).toBe(201);
  });

  it('judges API tokens by their scope alone, and a token cannot re-authenticate', async () => {
    const headers = await session('mediator@example.org');
    const made = await server.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers,
      payload: { name: 'provisioning', scopes: ['accounts:write'], expiresInDays: 1 },
    });
    expect(made.statusCode, made.body).toBe(201);
    const bearer = { authorization: `Bearer ${made.json().token}` };
    server.advance(2 * minutes * minute);
    const created = await server.app.inject({
      method: 'POST',
      url: '/api/v1/orgs',
      headers: bearer,
      payload: { id: 'by-token', name: 'Made by a token', kind: 'agency' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const tokenProof = await reauthenticate(bearer, { password: testPassword });
    expect(tokenProof.statusCode).toBe(403);
    expect((await reauthenticate({}, { password: testPassword })).statusCode).toBe(401);
  });
});
