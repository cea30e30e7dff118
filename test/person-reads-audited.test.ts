import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exampleAgreement,
  startTestServer,
  type TestServer,
} from '../packages/server/src/http/testing.js';

/**
 * Every read of person data is audited. A log with events that name persons (pseudonymous ids
 * from the synthetic scenario); then every GET route the server registers — found in its route
 * list, so a route added tomorrow is covered — as every role and as anonymous: whenever an
 * answer carries a person id, the audit log must have gained a line naming that user for it.
 * A route that hands out person ids without an audit line fails this test.
 */

let server: TestServer;
const person = 'H-0001';
let personSeq = 0;

beforeAll(async () => {
  server = await startTestServer({ config: { loginPerMinute: 10_000, streamMaxMs: 50 } });
  await server.app.truce.agreements.upload(
    { actor: { kind: 'anonymous' }, ip: 'test' },
    exampleAgreement(),
  );
  // The scenario's first names list (qatar, H-0001…H-0003), reported by qatar's mediator.
  const line = readFileSync(
    new URL('../examples/scenarios/gaza-2025-synthetic.jsonl', import.meta.url),
    'utf8',
  )
    .split('\n')
    .find((l) => l.includes('"names_list_delivered"') && l.includes(`"${person}"`))!;
  const { source: _source, ...event } = JSON.parse(line) as Record<string, unknown>;
  const response = await server.app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: server.headers('mediator'),
    payload: { event },
  });
  expect(response.statusCode, response.body).toBe(201);
  personSeq = (response.json() as { seq: number }).seq;
}, 120_000);

afterAll(async () => {
  await server?.close();
});

function concreteUrl(url: string): string {
  return url
    .replace('/agreements/:id', '/agreements/gaza-2025')
    .replace(':version', '1')
    .replace(':seq', String(personSeq))
    .replace(':size', '1')
    .replace('/persons/:id', `/persons/${person}`)
    .replace('/users/:id', `/users/${server.as.observer.userId}`)
    .replace('/orgs/:id', '/orgs/qatar')
    .replace(/:[a-zA-Z0-9]+/g, 'x');
}

const queries: Record<string, string> = {
  '/api/v1/agreements/:id/diff': '?from=1&to=1',
  '/api/v1/proofs/consistency': '?from=0',
  '/api/v1/proofs/inclusion': `?seq=0`,
};

describe('reads of person data', () => {
  it('are audited on every route, for every role', async () => {
    await server.app.truce.ledger.checkpoint();
    const routes = server.app.truce.routes.filter((route) => route.method === 'GET');
    type Principal = keyof typeof server.as | 'anonymous';
    const principals: Principal[] = ['anonymous', ...(Object.keys(server.as) as Principal[])];
    const unaudited: string[] = [];
    let carried = 0;
    for (const route of routes) {
      for (const principal of principals) {
        const before = await server.app.truce.audit.list({ limit: 1_000_000 });
        const lastId = before.at(-1)?.id ?? 0;
        const url = `${concreteUrl(route.url)}${queries[route.url] ?? ''}`;
        const response = await server.app.inject({
          method: 'GET',
          url,
          headers: server.headers(principal),
        });
        if (response.statusCode >= 300 || !response.body.includes(person)) continue;
        carried += 1;
        const user = principal === 'anonymous' ? undefined : server.as[principal].userId;
        const lines = await server.app.truce.audit.list({ after: lastId, limit: 1000 });
        if (!lines.some((l) => l.actor === user && l.outcome === 'success')) {
          unaudited.push(`GET ${url} as ${principal}: ${response.statusCode}, no audit line`);
        }
      }
    }
    // The names list is readable somewhere (raw events, the register): the test saw person data.
    expect(carried).toBeGreaterThan(0);
    expect(unaudited).toEqual([]);
  }, 180_000);
});
