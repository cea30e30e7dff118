import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { newKey, registration, sampleEvent, signedEvent } from '../ledger/testing.js';
import { postgresUrl } from '../store/testing/fixtures.js';
import { startTestServer, type TestServer } from './testing.js';

/**
 * What a request costs must not grow with the ledger. A soak (docs/RELIABILITY.md) showed p99
 * latencies growing as the log grew; timings on a shared machine cannot catch that reliably, so
 * this counts instead: the table rows the database reads for one request (PostgreSQL's own
 * counters, sequential and index scans of every table), on a small ledger and on one ten times
 * larger. Proofs may read a few more tree nodes (log n); nothing else may grow.
 *
 * On PGlite only: there the server's connection is the only one, so the counters are exactly
 * this request's. On a shared PostgreSQL other connections report theirs a second late.
 */

// Both large enough for the planner to use the indexes (on a table of a few hundred rows a scan
// of the whole table is cheaper, and it reads every row).
const small = 1000;
const large = 3000;
/** Rows a request may read more at ten times the size: the tree nodes of a longer proof path. */
const logSlack = 6;

interface Cost {
  rows: number;
  byTable: Record<string, number>;
}

async function rowsRead(server: TestServer): Promise<Map<string, number>> {
  const db = server.app.truce.db;
  await db.query('SELECT pg_stat_force_next_flush()');
  await db.query('SELECT pg_stat_clear_snapshot()');
  const rows = await db.query<{ relname: string; n: unknown }>(
    `SELECT relname, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS n
       FROM pg_stat_user_tables WHERE schemaname = current_schema()`,
  );
  return new Map(rows.map((row) => [row.relname, Number(row.n)]));
}

/** Past the checkpointer's delay (200 ms), so that its run after an append is over. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 250));

async function costOf(server: TestServer, request: () => Promise<unknown>): Promise<Cost> {
  await settle();
  const before = await rowsRead(server);
  await request();
  await settle();
  const after = await rowsRead(server);
  const byTable: Record<string, number> = {};
  let rows = 0;
  for (const [table, n] of after) {
    const read = n - (before.get(table) ?? 0);
    if (read > 0) byTable[table] = read;
    rows += read;
  }
  return { rows, byTable };
}

describe.skipIf(postgresUrl !== undefined)('rows read per request', () => {
  it('do not grow with the ledger (events, event with proof, status, other agreements, submit)', async () => {
    // The alerts' background tick reads the log too; it is not part of any request.
    const poll = process.env.TRUCE_ALERTS_POLL_MS;
    process.env.TRUCE_ALERTS_POLL_MS = '0';
    const server = await startTestServer();
    if (poll === undefined) delete process.env.TRUCE_ALERTS_POLL_MS;
    else process.env.TRUCE_ALERTS_POLL_MS = poll;
    try {
      const { app } = server;
      const ledger = app.truce.ledger;
      const qatar = newKey();
      await ledger.submit([registration(ledger.identity, 'qatar', qatar)]);
      const system = { actor: { kind: 'anonymous' } as const, ip: 'test' };
      for (const file of ['gaza-2025.yaml', 'gaza-2023-pause.yaml']) {
        await app.truce.agreements.upload(
          system,
          readFileSync(new URL(`../../../../examples/agreements/${file}`, import.meta.url), 'utf8'),
        );
      }
      let made = 0;
      const envelopes = (count: number) =>
        Array.from({ length: count }, () => {
          const n = made++;
          return signedEvent(sampleEvent(`r-${n}`, 'qatar', 1 + (n % 50)), qatar);
        });
      // A checkpoint after every batch, as the checkpointer signs them under load.
      const growTo = async (size: number) => {
        while ((await app.truce.store.size()) < size) {
          await ledger.submit(envelopes(Math.min(500, size - (await app.truce.store.size()))));
          await ledger.checkpoint();
        }
      };
      const mediator = server.headers('mediator');
      const get = (url: string) => app.inject({ method: 'GET', url, headers: mediator });
      const status = (query: string) => async () => {
        const answer = await get(`/api/v1/status${query}`);
        expect(answer.statusCode).toBe(200);
      };
      /** The status after five new events: the evaluator reads those five and nothing else. */
      const statusAfterNewEvents = async (query: string) => {
        await ledger.submit(envelopes(5));
        await ledger.checkpoint();
        return costOf(server, status(query));
      };
      const measure = async () => {
        const size = await app.truce.store.size();
        // Warm every cache first (a cold evaluator reads the whole log once, as it must).
        await statusAfterNewEvents('');
        await statusAfterNewEvents('?agreement=gaza-2023-pause');
        const costs: Record<string, Cost> = {
          'first page of events': await costOf(server, () => get('/api/v1/events?limit=100')),
          'a later page of events': await costOf(server, () =>
            get(`/api/v1/events?limit=100&cursor=${size - 150}`),
          ),
          'one event with its inclusion proof': await costOf(server, () =>
            get(`/api/v1/events/${size - 150}`),
          ),
          status: await statusAfterNewEvents(''),
          'status of another agreement': await statusAfterNewEvents('?agreement=gaza-2023-pause'),
          'status of the current agreement again': await statusAfterNewEvents(''),
          'signed submission of 5 events': await costOf(server, async () => {
            const answer = await app.inject({
              method: 'POST',
              url: '/api/v1/events/signed',
              headers: mediator,
              payload: { envelopes: envelopes(5) },
            });
            expect(answer.statusCode).toBe(201);
          }),
        };
        return costs;
      };

      await growTo(small);
      const atSmall = await measure();
      await growTo(large);
      const atLarge = await measure();
      for (const [request, cost] of Object.entries(atSmall)) {
        const grown = atLarge[request]!;
        expect(
          grown.rows,
          `${request}: ${cost.rows} rows read at ${small} entries (${JSON.stringify(cost.byTable)}), ${grown.rows} at ${large} (${JSON.stringify(grown.byTable)})`,
        ).toBeLessThanOrEqual(cost.rows + logSlack);
      }
      // The events list reads the page it returns (and one more row), not a fixed 500.
      expect(atLarge['first page of events']!.byTable.events).toBeLessThanOrEqual(101);
      // And nothing reads more than a few hundred rows: not the log.
      for (const [request, cost] of Object.entries(atLarge)) {
        expect(cost.rows, `${request}: ${JSON.stringify(cost.byTable)}`).toBeLessThan(200);
      }
      // On PGlite, the only writer of its folder, a status takes the new entries and the
      // agreements' state from memory: reading the five new entries would cost ten rows of
      // `events`; a checkpointer run that fires late on a loaded machine may read the log's size
      // (one or two index rows) inside the window, hence the margin.
      for (const request of [
        'status',
        'status of another agreement',
        'status of the current agreement again',
      ]) {
        const { byTable } = atLarge[request]!;
        expect(byTable.events ?? 0, `${request}: ${JSON.stringify(byTable)}`).toBeLessThanOrEqual(
          2,
        );
        expect(byTable.agreement_versions ?? 0, `${request}: ${JSON.stringify(byTable)}`).toBe(0);
      }
    } finally {
      await server.close();
    }
  }, 120_000);
});
