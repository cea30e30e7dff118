import { readFileSync } from 'node:fs';
import { parseEvent, rowEventsOf } from '@truce/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleAgreement, startTestServer, type TestServer } from '../../http/testing.js';

/**
 * POST /api/v1/imports on a real server and a fresh database: what an agency's staff member
 * sees when uploading a file, and what the log holds afterwards.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  const upload = await server.app.inject({
    method: 'POST',
    url: '/api/v1/agreements',
    headers: { ...server.headers('mediator'), 'content-type': 'application/yaml' },
    payload: exampleAgreement(),
  });
  expect(upload.statusCode).toBe(201);
}, 180_000);

afterAll(async () => {
  await server?.close();
}, 60_000);

const root = new URL('../../../../../', import.meta.url).pathname;
const fixture = (name: string) => readFileSync(`${root}packages/server/src/hxl/testdata/${name}`);

/** A file of the agency's own figures (the test agency is `un-ocha`, not in the agreement). */
const agencyFile = [
  'Date,Crossing,Cargo,Trucks,Half-loaded,Sector',
  '#date,#loc+name,#item+type,#indicator+num+trucks,#indicator+num+halfloaded,#sector+cluster',
  '2025-01-20,Kerem Shalom,food,120,12,Food Security',
  '2025-01-20,Zikim,fuel,30,,Logistics',
  '2025-01-21T15:30:00+02:00,Kissufim,medical,9,1,Health',
  '',
].join('\r\n');

const post = (
  body: string | Buffer,
  query = '',
  role: Parameters<TestServer['headers']>[0] = 'agency',
  contentType = 'text/csv',
) =>
  server.app.inject({
    method: 'POST',
    url: `/api/v1/imports${query}`,
    headers: { ...server.headers(role), 'content-type': contentType },
    payload: body,
  });

async function logSize(): Promise<number> {
  return server.app.truce.store.size();
}

describe('POST /api/v1/imports', () => {
  it('imports a file for the user organisation, once', async () => {
    const before = await logSize();
    const first = await post(agencyFile, '?fileName=daily.csv');
    expect(first.statusCode).toBe(201);
    const report = first.json();
    expect(report).toMatchObject({
      outcome: 'imported',
      appended: 3,
      repeated: 0,
      file: {
        events: 3,
        trucksRows: 3,
        trucks: 159,
        sources: ['un-ocha'],
        keptHashtags: ['#sector+cluster'],
        encoding: 'utf-8',
        hashtagLine: 2,
      },
      import: {
        fileName: 'daily.csv',
        org: 'un-ocha',
        rows: 3,
        importedBy: server.as.agency.userId,
      },
    });
    expect(report.import.completedAt).not.toBeNull();
    // The organisation's key registration, then the three rows in one signed batch.
    expect(await logSize()).toBe(before + 2);
    expect(report.import.lastSeq).toBe(report.import.firstSeq);

    const events = await server.app.inject({
      method: 'GET',
      url: `/api/v1/events?type=aid_batch&source=un-ocha`,
      headers: server.headers('agency'),
    });
    const batches = events.json().events.map((e: { event: unknown }) => parseEvent(e.event));
    expect(batches).toHaveLength(1);
    expect(rowEventsOf(batches[0])).toMatchObject([
      {
        source: 'un-ocha',
        occurredAt: '2025-01-20T12:00:00+02:00',
        payload: {
          crossing: 'kerem-shalom',
          cargo: 'food',
          count: 120,
          halfLoaded: 12,
          hxl: { '#sector+cluster': 'Food Security' },
        },
      },
      { payload: { crossing: 'zikim', cargo: 'fuel', count: 30 } },
      { occurredAt: '2025-01-21T15:30:00+02:00', payload: { crossing: 'kissufim', halfLoaded: 1 } },
    ]);

    // A status cites a row by its id: the events route finds it inside its batch.
    const rowIds = rowEventsOf(batches[0])!.map((row) => row.id);
    const cited = await server.app.inject({
      method: 'GET',
      url: `/api/v1/events?ids=${[rowIds[2], 'no-such-event', rowIds[0]].join(',')}`,
      headers: server.headers('monitor'),
    });
    expect(cited.statusCode).toBe(200);
    expect(cited.json().events).toMatchObject([
      { seq: report.import.firstSeq, org: 'un-ocha', event: { id: rowIds[0] }, batch: { row: 0 } },
      {
        seq: report.import.firstSeq,
        event: { id: rowIds[2], payload: { crossing: 'kissufim' } },
        batch: { row: 2 },
      },
    ]);

    // Listed by their own type, the rows come one by one with their batch, filters applied to
    // each row (the third row occurred on 21 January), in pages that end at an entry.
    const byType = async (query: string) =>
      (
        await server.app.inject({
          method: 'GET',
          url: `/api/v1/events?type=aid_trucks_crossed${query}`,
          headers: server.headers('monitor'),
        })
      ).json() as {
        events: { seq: number; event: { id: string }; batch?: { row: number } }[];
        nextCursor: number | null;
      };
    const rows = await byType('&source=un-ocha');
    expect(rows.events.map((e) => [e.event.id, e.batch?.row, e.seq])).toEqual(
      rowIds.map((id, row) => [id, row, report.import.firstSeq]),
    );
    const later = await byType('&since=2025-01-21T00:00:00%2B02:00');
    expect(later.events.map((e) => e.event.id)).toEqual([rowIds[2]]);
    // A page of 2 stops before the batch of 3 (and says where to go on), unless the batch
    // comes first in the page: then it comes whole.
    const small = await byType(`&limit=2&cursor=${report.import.firstSeq}`);
    expect(small.events.map((e) => e.event.id)).toEqual(rowIds);
    expect(await byType('&source=nobody')).toMatchObject({ events: [] });

    // The aid views count the imported rows: un-ocha's trucks of 20 January.
    const reconciliation = await server.app.inject({
      method: 'GET',
      url: '/api/v1/aid/reconciliation?asOf=2025-03-01T00:00:00%2B02:00',
      headers: server.headers('agency'),
    });
    expect(reconciliation.statusCode).toBe(200);
    const days = reconciliation.json().days as { sources: { source: string; count: number }[] }[];
    const figures = days.flatMap((day) => day.sources).filter((s) => s.source === 'un-ocha');
    expect(figures.reduce((sum, s) => sum + s.count, 0)).toBe(159);

    const again = await post(agencyFile);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({
      outcome: 'already_imported',
      appended: 0,
      import: { id: report.import.id },
    });
    expect(await logSize()).toBe(before + 2);

    const list = await server.app.inject({
      method: 'GET',
      url: '/api/v1/imports',
      headers: server.headers('monitor'),
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().imports.map((i: { id: string }) => i.id)).toContain(report.import.id);

    // A second file of three rows: a page of 4 holds the first batch's rows and stops before
    // the second's (which would take it to 6); the next page holds those.
    const second = await post(agencyFile.replaceAll('2025-01-2', '2025-02-2'), '?fileName=feb.csv');
    expect(second.statusCode).toBe(201);
    const secondSeq = second.json().import.firstSeq as number;
    const first4 = await byType(`&source=un-ocha&limit=4&cursor=${report.import.firstSeq}`);
    expect(first4.events.map((e) => e.seq)).toEqual([
      report.import.firstSeq,
      report.import.firstSeq,
      report.import.firstSeq,
    ]);
    expect(first4.nextCursor).toBe(secondSeq);
    const next4 = await byType(`&source=un-ocha&limit=4&cursor=${first4.nextCursor}`);
    expect(next4.events.map((e) => [e.seq, e.batch?.row])).toEqual([
      [secondSeq, 0],
      [secondSeq, 1],
      [secondSeq, 2],
    ]);
    expect(next4.nextCursor).toBeNull();
  });

  it('finds rows by the ids their file gave them (#meta+id), also in files imported later', async () => {
    const withIds = (ids: string[], day: string) =>
      [
        'Date,Crossing,Cargo,Trucks,Id',
        '#date,#loc+name,#item+type,#indicator+num+trucks,#meta+id',
        ...ids.map((id, n) => `${day},Zikim,food,${10 + n},${id}`),
        '',
      ].join('\n');
    const cite = async (ids: string[]) =>
      (
        await server.app.inject({
          method: 'GET',
          url: `/api/v1/events?ids=${ids.join(',')}`,
          headers: server.headers('monitor'),
        })
      ).json().events as { seq: number; event: { id: string; payload: { count: number } } }[];

    const first = (await post(withIds(['given-a', 'given-b'], '2025-02-03'))).json();
    expect(first.outcome).toBe('imported');
    expect(await cite(['given-b', 'no-such-row', 'given-a'])).toMatchObject([
      { seq: first.import.firstSeq, event: { id: 'given-a', payload: { count: 10 } } },
      { seq: first.import.firstSeq, event: { id: 'given-b', payload: { count: 11 } } },
    ]);
    // A file imported after the first lookup: the index learns it at the next one.
    const second = (await post(withIds(['given-c'], '2025-02-04'))).json();
    expect(second.outcome).toBe('imported');
    expect(await cite(['given-c', 'given-a'])).toMatchObject([
      { seq: first.import.firstSeq, event: { id: 'given-a' } },
      { seq: second.import.firstSeq, event: { id: 'given-c', payload: { count: 10 } } },
    ]);
  });

  it('a bad file: 422 with every problem located, and nothing in the log', async () => {
    const before = await logSize();
    const bad = await post(fixture('bad-rows.csv'), '?fileName=bad-rows.csv', 'mediator');
    expect(bad.statusCode).toBe(422);
    const { error } = bad.json();
    expect(error.code).toBe('HXL_INVALID');
    expect(error.message).toContain('nothing was imported');
    const located = error.details.map(
      (d: { line: number; column: number; path: string }) => `${d.line}:${d.column} ${d.path}`,
    );
    expect(located).toEqual(
      expect.arrayContaining([
        '4:5 #indicator+num+trucks',
        '5:5 #indicator+num+trucks',
        '6:1 #date',
        '7:2 #loc+name',
        // The mediator (qatar) imports its own figures: rows reported by un are refused too.
        '3:3 #org+code',
        '8:3 #org+code',
      ]),
    );
    expect(await logSize()).toBe(before);
  });

  it('Windows-1256: read when the charset says so, refused as UTF-8 with the line', async () => {
    const legacy = fixture('arabic-windows-1256.csv');
    // Decoded, the Arabic header is skipped and the rows read: they are un's, and the mediator
    // imports for qatar, so they are refused one by one (nothing imported).
    const read = await post(legacy, '?dryRun=true', 'mediator', 'text/csv; charset=windows-1256');
    expect(read.statusCode).toBe(422);
    expect(read.json().error.details).toMatchObject([
      { line: 3, column: 3, path: '#org+code', message: expect.stringContaining('reported by un') },
      { line: 4, column: 3, path: '#org+code' },
    ]);
    const asUtf8 = await post(legacy, '?encoding=utf-8', 'mediator');
    expect(asUtf8.statusCode).toBe(422);
    expect(asUtf8.json().error.message).toContain('is not UTF-8');
  });

  it('refuses what is not a CSV body, and callers without the report permission', async () => {
    const json = await server.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      headers: { ...server.headers('agency'), 'content-type': 'application/json' },
      payload: { rows: [] },
    });
    expect(json.statusCode).toBe(415);
    expect((await post(agencyFile, '', 'observer')).statusCode).toBe(403);
  });
});

describe('GET /api/v1/export/hxl', () => {
  it('writes the aid events as HXL CSV, filtered by days of the agreement', async () => {
    const response = await server.app.inject({
      method: 'GET',
      url: '/api/v1/export/hxl?from=2025-01-21&to=2025-01-21',
      headers: server.headers('agency'),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = response.body.trim().split('\r\n');
    expect(lines[1]).toMatch(/^#meta\+id,#date\+occurred,/);
    expect(lines.slice(2)).toHaveLength(1);
    expect(lines[2]).toContain(',2025-01-21T15:30:00+02:00,');
  });

  it('view=reconciliation: the sources of each day side by side, as a file', async () => {
    const response = await server.app.inject({
      method: 'GET',
      url: '/api/v1/export/hxl?view=reconciliation&from=2025-01-20&to=2025-01-21',
      headers: server.headers('agency'),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-disposition']).toContain('aid-reconciliation.hxl.csv');
    const lines = response.body.trim().split('\r\n');
    expect(lines[1]).toMatch(/^#date,#loc\+code,#item\+type,#org\+code\+higher,/);
    // The agency's own trucks, alone on those days (no other source reported them here).
    expect(lines.slice(2).length).toBeGreaterThan(0);
    expect(lines.slice(2).every((line) => /^2025-01-2[01],/.test(line))).toBe(true);
    expect(lines[2]).toMatch(/^2025-01-20,,,un-ocha,\d+,/);
  });
});

describe('a file the reliability campaign found', () => {
  it('with control characters and a lone surrogate before the header: an answer, never a 500', async () => {
    const sample = readFileSync(`${root}examples/aid/un2720-daily.csv`, 'utf8');
    const text = `\u0001\udc00 ${sample.replace('#indicator+num+trucks', '#ndicator+num+trucks').replace(/\r?\n/g, '\r\n')}`;
    const response = await post(text);
    expect(response.statusCode).toBe(422);
    expect(response.json().error.code).toBe('HXL_INVALID');
  });
});
