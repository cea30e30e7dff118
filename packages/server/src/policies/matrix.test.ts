import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieHeader, startTestServer, type TestServer, testPassword } from '../http/testing.js';
import {
  type Action,
  actions,
  grantablePermissions,
  type Principal,
  policy,
  principals,
  type Rule,
} from './matrix.js';

/**
 * Every route as every role and as anonymous, against the matrix. Bodies are deliberately
 * invalid: authorization runs before validation, so an allowed caller gets 400 (or a 2xx/404
 * where there is nothing to validate) and a refused one 401/403, and nothing is changed.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ config: { loginPerMinute: 10_000, streamMaxMs: 50 } });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

function expectedAllowed(action: Action, principal: Principal): boolean {
  const rule: Rule = policy[action];
  if (!rule.allow.includes(principal)) return false;
  if (!rule.permission || principal === 'anonymous') return true;
  return rule.permission.some((p) => grantablePermissions[principal].includes(p));
}

function concreteUrl(url: string, method: string): string {
  const observer = server.as.observer.userId;
  const path = url
    .replace('/agreements/:id', '/agreements/gaza-2025')
    .replace(':version', '1')
    .replace(':seq', '0')
    .replace(':size', '1')
    .replace('/users/:id', `/users/${observer}`)
    .replace('/tokens/:id', '/tokens/not-a-uuid')
    .replace('/orgs/:id', '/orgs/qatar');
  const query: Record<string, string> = {
    '/api/v1/agreements/:id/diff': '?from=1&to=1',
    '/api/v1/proofs/consistency': '?from=0',
    '/api/v1/proofs/inclusion': '?seq=0',
  };
  return `${path}${method === 'GET' ? (query[url] ?? '') : ''}`;
}

describe('the authorization matrix', () => {
  it('names an action for every route, and every action has a route', () => {
    const used = new Set(server.app.truce.routes.map((route) => route.action));
    expect(actions.filter((action) => !used.has(action))).toEqual([]);
    expect(server.app.truce.routes.length).toBeGreaterThan(35);
  });

  it('answers every route as every principal as the matrix says', async () => {
    const routes = [...server.app.truce.routes].sort(
      // Logging out ends the session the other requests use: last.
      (a, b) => Number(a.action === 'auth.logout') - Number(b.action === 'auth.logout'),
    );
    const mismatches: string[] = [];
    for (const route of routes) {
      for (const principal of principals) {
        const url = concreteUrl(route.url, route.method);
        const response = await server.app.inject({
          method: route.method as 'GET',
          url,
          headers: server.headers(principal),
          ...(route.method === 'GET' || route.method === 'DELETE'
            ? {}
            : // Ending one's other sessions keeps the one the other requests use.
              { payload: url === '/api/v1/auth/sessions/end' ? { keepCurrent: true } : {} }),
        });
        const refused = response.statusCode === 401 || response.statusCode === 403;
        const expected = expectedAllowed(route.action, principal);
        if (refused === expected || response.statusCode >= 500) {
          mismatches.push(
            `${route.method} ${url} as ${principal}: ${response.statusCode} ${response.body.slice(0, 200)} (matrix: ${expected ? 'allow' : 'deny'})`,
          );
        }
        if (refused) {
          const code = (response.json() as { error: { code: string } }).error.code;
          expect(code).toBe(principal === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN');
        }
      }
    }
    expect(mismatches).toEqual([]);
  }, 120_000);

  it('keeps every answer to a signed-in reader out of caches', async () => {
    const gets = server.app.truce.routes.filter(
      (route) => route.method === 'GET' && route.url.startsWith('/api/'),
    );
    // A session of its own: the matrix test above ends with the fixture's logouts.
    const login = await server.login('mediator@example.org', testPassword);
    expect(login.statusCode).toBe(200);
    const headers = { cookie: cookieHeader(login) };
    const stored: string[] = [];
    let answered = 0;
    for (const route of gets) {
      const url = concreteUrl(route.url, route.method);
      const response = await server.app.inject({ method: 'GET', url, headers });
      if (response.statusCode === 200) answered += 1;
      if (response.headers['cache-control'] !== 'no-store') {
        stored.push(`${url}: ${response.statusCode} ${response.headers['cache-control']}`);
      }
    }
    expect(gets.length).toBeGreaterThan(20);
    // Read as the signed-in mediator (most answer 200), not refused as anonymous.
    expect(answered).toBeGreaterThan(15);
    expect(stored).toEqual([]);
  }, 120_000);

  it('refuses a role its missing permission, and a session request without the CSRF token', async () => {
    const { app } = server;
    // The observer of the fixture cannot hold report; a mediator without publish cannot publish.
    const mediator = await app.truce.accounts.createUser(
      { actor: { kind: 'anonymous' }, ip: 'test' },
      {
        email: 'reporter-only@example.org',
        orgId: 'qatar',
        role: 'mediator',
        permissions: ['report'],
        password: 'a long enough test passphrase',
      },
    );
    expect(mediator.permissions).toEqual(['report']);
    const login = await server.login('reporter-only@example.org', 'a long enough test passphrase');
    const { csrfToken } = login.json() as { csrfToken: string };
    const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const publish = await app.inject({
      method: 'POST',
      url: '/api/v1/publications',
      headers: { cookie, 'x-csrf-token': csrfToken },
      payload: {},
    });
    expect(publish.statusCode).toBe(403);
    expect(publish.json().error.message).toMatch(/publish permission/);

    const noCsrf = await app.inject({
      method: 'POST',
      url: '/api/v1/orgs',
      headers: { cookie },
      payload: { id: 'egypt', name: 'Egypt', kind: 'mediator' },
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error.message).toMatch(/X-CSRF-Token/);
    const foreignOrigin = await app.inject({
      method: 'POST',
      url: '/api/v1/orgs',
      headers: { cookie, 'x-csrf-token': csrfToken, origin: 'https://evil.example' },
      payload: { id: 'egypt', name: 'Egypt', kind: 'mediator' },
    });
    expect(foreignOrigin.statusCode).toBe(403);
    const sameOrigin = await app.inject({
      method: 'POST',
      url: '/api/v1/orgs',
      headers: {
        cookie,
        'x-csrf-token': csrfToken,
        origin: 'https://truce.example',
        host: 'truce.example',
      },
      payload: { id: 'egypt', name: 'Egypt', kind: 'mediator' },
    });
    expect(sameOrigin.statusCode).toBe(201);
  });
});
