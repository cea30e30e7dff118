import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { eventSchema, hxl, parseAgreement } from '@truce/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readHxlFile } from './read-hxl.js';

/**
 * Export → import gives the same events, for any aid events the agreement allows: what the
 * export writes (core hxl writer) read back by the streaming import (csv-parse, the decoder and
 * the mapper), ids, instants, counts, optional fields and kept tags included.
 */

const agreement = parseAgreement(
  readFileSync(new URL('../../../../examples/agreements/gaza-2025.yaml', import.meta.url), 'utf8'),
  'gaza-2025.yaml',
);
const crossings = agreement.places.filter((p) => p.kind === 'crossing').map((p) => p.id);
const areas = agreement.places.filter((p) => p.kind === 'area').map((p) => p.id);
const orgs = agreement.parties.map((p) => p.id);

const slug = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/);
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const instant = fc
  .record({
    ms: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
    offset: fc.constantFrom('Z', '+02:00', '+03:00', '-05:30'),
    fraction: fc.constantFrom('', '.5', '.123'),
  })
  .map(({ ms, offset, fraction }) => {
    const d = new Date(ms);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${fraction}${offset}`;
  });
const count = fc.integer({ min: 0, max: 1_000_000 });
const keptTag = fc
  .tuple(
    fc.constantFrom('sector', 'activity', 'meta', 'x_source', 'date', 'org'),
    fc.subarray(['cluster', 'note', 'impl', 'a1', 'detail'], { minLength: 0, maxLength: 3 }),
  )
  .map(([tag, attributes]) => `#${tag}${attributes.map((a) => `+${a}`).join('')}`)
  .filter((tag) => hxl.fieldOf(hxl.parseHashtag(tag)!) === undefined);
const keptValue = fc.string({ minLength: 1, maxLength: 40 }).filter((v) => v.trim() !== '');
const kept = fc.option(fc.dictionary(keptTag, keptValue, { minKeys: 1, maxKeys: 3 }), {
  nil: undefined,
});
const trimmed = fc
  .string({ minLength: 1, maxLength: 30 })
  .map((v) => v.trim())
  .filter((v) => v !== '');

const envelope = {
  occurredAt: instant,
  reportedAt: instant,
  source: fc.constantFrom(...orgs),
};

const trucks = fc
  .record({
    ...envelope,
    crossing: fc.constantFrom(...crossings),
    cargo: slug,
    destination: fc.option(fc.constantFrom(...areas), { nil: undefined }),
    count,
    half: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    consignment: fc.option(trimmed, { nil: undefined }),
    hxl: kept,
  })
  .map(({ occurredAt, reportedAt, source, half, hxl: tags, ...p }) => ({
    occurredAt,
    reportedAt,
    source,
    type: 'aid_trucks_crossed' as const,
    payload: Object.fromEntries(
      Object.entries({
        ...p,
        halfLoaded: half === undefined ? undefined : Math.floor(half * p.count),
        hxl: tags,
      }).filter(([, value]) => value !== undefined),
    ),
  }));

const items = fc
  .record({
    ...envelope,
    crossing: fc.option(fc.constantFrom(...crossings), { nil: undefined }),
    item: slug,
    destination: fc.option(fc.constantFrom(...areas), { nil: undefined }),
    count,
    hxl: kept,
  })
  .map(({ occurredAt, reportedAt, source, ...p }) => ({
    occurredAt,
    reportedAt,
    source,
    type: 'aid_items_delivered' as const,
    payload: Object.fromEntries(Object.entries(p).filter(([, value]) => value !== undefined)),
  }));

const events = fc
  .uniqueArray(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,40}$/), {
    minLength: 1,
    maxLength: 25,
  })
  .chain((ids) =>
    fc
      .array(fc.oneof(trucks, items), { minLength: ids.length, maxLength: ids.length })
      .map((list) => list.map((event, index) => eventSchema.parse({ id: ids[index], ...event }))),
  );

function exportText(list: readonly hxl.AidEvent[]): string {
  const keptTags = hxl.keptHashtagsOf(list);
  return [...hxl.hxlHeaderRows(keptTags), ...list.map((event) => hxl.hxlRowOf(event, keptTags))]
    .map(hxl.csvLine)
    .join('');
}

async function importText(text: string): Promise<hxl.AidEvent[]> {
  const found: hxl.AidEvent[] = [];
  const summary = await readHxlFile(
    Readable.from([Buffer.from(text)]),
    {
      agreement,
      reportedAt: '2030-01-01T00:00:00Z',
      encoding: 'auto',
      idPrefix: 'unused',
    },
    (event) => {
      found.push(event);
    },
  );
  expect(summary.problems).toEqual([]);
  return found;
}

describe('HXL round trip', () => {
  it('export → import gives the same events (property)', async () => {
    await fc.assert(
      fc.asyncProperty(events, async (list) => {
        const aid = list.filter(hxl.isAidEvent);
        expect(await importText(exportText(aid))).toEqual(aid);
      }),
      { numRuns: 150 },
    );
  });
});
