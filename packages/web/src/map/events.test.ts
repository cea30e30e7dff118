import { describe, expect, it } from 'vitest';
import { EventCache, type EventsPage } from './events.ts';
import type { MapEvent } from './layers.ts';

/** An append-only log served like the API: filtered by type while reading, `limit` per page. */
function fakeLog(limit: number) {
  const log: MapEvent[] = [];
  const calls: { type: string; cursor: number }[] = [];
  const append = (type: string) => {
    log.push({
      id: `e-${log.length}`,
      type,
      occurredAt: '2025-01-20T00:00:00Z',
      reportedAt: '2025-01-20T00:00:00Z',
      source: 'un',
      payload: {},
    });
  };
  const fetchPage = async (type: string, cursor: number): Promise<EventsPage> => {
    calls.push({ type, cursor });
    const end = Math.min(log.length, cursor + limit);
    const events = [];
    for (let seq = cursor; seq < end; seq++) {
      const event = log[seq];
      if (event?.type === type) events.push({ seq, event });
    }
    return { events, nextCursor: end < log.length ? end : null };
  };
  return { log, calls, append, fetchPage };
}

describe('EventCache', () => {
  it('reads everything once, then only from the end of what it had read', async () => {
    const fake = fakeLog(3);
    for (const type of ['a', 'b', 'x', 'a', 'x', 'b', 'a']) fake.append(type);
    const cache = new EventCache(['a', 'b'], fake.fetchPage);
    const first = await cache.refresh(fake.log.length);
    expect(first.map((e) => e.id)).toEqual(['e-0', 'e-1', 'e-3', 'e-5', 'e-6']);
    expect(fake.calls.filter((c) => c.type === 'a').map((c) => c.cursor)).toEqual([0, 3, 6]);

    fake.calls.length = 0;
    fake.append('b');
    fake.append('x');
    const second = await cache.refresh(fake.log.length);
    // Read from seq 6 (the last one known before the first read, for the overlap) onwards.
    expect(fake.calls.map((c) => c.cursor)).toEqual([6, 6]);
    expect(second.map((e) => e.id)).toEqual(['e-0', 'e-1', 'e-3', 'e-5', 'e-6', 'e-7']);
  });

  it('misses nothing appended while it reads, and repeats nothing', async () => {
    const fake = fakeLog(2);
    for (const type of ['a', 'a', 'a']) fake.append(type);
    const cache = new EventCache(['a'], async (type, cursor) => {
      const page = await fake.fetchPage(type, cursor);
      if (fake.log.length < 5) fake.append('a'); // appended during the read
      return page;
    });
    // The size was 3 when the read began; two more arrive while it runs: e-3 before its last
    // page was read, e-4 after, so e-4 comes with the next read.
    const events = await cache.refresh(3);
    expect(events.map((e) => e.id)).toEqual(['e-0', 'e-1', 'e-2', 'e-3']);
    fake.append('a');
    const again = await cache.refresh(5);
    expect(again.map((e) => e.id)).toEqual(['e-0', 'e-1', 'e-2', 'e-3', 'e-4', 'e-5']);
  });

  it('reads again from where it was after a failed read', async () => {
    const fake = fakeLog(10);
    fake.append('a');
    let fail = true;
    const cache = new EventCache(['a', 'b'], async (type, cursor) => {
      if (type === 'b' && fail) throw new Error('offline');
      return fake.fetchPage(type, cursor);
    });
    await expect(cache.refresh(1)).rejects.toThrow('offline');
    fail = false;
    fake.append('b');
    const events = await cache.refresh(2);
    expect(events.map((e) => e.type)).toEqual(['a', 'b']);
  });

  it('runs one read at a time, each from where the last ended', async () => {
    const fake = fakeLog(100);
    for (let i = 0; i < 5; i++) fake.append('a');
    const cache = new EventCache(['a'], fake.fetchPage);
    const [first, second] = await Promise.all([cache.refresh(5), cache.refresh(5)]);
    expect(fake.calls.map((c) => c.cursor)).toEqual([0, 4]);
    expect(first.length).toBe(5);
    expect(second.length).toBe(5);
  });
});
