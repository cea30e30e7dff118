import { ledger as core } from '@truce/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKey, registration, sampleEvent, signedEvent } from '../ledger/testing.js';
import { exampleAgreement, startTestServer, type TestServer } from './testing.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ config: { streamMaxMs: 60_000 } });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

const inject = (
  role: Parameters<TestServer['headers']>[0],
  method: 'GET' | 'POST',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) =>
  server.app.inject({
    method,
    url,
    headers: { ...server.headers(role), ...headers },
    ...(payload === undefined ? {} : { payload: payload as string }),
  });

function truck(n: number, source?: string) {
  const {
    source: _source,
    id: _id,
    reportedAt: _reported,
    ...event
  } = sampleEvent(`x-${n}`, 'ignored', n);
  return { ...event, ...(source ? { source } : {}) };
}

describe('agreements, events and status over HTTP', () => {
  it('uploads an agreement (a retry is 200), lists, gets and diffs it', async () => {
    const yaml = exampleAgreement();
    const first = await inject('mediator', 'POST', '/api/v1/agreements', yaml, {
      'content-type': 'application/yaml',
    });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ id: 'gaza-2025', version: 1 });
    const again = await inject('mediator', 'POST', '/api/v1/agreements', yaml, {
      'content-type': 'application/yaml',
    });
    expect(again.statusCode).toBe(200);
    const bad = await inject('mediator', 'POST', '/api/v1/agreements', 'id: [', {
      'content-type': 'application/yaml',
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.code).toBe('AGREEMENT_YAML_SYNTAX');
    expect(bad.json().error.details[0]).toMatchObject({ line: 1 });

    const amended = yaml.replace(/^version: 1$/m, 'version: 2');
    expect(amended).not.toBe(yaml);
    expect(
      (
        await inject('mediator', 'POST', '/api/v1/agreements', amended, {
          'content-type': 'application/yaml',
        })
      ).statusCode,
    ).toBe(201);
    const list = await inject('observer', 'GET', '/api/v1/agreements');
    expect(list.json().versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    const version = await inject('agency', 'GET', '/api/v1/agreements/gaza-2025/versions/1');
    expect(version.json().source).toBe(yaml);
    const diff = await inject('agency', 'GET', '/api/v1/agreements/gaza-2025/diff?from=1&to=2');
    expect(diff.json()).toMatchObject({ from: 1, to: 2, changes: [] });
  });

  it('reports an event for the user’s organisation, signed by its server-held key', async () => {
    const response = await inject(
      'agency',
      'POST',
      '/api/v1/events',
      { event: truck(40) },
      {
        'idempotency-key': 'ocha-1',
      },
    );
    expect(response.statusCode).toBe(201);
    const { seq } = response.json() as { seq: number };
    const retry = await inject(
      'agency',
      'POST',
      '/api/v1/events',
      { event: truck(40) },
      {
        'idempotency-key': 'ocha-1',
      },
    );
    // Same key, same clock: the same envelope, so the original receipt.
    expect(retry.json()).toMatchObject({ seq, idempotent: true });
    server.advance(1000);
    const later = await inject(
      'agency',
      'POST',
      '/api/v1/events',
      { event: truck(40) },
      { 'idempotency-key': 'ocha-1' },
    );
    // A second later the server's reportedAt differs: a CONFLICT, never a second event.
    expect(later.statusCode).toBe(409);

    const other = await inject('agency', 'POST', '/api/v1/events', { event: truck(1, 'israel') });
    expect(other.statusCode).toBe(403);
    const invalid = await inject('agency', 'POST', '/api/v1/events', {
      event: { type: 'aid_trucks_crossed', payload: {} },
    });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().error.code).toBe('EVENT_INVALID');
    const finding = await inject('agency', 'POST', '/api/v1/events', {
      event: { type: 'finding_recorded', occurredAt: '2025-01-20T10:00:00+02:00', payload: {} },
    });
    expect(finding.statusCode).toBe(422);

    await server.app.truce.ledger.checkpoint();
    const got = await inject('monitor', 'GET', `/api/v1/events/${seq}`);
    const body = got.json();
    expect(body.event).toMatchObject({ source: 'un-ocha', type: 'aid_trucks_crossed' });
    const checkpoint = core.parseCheckpoint(core.parseNote(body.proof.checkpoint).text);
    const leaf = core.hashLeaf(core.envelopeEntryBytes(body.envelope));
    expect(
      core.verifyInclusion(
        leaf,
        seq,
        checkpoint.size,
        body.proof.hashes.map((h: string) => Buffer.from(h, 'base64')),
        checkpoint.rootHash,
      ),
    ).toBe(true);
  });

  it('appends signed envelopes and lists events with filters and cursor pagination', async () => {
    const { app } = server;
    const key = newKey();
    const envelopes = [
      registration(app.truce.ledger.identity, 'egypt', key),
      ...Array.from({ length: 7 }, (_, n) =>
        signedEvent(sampleEvent(`eg-${n}`, 'egypt', n + 1), key),
      ),
    ];
    const submitted = await inject('mediator', 'POST', '/api/v1/events/signed', { envelopes });
    expect(submitted.statusCode).toBe(201);
    expect(submitted.json().receipts).toHaveLength(8);
    const forged = { ...signedEvent(sampleEvent('eg-forged', 'egypt'), newKey()) };
    const refused = await inject('mediator', 'POST', '/api/v1/events/signed', {
      envelopes: [forged],
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toMatch(/^LEDGER_/);

    const seen: string[] = [];
    let cursor: number | null = 0;
    let pages = 0;
    while (cursor !== null) {
      const page = await inject(
        'party_liaison',
        'GET',
        `/api/v1/events?source=egypt&type=aid_trucks_crossed&limit=3&cursor=${cursor}`,
      );
      expect(page.statusCode).toBe(200);
      const json = page.json() as {
        events: { event: { id: string } }[];
        nextCursor: number | null;
      };
      seen.push(...json.events.map((e) => e.event.id));
      cursor = json.nextCursor;
      pages++;
    }
    expect(seen).toEqual(Array.from({ length: 7 }, (_, n) => `eg-${n}`));
    expect(pages).toBeGreaterThanOrEqual(3);
    const since = await inject(
      'monitor',
      'GET',
      `/api/v1/events?since=${encodeURIComponent('2030-01-01T00:00:00Z')}`,
    );
    expect(since.json().events).toEqual([]);
  });

  it('answers status from the incremental evaluator, publishes it, and shows the public page', async () => {
    const status = await inject(
      'observer',
      'GET',
      '/api/v1/status?asOf=2025-01-21T12:00:00%2B02:00',
    );
    expect(status.statusCode).toBe(200);
    const body = status.json();
    // Version 2 has no effectiveFrom: it governs from the start.
    expect(body.agreement).toMatchObject({ id: 'gaza-2025', version: 2 });
    expect(body.ledgerSize).toBeGreaterThan(8);
    expect(body.obligations.length).toBeGreaterThan(3);
    const badAsOf = await inject('observer', 'GET', '/api/v1/status?asOf=yesterday');
    expect(badAsOf.json().error.code).toBe('VALIDATION_FAILED');

    expect((await inject('anonymous', 'GET', '/api/v1/public/status')).statusCode).toBe(404);
    const published = await inject('monitor', 'POST', '/api/v1/publications', {
      asOf: '2025-01-21T12:00:00+02:00',
    });
    expect(published.statusCode).toBe(201);
    const publicPage = await inject('anonymous', 'GET', '/api/v1/public/status');
    expect(publicPage.statusCode).toBe(200);
    expect(publicPage.json().obligations[0]).not.toHaveProperty('eventIds');
  });

  it('shares one evaluation of now per second and ledger, with an ETag: 304 until an event or a second passes', async () => {
    server.advance(1000 - (server.now().getTime() % 1000) + 400);
    const first = await inject('observer', 'GET', '/api/v1/status');
    expect(first.statusCode).toBe(200);
    const { etag } = first.headers;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(first.headers['cache-control']).toBe('no-store');
    const body = first.json();
    // The engine states asOf to the second; it evaluates at the instant itself.
    const second = (ms: number) => ms - (ms % 1000);
    expect(Date.parse(body.asOf)).toBe(second(server.now().getTime()));

    // Later in the same second, same ledger: the same bytes, so a client holding them gets 304.
    server.advance(500);
    const same = await inject('observer', 'GET', '/api/v1/status', undefined, {
      'if-none-match': String(etag),
    });
    expect(same.statusCode).toBe(304);
    expect(same.body).toBe('');
    expect(same.headers.etag).toBe(etag);
    const again = await inject('monitor', 'GET', '/api/v1/status');
    expect(again.body).toBe(first.body);

    // A new event, reported now (900 ms into this second) by a source the aid quota counts:
    // evaluated again, over the larger ledger.
    const cogat = newKey();
    const submitted = await inject('mediator', 'POST', '/api/v1/events/signed', {
      envelopes: [
        registration(server.app.truce.ledger.identity, 'cogat', cogat),
        signedEvent(
          { ...sampleEvent('cogat-now', 'cogat', 90), reportedAt: server.now().toISOString() },
          cogat,
        ),
      ],
    });
    expect(submitted.statusCode).toBe(201);
    const afterEvent = await inject('observer', 'GET', '/api/v1/status', undefined, {
      'if-none-match': String(etag),
    });
    expect(afterEvent.statusCode).toBe(200);
    expect(afterEvent.headers.etag).not.toBe(etag);
    expect(afterEvent.json().ledgerSize).toBe(submitted.json().receipts[1].seq + 1);
    // Evaluated at the instant of this read, not at the start of the second: the event, reported
    // 900 ms into this same second, already counts (a live dashboard reads status right after an
    // append, and would otherwise wait for its next poll to see it).
    expect(JSON.stringify(afterEvent.json().obligations)).not.toBe(
      JSON.stringify(body.obligations),
    );

    // The next second: a new asOf, a new ETag.
    server.advance(1000);
    const nextSecond = await inject('observer', 'GET', '/api/v1/status', undefined, {
      'if-none-match': String(afterEvent.headers.etag),
    });
    expect(nextSecond.statusCode).toBe(200);
    expect(Date.parse(nextSecond.json().asOf)).toBe(second(server.now().getTime()));
  });

  it('serves checkpoints, consistency proofs and the export', async () => {
    await server.app.truce.ledger.checkpoint();
    const latest = (await inject('observer', 'GET', '/api/v1/checkpoints/latest')).json();
    const proof = (
      await inject('observer', 'GET', `/api/v1/proofs/consistency?from=1&to=${latest.size}`)
    ).json();
    expect(
      core.verifyConsistency(
        1,
        latest.size,
        proof.hashes.map((h: string) => Buffer.from(h, 'base64')),
        Buffer.from(proof.fromRoot, 'base64'),
        Buffer.from(proof.toRoot, 'base64'),
      ),
    ).toBe(true);
    const exported = await inject('agency', 'GET', '/api/v1/export');
    expect(exported.headers['x-truce-checkpoint-size']).toBe(String(latest.size));
    const lines = exported.body.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(latest.size);
    const tree = core.MemoryMerkleTree.of(lines.map((line) => new TextEncoder().encode(line)));
    expect(Buffer.from(tree.root()).toString('base64')).toBe(proof.toRoot);
  });
});

describe('health', () => {
  it('answers liveness without the database, and readiness with the ledger and the clocks', async () => {
    expect((await server.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({
      status: 'ok',
    });
    const ready = await server.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    const body = ready.json() as { ledgerSize: number; clock: { skewMs: number; ok: boolean } };
    expect(body.ledgerSize).toBeGreaterThan(0);
    // This host against its own database (PGlite) or the one on 127.0.0.1 (CI): well within 1 s.
    expect(body.clock.ok).toBe(true);
    expect(Math.abs(body.clock.skewMs)).toBeLessThan(1000);
  });
});

describe('the event stream', () => {
  interface Received {
    id?: number;
    event: string;
  }

  /** Reads server-sent events until `count` events with an id arrived, then disconnects. */
  async function readStream(url: string, headers: Record<string, string>, count: number) {
    const controller = new AbortController();
    const response = await fetch(url, { headers, signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const received: Received[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = response.body!.getReader();
    while (received.filter((r) => r.id !== undefined).length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          block
            .split('\n')
            .filter((line) => !line.startsWith(':') && line.includes(':'))
            .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
        );
        if (fields.event) {
          received.push({
            event: fields.event,
            ...(fields.id !== undefined ? { id: Number(fields.id) } : {}),
          });
        }
        end = buffer.indexOf('\n\n');
      }
    }
    controller.abort();
    await reader.cancel().catch(() => undefined);
    return received;
  }

  it('resumes after a disconnect from Last-Event-ID without losing or repeating events', async () => {
    const address = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const headers = { cookie: server.as.monitor.cookie };
    const start = await server.app.truce.store.size();
    const submit = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const response = await inject('agency', 'POST', '/api/v1/events', {
          event: truck(100 + i),
        });
        expect(response.statusCode).toBe(201);
      }
    };
    const first = readStream(`${address}/api/v1/stream?from=${start}`, headers, 3);
    await submit(5);
    const before = await first;
    const lastId = before.filter((r) => r.id !== undefined).at(-1)!.id!;
    expect(before.some((r) => r.event === 'status')).toBe(true);
    await submit(4);
    const size = await server.app.truce.store.size();
    const after = await readStream(
      `${address}/api/v1/stream`,
      { ...headers, 'last-event-id': String(lastId) },
      size - lastId - 1,
    );
    const ids = [...before, ...after].flatMap((r) => (r.id === undefined ? [] : [r.id]));
    expect(ids).toEqual(Array.from({ length: size - start }, (_, n) => start + n));
  }, 60_000);
});
