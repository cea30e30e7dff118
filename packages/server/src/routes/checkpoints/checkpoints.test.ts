import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../http/testing.js';
import { sampleEvent } from '../../ledger/testing.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 120_000);
afterAll(() => server?.close());

const get = (url: string) =>
  server.app.inject({ method: 'GET', url, headers: server.headers('monitor') });

describe('checkpoints over HTTP', () => {
  it('are listed a page at a time, and read one by size', async () => {
    // A few checkpoints: an event, then a checkpoint of the new size, three times.
    for (let n = 0; n < 3; n++) {
      const { source: _s, id: _i, reportedAt: _r, ...event } = sampleEvent(`cp-${n}`, 'un', n + 1);
      const response = await server.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { ...server.headers('agency'), 'idempotency-key': `cp-${n}` },
        payload: { event },
      });
      expect(response.statusCode).toBe(201);
      await server.app.truce.ledger.checkpoint();
    }
    const all = (await get('/api/v1/checkpoints?limit=1000')).json() as {
      checkpoints: { size: number }[];
      next?: number;
    };
    expect(all.next).toBeUndefined();
    const sizes = all.checkpoints.map((c) => c.size);
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    expect([...sizes].sort((a, b) => a - b)).toEqual(sizes);

    // Pages of two, following `next`, give the same checkpoints in the same order.
    const paged: number[] = [];
    let from: number | undefined = 0;
    while (from !== undefined) {
      const page = (await get(`/api/v1/checkpoints?from=${from}&limit=2`)).json() as {
        checkpoints: { size: number }[];
        next?: number;
      };
      expect(page.checkpoints.length).toBeLessThanOrEqual(2);
      paged.push(...page.checkpoints.map((c) => c.size));
      from = page.next;
    }
    expect(paged).toEqual(sizes);

    const last = sizes.at(-1)!;
    const one = await get(`/api/v1/checkpoints/${last}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ size: last });
    expect((await get(`/api/v1/checkpoints/${last + 1000}`)).statusCode).toBe(404);
    expect((await get('/api/v1/checkpoints?limit=0')).statusCode).toBe(400);
  });
});
