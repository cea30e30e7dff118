import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAgreement } from '../agreement/parse.js';
import { reconcileDaily } from '../aid/daily.js';
import { Calendar } from '../engine/calendar.js';
import { evaluate } from '../engine/evaluate.js';
import type { TruceError } from '../errors.js';
import { parseEvent } from '../events/parse.js';
import { eventTypes, rowEventsOf, type TruceEvent } from '../events/schema.js';
import { canonicalize } from '../ledger/canonical-json.js';
import { batchEnvelopeText, batchReaderMarkers, HxlBatcher } from './batch.js';
import type { AidEvent } from './reader.js';

/**
 * An imported file's rows travel in `aid_batch` events: what a verifier hashes must be RFC 8785,
 * and what the engine sees once the batch is opened must be the rows as the reader made them.
 */

const sha256 = 'ab'.repeat(32);
const importedAt = '2025-03-02T08:00:00.000Z';
const { implicitIdPrefix, defaultReportedAt } = batchReaderMarkers;

const slug = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,12}$/);
const day = fc
  .integer({ min: 1, max: 28 })
  .map((d) => `2025-02-${String(d).padStart(2, '0')}T12:00:00+02:00`);
const count = fc.integer({ min: 0, max: 1_000_000 });
// Any text a cell can hold, control characters and non-Latin scripts included.
const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 });
const kept = fc.option(
  fc.dictionary(
    fc.constantFrom('#sector+cluster', '#org+impl', '#meta+note', '#a', '#a+b', '#a_b'),
    text,
    {
      minKeys: 1,
    },
  ),
  { nil: undefined },
);

/** A row as the reader makes it for a batched import, with the line it is on. */
const row = (line: number) =>
  fc
    .record({
      trucks: fc.boolean(),
      ownId: fc.option(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/), { nil: undefined }),
      occurredAt: day,
      ownReportedAt: fc.option(day, { nil: undefined }),
      org: fc.constantFrom('un', 'cogat'),
      crossing: slug,
      kind: slug,
      count,
      half: fc.option(count, { nil: undefined }),
      destination: fc.option(slug, { nil: undefined }),
      consignment: fc.option(text, { nil: undefined }),
      hxl: kept,
    })
    .map((r): AidEvent => {
      const base = {
        // A file's own ids are unique (the reader refuses a second one).
        id: r.ownId === undefined ? `${implicitIdPrefix}-${line}` : `${r.ownId}-${line}`,
        occurredAt: r.occurredAt,
        reportedAt: r.ownReportedAt ?? defaultReportedAt,
        source: r.org,
      };
      const hxl = r.hxl === undefined ? {} : { hxl: r.hxl };
      const destination = r.destination === undefined ? {} : { destination: r.destination };
      return r.trucks
        ? {
            ...base,
            type: 'aid_trucks_crossed',
            payload: {
              crossing: r.crossing,
              cargo: r.kind,
              count: r.count,
              ...destination,
              ...(r.half === undefined ? {} : { halfLoaded: r.half }),
              ...(r.consignment === undefined ? {} : { consignment: r.consignment }),
              ...hxl,
            },
          }
        : {
            ...base,
            type: 'aid_items_delivered',
            payload: { item: r.kind, count: r.count, crossing: r.crossing, ...destination, ...hxl },
          };
    });

const file = (rows: number) =>
  fc.tuple(...Array.from({ length: rows }, (_, index) => row(index + 3)));

/** The row as the engine must see it: its id and reportedAt decided, the batch's source. */
function expected(event: AidEvent, line: number): AidEvent {
  return {
    ...event,
    id: event.id.startsWith(implicitIdPrefix) ? `hxl-${sha256.slice(0, 16)}-${line}` : event.id,
    reportedAt: event.reportedAt === defaultReportedAt ? importedAt : event.reportedAt,
  } as AidEvent;
}

describe('aid_batch', () => {
  it('opens into the same rows, in file order, one organisation per batch (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain(file),
        fc.integer({ min: 1, max: 5 }),
        (rows, size) => {
          const batcher = new HxlBatcher(size);
          rows.forEach((event, index) => batcher.add(event, index + 3));
          const drafts = batcher.finish();
          const opened = drafts.flatMap((draft) => {
            expect(draft.rows).toBeLessThanOrEqual(size);
            const text = batchEnvelopeText(draft, { sha256, reportedAt: importedAt, keyId: 'k' });
            const envelope = JSON.parse(text);
            // The bytes signed are exactly what the ledger's canonicaliser gives for them.
            expect(text).toBe(canonicalize(envelope));
            const batch = parseEvent(envelope.event);
            expect(batch).toMatchObject({ type: 'aid_batch', source: draft.org });
            const events = rowEventsOf(batch)!;
            for (const event of events) {
              expect(Date.parse(batch.occurredAt)).toBeLessThanOrEqual(
                Date.parse(event.occurredAt),
              );
              expect(Date.parse(batch.reportedAt)).toBeLessThanOrEqual(
                Date.parse(event.reportedAt),
              );
            }
            return events;
          });
          const want = rows.map((event, index) => expected(event, index + 3));
          const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
          expect([...opened].sort(byId)).toEqual([...want].sort(byId));
          for (const org of ['un', 'cogat']) {
            expect(opened.filter((e) => e.source === org)).toEqual(
              want.filter((e) => e.source === org),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counts in the engine and the aid reconciliation exactly as its rows appended one by one', () => {
    const agreement = parseAgreement(
      readFileSync(
        new URL('../../../../examples/agreements/gaza-2025.yaml', import.meta.url),
        'utf8',
      ),
      'gaza-2025.yaml',
    );
    const crossings = ['kerem-shalom', 'zikim', 'kissufim'];
    const batcher = new HxlBatcher(7);
    const rows: AidEvent[] = [];
    for (let index = 0; index < 40; index++) {
      const line = index + 3;
      const event: AidEvent = {
        id: index % 9 === 0 ? `own-${index}` : `${implicitIdPrefix}-${line}`,
        type: 'aid_trucks_crossed',
        occurredAt: `2025-01-${String(19 + (index % 6)).padStart(2, '0')}T12:00:00+02:00`,
        reportedAt: defaultReportedAt,
        source: index % 3 === 0 ? 'un' : 'cogat',
        payload: {
          crossing: crossings[index % 3]!,
          cargo: index % 5 === 0 ? 'fuel' : 'food',
          destination: index % 2 === 0 ? 'north' : 'south',
          count: 40 + index,
          halfLoaded: index % 4,
        },
      };
      batcher.add(event, line);
      rows.push(expected(event, line));
    }
    const batches: TruceEvent[] = batcher
      .finish()
      .map((draft) =>
        parseEvent(
          JSON.parse(batchEnvelopeText(draft, { sha256, reportedAt: importedAt, keyId: 'k' }))
            .event,
        ),
      );
    expect(batches.length).toBeGreaterThan(5);
    const asOf = '2025-03-03T00:00:00+02:00';
    expect(evaluate(agreement, batches, asOf)).toEqual(evaluate(agreement, rows, asOf));
    const calendar = new Calendar(agreement.timeZone, agreement.zeroHour, agreement.zeroHourDay);
    const options = { asOf: Date.parse(asOf), calendar };
    const daily = reconcileDaily(agreement, batches, options);
    expect(daily.length).toBeGreaterThan(0);
    expect(daily).toEqual(reconcileDaily(agreement, rows, options));
    // The same rows again (a file imported under another name keeps its ids): counted once.
    expect(reconcileDaily(agreement, [...batches, ...rows], options)).toEqual(daily);
    expect(evaluate(agreement, [...batches, ...rows], asOf)).toEqual(
      evaluate(agreement, rows, asOf),
    );
  });

  it('refuses a table whose cells do not make valid rows, saying where', () => {
    const batcher = new HxlBatcher();
    batcher.add(
      {
        id: `${implicitIdPrefix}-3`,
        type: 'aid_trucks_crossed',
        occurredAt: '2025-01-19T12:00:00+02:00',
        reportedAt: defaultReportedAt,
        source: 'un',
        payload: { crossing: 'zikim', cargo: 'food', count: 3, hxl: { '#sector+cluster': 'x' } },
      },
      3,
    );
    const [draft] = batcher.finish();
    const { event } = JSON.parse(
      batchEnvelopeText(draft!, { sha256, reportedAt: importedAt, keyId: 'k' }),
    );
    expect(event.payload.columns).toEqual([
      'line',
      'type',
      'occurredAt',
      'crossing',
      'cargo',
      'count',
      '#sector+cluster',
    ]);
    expect(event.payload.rows).toEqual([[3, 0, 1, 2, 3, 3, 4]]);
    const refused = (change: (payload: typeof event.payload) => void) => {
      const copy = structuredClone(event);
      change(copy.payload);
      try {
        parseEvent(copy);
      } catch (error) {
        return (error as TruceError).details.map((d) => `${d.path}: ${d.message}`);
      }
      throw new Error('expected the batch to be refused');
    };
    expect(refused((p) => (p.rows[0][1] = 9))).toEqual(['payload.rows[0][1]: not a valid type']);
    expect(refused((p) => (p.rows[0][5] = -1))).toEqual(['payload.rows[0][5]: not a valid count']);
    expect(refused((p) => (p.rows[0][3] = null))).toEqual([
      'payload.rows[0]: no crossing on a trucks row',
    ]);
    expect(refused((p) => (p.values[2] = 'Not A Slug'))).toEqual([
      'payload.rows[0][3]: not a valid crossing',
    ]);
    expect(refused((p) => p.columns.push('#x'))).toEqual([
      'payload.rows[0]: a row has 8 cells, one per column',
    ]);
    // Cells and rows that JSON can hold but a batch cannot: each said, none taken as empty.
    expect(refused((p) => (p.rows[0][5] = '3'))).toEqual(['payload.rows[0][5]: not a valid count']);
    expect(refused((p) => (p.rows[0][5] = 2.5))).toEqual(['payload.rows[0][5]: not a valid count']);
    expect(refused((p) => (p.rows[0][2] = true))).toEqual([
      'payload.rows[0][2]: not a valid occurredAt',
    ]);
    expect(refused((p) => (p.rows[0] = 'abcdefg'))).toEqual([
      'payload.rows[0]: a row is an array of 7 cells, one per column',
    ]);
    expect(refused((p) => (p.rows = []))).toEqual(['payload.rows: an array of 1 to 1000 rows']);
    expect(refused((p) => (p.rows = { 0: [] }))).toEqual([
      'payload.rows: an array of 1 to 1000 rows',
    ]);
    expect(refused((p) => (p.rows = Array(1001).fill(p.rows[0])))).toEqual([
      'payload.rows: an array of 1 to 1000 rows',
    ]);
    expect(refused((p) => (p.columns[6] = 'Sector'))).toEqual([
      'payload.columns[6]: Sector is neither a field of a row nor an HXL hashtag',
    ]);
  });

  it('is not an event type an agreement can name, and other events stand for themselves', () => {
    expect(eventTypes).not.toContain('aid_batch');
    const event = parseEvent({
      id: 'e-1',
      type: 'aid_trucks_crossed',
      occurredAt: '2025-01-19T10:00:00+02:00',
      reportedAt: '2025-01-19T12:00:00+02:00',
      source: 'un',
      payload: { crossing: 'zikim', cargo: 'food', count: 3 },
    });
    expect(rowEventsOf(event)).toBeUndefined();
  });
});
