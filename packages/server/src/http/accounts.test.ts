import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretHash } from '../accounts/secrets.js';
import type { Mail } from '../alerts/smtp.js';
import { cookieHeader, startTestServer, type TestServer, testPassword } from './testing.js';

let server: TestServer;
/** What the server sent by e-mail (a mailer that keeps the mails). */
const mails: Mail[] = [];

beforeAll(async () => {
  // The idle timeout is tested in sessions.test.ts, re-authentication in reauthenticate.test.ts;
  // here the clock jumps between uses of the sessions made at the start.
  server = await startTestServer({
    config: { loginPerMinute: 1000, sessionIdleMinutes: 0, reauthenticateMinutes: 480 },
    mailer: { send: async (mail) => void mails.push(mail) },
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('login', () => {
  it('audits a lockout e-mail that could not be sent, and still refuses the login alone', async () => {
    const failing = await startTestServer({
      mailer: {
        send: async () => {
          throw new Error('relay refused');
        },
      },
    });
    try {
      for (let n = 0; n < 5; n++) {
        expect((await failing.login('observer@example.org', 'not the password')).statusCode).toBe(
          401,
        );
      }
      await failing.app.truce.accounts.settled();
      const notice = await failing.app.inject({
        method: 'GET',
        url: '/api/v1/audit?action=auth.lockout.notice',
        headers: failing.headers('mediator'),
      });
      expect(notice.json().records).toEqual([
        expect.objectContaining({ outcome: 'failure', details: { reason: 'relay refused' } }),
      ]);
    } finally {
      await failing.close();
    }
  });

  it('stores argon2id hashes and sets httpOnly SameSite=Strict cookies', async () => {
    const [row] = await server.app.truce.db.query<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE email = $1',
      ['agency@example.org'],
    );
    expect(row?.password_hash).toMatch(/^\$argon2id\$/);
    const response = await server.login('agency@example.org', testPassword);
    const session = response.cookies.find((c) => c.name === 'truce_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('names Secure cookies with the __Host- prefix, and reads the session from that name only', async () => {
    const secure = await startTestServer({ config: { secureCookies: true } });
    try {
      const response = await secure.login('agency@example.org', testPassword);
      const session = response.cookies.find((c) => c.name === '__Host-truce_session');
      expect(session).toMatchObject({
        httpOnly: true,
        secure: true,
        sameSite: 'Strict',
        path: '/',
      });
      expect(session?.domain).toBeUndefined();
      expect(response.cookies.find((c) => c.name === '__Host-truce_csrf')).toMatchObject({
        secure: true,
        path: '/',
      });
      const me = (cookie: string) =>
        secure.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
      expect((await me(`__Host-truce_session=${session?.value}`)).json().user).toMatchObject({
        email: 'agency@example.org',
      });
      // The same secret under the plain name (as a sibling subdomain could plant it): nobody.
      expect((await me(`truce_session=${session?.value}`)).statusCode).toBe(401);
    } finally {
      await secure.close();
    }
  }, 120_000);

  it('locks an account after five failures, audits it, and unlocks after the lockout', async () => {
    const email = 'monitor@example.org';
    for (let n = 0; n < 5; n++) {
      const failed = await server.login(email, 'wrong password, attempt');
      expect(failed.statusCode).toBe(401);
      expect(failed.json().error.code).toBe('UNAUTHENTICATED');
    }
    const locked = await server.login(email, testPassword);
    expect(locked.statusCode).toBe(401);
    // Same answer as a wrong password: the response says nothing about the account.
    const unknown = await server.login('nobody@example.org', testPassword);
    expect(unknown.json()).toEqual(locked.json());

    const audit = await server.app.inject({
      method: 'GET',
      url: '/api/v1/audit?action=auth.lockout',
      headers: server.headers('mediator'),
    });
    expect(audit.json().records).toHaveLength(1);
    const failures = await server.app.inject({
      method: 'GET',
      url: '/api/v1/audit?action=auth.login&limit=1000',
      headers: server.headers('mediator'),
    });
    const outcomes = (failures.json().records as { outcome: string; target: string }[])
      .filter((r) => r.target === server.as.monitor.userId)
      .map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'failure')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'denied')).toHaveLength(1);

    // The owner was told by e-mail when it happened, once (not again for the refused login).
    await server.app.truce.accounts.settled();
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({
      to: email,
      subject: 'truce: your account was locked after failed sign-in attempts',
    });
    expect(mails[0]?.text).toMatch(/after 5 failed sign-in attempts in a row/);
    expect(mails[0]?.text).toMatch(/opens again at 2025-01-21T\d\d:\d\d/);
    const notice = await server.app.inject({
      method: 'GET',
      url: '/api/v1/audit?action=auth.lockout.notice',
      headers: server.headers('mediator'),
    });
    expect(notice.json().records).toEqual([
      expect.objectContaining({ outcome: 'success', target: server.as.monitor.userId }),
    ]);

    server.advance(16 * 60_000);
    const back = await server.login(email, testPassword);
    expect(back.statusCode).toBe(200);
    // The user is told what happened meanwhile, once.
    expect(back.json().sinceLastLogin).toEqual({ failedAttempts: 5, locked: true });
    const again = await server.login(email, testPassword);
    expect(again.json().sinceLastLogin).toEqual({ failedAttempts: 0, locked: false });
    await server.login(email, 'wrong password, once');
    expect((await server.login(email, testPassword)).json().sinceLastLogin).toEqual({
      failedAttempts: 1,
      locked: false,
    });
  });

  it('rate-limits login per client address', async () => {
    const limited = await startTestServer({ config: { loginPerMinute: 6 } });
    try {
      // startTestServer logged five users in already: one attempt is left in this minute.
      expect((await limited.login('observer@example.org', testPassword)).statusCode).toBe(200);
      const response = await limited.login('observer@example.org', testPassword);
      expect(response.statusCode).toBe(429);
      expect(response.json().error.code).toBe('RATE_LIMITED');
    } finally {
      await limited.close();
    }
  }, 120_000);
});

async function makeToken(role: 'agency' | 'observer', scopes: string[], days = 30) {
  return server.app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: server.headers(role),
    payload: { name: 'sync job', scopes, expiresInDays: days },
  });
}

describe('API tokens', () => {
  it('are shown once, stored hashed, and limited to their scopes', async () => {
    const created = await makeToken('agency', ['checkpoints:read', 'tokens:write']);
    expect(created.statusCode).toBe(201);
    const { token, id } = created.json() as { token: string; id: string };
    expect(token).toMatch(/^truce_/);
    const [row] = await server.app.truce.db.query<{ token_hash: string }>(
      'SELECT token_hash FROM api_tokens WHERE id = $1',
      [id],
    );
    expect(row?.token_hash).toBe(secretHash(token));
    const listed = await server.app.inject({
      method: 'GET',
      url: '/api/v1/tokens',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(token);

    const bearer = { authorization: `Bearer ${token}` };
    const allowed = await server.app.inject({
      method: 'GET',
      url: '/api/v1/checkpoints',
      headers: bearer,
    });
    expect(allowed.statusCode).toBe(200);
    const outOfScope = await server.app.inject({
      method: 'GET',
      url: '/api/v1/events',
      headers: bearer,
    });
    expect(outOfScope.statusCode).toBe(403);
    expect(outOfScope.json().error.message).toMatch(/scope events:read/);
    // No CSRF header needed: a bearer token is not an ambient credential.
    const more = await server.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: bearer,
      payload: { name: 'wider', scopes: ['events:read'], expiresInDays: 1 },
    });
    expect(more.statusCode).toBe(403);
  });

  it('cannot hold scopes beyond the role, and stop working when expired or revoked', async () => {
    const wider = await makeToken('observer', ['events:read']);
    expect(wider.statusCode).toBe(403);
    const tooLong = await makeToken('observer', ['status:read'], 3000);
    expect(tooLong.json().error.code).toBe('USAGE');

    const second = (await makeToken('observer', ['checkpoints:read'], 1)).json() as {
      token: string;
      id: string;
    };
    const revoked = await server.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${second.id}`,
      headers: server.headers('observer'),
    });
    expect(revoked.statusCode).toBe(200);
    const after = await server.app.inject({
      method: 'GET',
      url: '/api/v1/checkpoints',
      headers: { authorization: `Bearer ${second.token}` },
    });
    expect(after.statusCode).toBe(401);
    const garbage = await server.app.inject({
      method: 'GET',
      url: '/api/v1/checkpoints',
      headers: { authorization: 'Bearer truce_not-a-token' },
    });
    expect(garbage.json().error.code).toBe('UNAUTHENTICATED');
  });
});

describe('permission changes', () => {
  it('are audited with before and after, end the sessions, and nobody changes their own', async () => {
    const { app, as } = server;
    const own = await app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${as.mediator.userId}`,
      headers: server.headers('mediator'),
      payload: { permissions: [] },
    });
    expect(own.statusCode).toBe(403);
    const changed = await app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${as.party_liaison.userId}`,
      headers: server.headers('mediator'),
      payload: { permissions: ['report'] },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().permissions).toEqual(['report']);
    const stale = await app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: server.headers('party_liaison'),
    });
    expect(stale.statusCode).toBe(401);
    const audit = await app.inject({
      method: 'GET',
      url: '/api/v1/audit?action=user.permissions',
      headers: server.headers('mediator'),
    });
    expect(audit.json().records[0].details).toMatchObject({
      before: { permissions: ['report', 'verify'] },
      after: { permissions: ['report'] },
    });
  });

  it('audits refused requests: who tried which route, and why', async () => {
    const refused = await server.app.inject({
      method: 'POST',
      url: '/api/v1/orgs',
      headers: server.headers('observer'),
      payload: { id: 'intruder', name: 'intruder', kind: 'observer' },
    });
    expect(refused.statusCode).toBe(403);
    const audit = await server.app.inject({
      method: 'GET',
      url: '/api/v1/audit?action=access.denied',
      headers: server.headers('mediator'),
    });
    expect(audit.json().records.at(-1)).toMatchObject({
      actor: server.as.observer.userId,
      actorOrg: 'press',
      action: 'access.denied',
      target: 'POST /api/v1/orgs',
      outcome: 'denied',
      details: { policyAction: expect.any(String) },
    });
  });

  it('keeps the audit log append-only in the database', async () => {
    for (const statement of [
      'UPDATE audit_log SET action = $1',
      'DELETE FROM audit_log WHERE action <> $1',
    ]) {
      await expect(server.app.truce.db.query(statement, ['x'])).rejects.toThrow(/insert-only/);
    }
    const exported = await server.app.inject({
      method: 'GET',
      url: '/api/v1/audit/export',
      headers: server.headers('mediator'),
    });
    const lines = exported.body.trim().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ id: 1, action: 'org.create' });
    // Every line is in the hash chain, which verifies; the export carries each line's hash.
    const verified = await server.app.inject({
      method: 'GET',
      url: '/api/v1/audit/verify',
      headers: server.headers('mediator'),
    });
    expect(verified.json()).toMatchObject({ ok: true, head: { chainSeq: expect.any(Number) } });
    expect(verified.json().lines).toBeGreaterThanOrEqual(lines.length);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      chainSeq: 1,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const observer = await server.app.inject({
      method: 'GET',
      url: '/api/v1/audit/verify',
      headers: server.headers('observer'),
    });
    expect(observer.statusCode).toBe(403);
  });
});

describe('sessions and tokens answered from memory (PGlite) end at once', () => {
  const me = (headers: Record<string, string>) =>
    server.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers });

  it('at logout, though the session was just used', async () => {
    const login = await server.login('observer@example.org', testPassword);
    const session = { cookie: cookieHeader(login), 'x-csrf-token': login.json().csrfToken };
    expect((await me(session)).statusCode).toBe(200);
    const logout = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: session,
    });
    expect(logout.statusCode).toBe(204);
    expect((await me(session)).statusCode).toBe(401);
  });

  it('at revocation, though the token was just used', async () => {
    const { token, id } = (await makeToken('observer', ['checkpoints:read'])).json() as {
      token: string;
      id: string;
    };
    const bearer = { authorization: `Bearer ${token}` };
    const checkpoints = () =>
      server.app.inject({ method: 'GET', url: '/api/v1/checkpoints', headers: bearer });
    expect((await checkpoints()).statusCode).toBe(200);
    const revoked = await server.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${id}`,
      headers: server.headers('observer'),
    });
    expect(revoked.statusCode).toBe(200);
    expect((await checkpoints()).statusCode).toBe(401);
  });

  it('when the user is disabled: sessions end, tokens carry the change', async () => {
    const system = { actor: { kind: 'anonymous' } as const, ip: 'test' };
    const user = await server.app.truce.accounts.createUser(system, {
      email: 'soon-disabled@example.org',
      orgId: 'un-ocha',
      role: 'agency',
      permissions: ['report'],
      password: testPassword,
    });
    const login = await server.login(user.email, testPassword);
    const session = { cookie: cookieHeader(login), 'x-csrf-token': login.json().csrfToken };
    const made = await server.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: session,
      payload: { name: 'sync', scopes: ['checkpoints:read'], expiresInDays: 1 },
    });
    const bearer = { authorization: `Bearer ${(made.json() as { token: string }).token}` };
    const checkpoints = () =>
      server.app.inject({ method: 'GET', url: '/api/v1/checkpoints', headers: bearer });
    expect((await me(session)).statusCode).toBe(200);
    expect((await checkpoints()).statusCode).toBe(200);
    const disabled = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${user.id}`,
      headers: server.headers('mediator'),
      payload: { disabled: true },
    });
    expect(disabled.statusCode).toBe(200);
    expect((await me(session)).statusCode).toBe(401);
    const refused = await checkpoints();
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toMatch(/disabled/);
  });
});

describe('expiry', () => {
  // Last: moving the clock a day ends every session of the fixture too.
  it('ends API tokens after their lifetime', async () => {
    const { token } = (await makeToken('observer', ['checkpoints:read'], 1)).json() as {
      token: string;
    };
    const read = () =>
      server.app.inject({
        method: 'GET',
        url: '/api/v1/checkpoints',
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await read()).statusCode).toBe(200);
    server.advance(25 * 60 * 60_000);
    expect((await read()).statusCode).toBe(401);
  });

  it('ends a session after its lifetime, though it was just used', async () => {
    const login = await server.login('monitor@example.org', testPassword);
    const headers = { cookie: cookieHeader(login) };
    const me = () => server.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers });
    expect((await me()).statusCode).toBe(200);
    server.advance(8 * 60 * 60_000 - 1000);
    expect((await me()).statusCode).toBe(200);
    server.advance(1000);
    expect((await me()).statusCode).toBe(401);
  });
});
