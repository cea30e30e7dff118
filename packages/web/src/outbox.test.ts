import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushOutbox, pendingReports, refusedReports, submitReport } from './outbox.ts';

/** A Storage in memory: the outbox keeps its queue in localStorage. */
class MemoryStorage {
  #items = new Map<string, string>();
  getItem(key: string) {
    return this.#items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.#items.set(key, value);
  }
  removeItem(key: string) {
    this.#items.delete(key);
  }
}

const report = {
  type: 'aid_trucks_crossed',
  occurredAt: '2025-02-10T12:00:00+02:00',
  payload: { crossing: 'kerem-shalom', cargo: 'food', count: 12 },
};

function answer(status: number, body: unknown) {
  return Promise.resolve(new Response(JSON.stringify(body), { status }));
}

describe('the outbox: reports made on a bad connection', () => {
  let calls: { key: string | null; body: string }[];
  beforeEach(() => {
    vi.stubGlobal('localStorage', new MemoryStorage());
    calls = [];
  });
  afterEach(() => vi.unstubAllGlobals());

  const server = (reply: () => Promise<Response>) =>
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
      calls.push({
        key: (init.headers as Record<string, string>)['idempotency-key'] ?? null,
        body: String(init.body),
      });
      return reply();
    });

  it('records a report at once when the network answers', async () => {
    server(() => answer(201, { seq: 42 }));
    expect(await submitReport(report)).toEqual({ kind: 'recorded', seq: 42 });
    expect(pendingReports()).toBe(0);
  });

  it('keeps a report when the network fails, and resends it with the same key', async () => {
    server(() => Promise.reject(new TypeError('Failed to fetch')));
    expect(await submitReport(report)).toEqual({ kind: 'queued' });
    expect(pendingReports()).toBe(1);
    // Still down: nothing is lost.
    expect(await flushOutbox()).toBe(0);
    expect(pendingReports()).toBe(1);
    // Back: sent once, with the idempotency key it got when it was made.
    server(() => answer(201, { seq: 7 }));
    expect(await flushOutbox()).toBe(1);
    expect(pendingReports()).toBe(0);
    const keys = calls.map((c) => c.key);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(calls.at(-1)!.body)).toEqual({ event: report });
  });

  it('does not queue what the server refuses, and keeps what it refuses later in sight', async () => {
    server(() => answer(422, { error: { code: 'EVENT_INVALID', message: 'count: too big' } }));
    expect(await submitReport(report)).toEqual({ kind: 'refused', message: 'count: too big' });
    expect(pendingReports()).toBe(0);

    server(() => Promise.reject(new TypeError('offline')));
    await submitReport(report);
    server(() => answer(401, { error: { code: 'UNAUTHENTICATED', message: 'log in first' } }));
    expect(await flushOutbox()).toBe(0);
    expect(pendingReports()).toBe(1); // kept until the user logs in again
    server(() => answer(422, { error: { code: 'EVENT_INVALID', message: 'bad crossing' } }));
    await flushOutbox();
    expect(pendingReports()).toBe(0);
    expect(refusedReports()).toMatchObject([{ message: 'bad crossing', report }]);
  });
});
