import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieHeader, startTestServer, type TestServer, testPassword } from './testing.js';

/** Idle timeout, one's own sessions, and logging out everywhere. */

let server: TestServer;
const minute = 60_000;

beforeAll(async () => {
  server = await startTestServer({ config: { loginPerMinute: 1000, sessionIdleMinutes: 30 } });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

async function login(email = 'monitor@example.org') {
  const response = await server.login(email, testPassword);
  expect(response.statusCode).toBe(200);
  return { cookie: cookieHeader(response), 'x-csrf-token': response.json().csrfToken as string };
}

const me = (headers: Record<string, string>) =>
  server.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers });
const sessions = (headers: Record<string, string>) =>
  server.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers });

describe('sessions', () => {
  it('end after the idle timeout, but not while they are used', async () => {
    const session = await login();
    // Used every 20 minutes for two hours: never 30 minutes idle.
    for (let i = 0; i < 6; i++) {
      server.advance(20 * minute);
      expect((await me(session)).json().user?.email).toBe('monitor@example.org');
    }
    // Then left alone for 31 minutes (plus the minute a looked-up session may be held).
    server.advance(32 * minute);
    const after = await me(session);
    expect(after.statusCode).toBe(401);
    const denied = await sessions(session);
    expect(denied.statusCode).toBe(401);
  });

  it('are listed for their owner, the current one marked, never with their secret', async () => {
    const first = await login('agency@example.org');
    const second = await login('agency@example.org');
    const listed = await sessions(second);
    expect(listed.statusCode).toBe(200);
    const mine = listed.json().sessions as { id: string; current: boolean }[];
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(mine.filter((s) => s.current)).toHaveLength(1);
    const secret = first.cookie.match(/truce_session=([^;]+)/)?.[1] ?? 'none';
    expect(listed.body).not.toContain(secret);
    // Another user's sessions are not in the list.
    const other = await login('observer@example.org');
    const theirs = (await sessions(other)).json().sessions as { id: string }[];
    expect(theirs.map((s) => s.id)).not.toContain(mine[0]?.id);
  });

  it('one can end another of one\'s sessions, or all but this one ("log out other devices")', async () => {
    const laptop = await login('party_liaison@example.org');
    const phone = await login('party_liaison@example.org');
    const tablet = await login('party_liaison@example.org');
    const listed = (await sessions(phone)).json().sessions as { id: string; current: boolean }[];
    const phoneId = listed.find((s) => s.current)?.id;
    // From the laptop, end the phone.
    const ended = await server.app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${phoneId}`,
      headers: laptop,
    });
    expect(ended.json()).toEqual({ ended: 1 });
    expect((await me(phone)).statusCode).toBe(401);
    // From the laptop, end every other one.
    const others = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sessions/end',
      headers: laptop,
      payload: { keepCurrent: true },
    });
    expect(others.json().ended).toBeGreaterThanOrEqual(1);
    expect((await me(tablet)).statusCode).toBe(401);
    expect((await me(laptop)).json().user?.email).toBe('party_liaison@example.org');
    // And then every one, this one too.
    const all = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sessions/end',
      headers: laptop,
      payload: {},
    });
    expect(all.json()).toEqual({ ended: 1 });
    expect((await me(laptop)).statusCode).toBe(401);
    const audit = await server.app.inject({
      method: 'GET',
      url: '/api/v1/audit?action=auth.sessions.end',
      headers: await login('mediator@example.org'),
    });
    expect(
      audit.json().records.map((r: { details: { which: string } }) => r.details.which),
    ).toEqual(['one', 'all but current', 'all']);
  });

  it('cannot be listed or ended with an API token, nor anonymously', async () => {
    expect((await sessions({})).statusCode).toBe(401);
    const unknown = await server.app.inject({
      method: 'DELETE',
      url: '/api/v1/auth/sessions/0123456789abcdef',
      headers: await login(),
    });
    expect(unknown.statusCode).toBe(404);
  });
});
