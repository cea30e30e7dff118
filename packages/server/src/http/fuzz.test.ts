import { errorCodes } from '@truce/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing.js';

/**
 * Random and malformed paths, query strings, headers and bodies against every route, signed in
 * as a mediator (who passes every policy, so the input reaches validation and the commands)
 * and as anonymous. Whatever arrives: no 5xx, and every error body has a stable code.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ config: { streamMaxMs: 30, loginPerMinute: 100_000 } });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

const known = new Set<string>(errorCodes);

const segment = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('0', '1', '-1', '1e3', '99999999999999999999', 'gaza-2025', '..', 'qatar'),
  fc.uuid(),
);
const queryKeys = fc.constantFrom(
  'limit',
  'cursor',
  'from',
  'to',
  'seq',
  'size',
  'asOf',
  'since',
  'type',
  'source',
  'after',
  'action',
  'actor',
  'agreement',
  'x',
);
const queryValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('0', '5', '-3', '100000', '2025-01-20T10:00:00+02:00', 'null', ''),
);
const body = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '{"envelopes":[{}]}',
    '{"event":{"type":"aid_trucks_crossed"}}',
    '{"email":"a@b.c","password":"x"}',
    '{"id":"x","name":"y","kind":"party"}',
    '{"line":"— x abc"}',
    '{"name":"n","scopes":["admin"],"expiresInDays":1}',
    '{',
  ),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/yaml',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  '',
);
const headerValue = fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s));

describe('fuzzing every route', () => {
  it('never answers 5xx and always with a stable error code', async () => {
    const routes = server.app.truce.routes;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.boolean(),
        fc.array(segment, { minLength: 4, maxLength: 4 }),
        fc.dictionary(queryKeys, queryValue, { maxKeys: 4 }),
        body,
        contentType,
        fc.record(
          {
            'last-event-id': headerValue,
            'idempotency-key': headerValue,
            authorization: headerValue,
            origin: headerValue,
          },
          { requiredKeys: [] },
        ),
        async (route, signedIn, segments, query, payload, type, extra) => {
          let n = 0;
          const path = route.url.replace(/:[a-z]+/g, () => encodeURIComponent(segments[n++] ?? ''));
          const search = new URLSearchParams(query).toString();
          // Logging out would end the session the other runs use.
          const asMediator = signedIn && route.action !== 'auth.logout';
          const headers: Record<string, string> = {
            ...(asMediator ? server.headers('mediator') : {}),
            ...extra,
            ...(type ? { 'content-type': type } : {}),
          };
          if (asMediator) delete headers.authorization;
          const response = await server.app.inject({
            method: route.method as 'GET',
            url: `${path}${search ? `?${search}` : ''}`,
            headers,
            ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload }),
          });
          expect(response.statusCode, response.body).toBeLessThan(500);
          if (response.statusCode >= 400) {
            const error = (response.json() as { error: { code: string; message: string } }).error;
            expect(known.has(error.code), error.code).toBe(true);
            expect(typeof error.message).toBe('string');
            expect(response.body).not.toMatch(/at .*\.(js|ts):\d+/);
          }
        },
      ),
      { numRuns: Number(process.env.TRUCE_FUZZ_RUNS ?? 500) },
    );
  }, 120_000);

  it('refuses bodies over the limit and unknown routes with the same error shape', async () => {
    const big = await server.app.inject({
      method: 'POST',
      url: '/api/v1/orgs',
      headers: { ...server.headers('mediator'), 'content-type': 'application/json' },
      payload: JSON.stringify({ id: 'x', name: 'y'.repeat(2 * 1024 * 1024), kind: 'party' }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    const missing = await server.app.inject({ method: 'GET', url: '/api/v2/nothing' });
    expect(missing.json().error.code).toBe('NOT_FOUND');
  });
});
