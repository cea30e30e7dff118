import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAgreement } from '../agreement/parse.js';
import { eventSchema } from '../events/schema.js';
import { type AidEvent, type HxlProblem, HxlReader, type HxlReadOptions } from './reader.js';
import { csvLine, hxlHeaderRows, hxlRowOf, keptHashtagsOf } from './writer.js';

const agreement = parseAgreement(
  readFileSync(new URL('../../../../examples/agreements/gaza-2025.yaml', import.meta.url), 'utf8'),
  'gaza-2025.yaml',
);

const base: HxlReadOptions = {
  agreement,
  reportedAt: '2025-01-21T09:00:00+02:00',
  idPrefix: 'hxl-0123456789abcdef',
};

/** Reads rows (already split into cells) from line 1 on; what a user would get back. */
function read(rows: string[][], options: Partial<HxlReadOptions> = {}) {
  const reader = new HxlReader({ ...base, ...options });
  const events: AidEvent[] = [];
  const problems: HxlProblem[] = [];
  rows.forEach((cells, index) => {
    const row = reader.read(cells, index + 1);
    if (row.kind === 'event') events.push(row.event);
    if (row.kind === 'invalid') problems.push(...row.problems);
  });
  problems.push(...reader.finish(rows.length));
  return { events, problems, reader };
}

const header = ['Date', 'Crossing', 'Governorate', 'Organisation', 'Cargo', 'Trucks', 'Sector'];
const tags = [
  '#date',
  '#loc+name',
  '#adm1+name',
  '#org+code',
  '#item+type',
  '#indicator+num+trucks',
  '#sector+cluster',
];

describe('HXL rows to aid events', () => {
  it('maps columns by hashtag, reads a day in the agreement zone, keeps unknown tags', () => {
    const { events, problems } = read([
      header,
      tags,
      ['2025-01-20', 'Kerem Shalom', 'Northern Gaza', 'un', 'Food', '180', 'Food Security'],
    ]);
    expect(problems).toEqual([]);
    expect(events).toEqual([
      {
        id: 'hxl-0123456789abcdef-3',
        type: 'aid_trucks_crossed',
        occurredAt: '2025-01-20T12:00:00+02:00',
        reportedAt: '2025-01-21T09:00:00+02:00',
        source: 'un',
        payload: {
          crossing: 'kerem-shalom',
          cargo: 'food',
          destination: 'north',
          count: 180,
          hxl: { '#sector+cluster': 'Food Security' },
        },
      },
    ]);
    // What the reader builds is what the event schema accepts, unchanged.
    expect(eventSchema.parse(events[0])).toEqual(events[0]);
  });

  it('ignores the header text and the order of columns and attributes', () => {
    const { events, problems } = read(
      [
        ['x', 'y', 'z', 'w'],
        ['#INDICATOR +trucks +num', '#Date', '#loc+crossing+code', '#item+name'],
        ['42', '2025-01-20T16:00:00+02:00', 'rafah', 'fuel'],
      ],
      { reportingOrg: 'cogat' },
    );
    expect(problems).toEqual([]);
    expect(events[0]).toMatchObject({
      source: 'cogat',
      occurredAt: '2025-01-20T16:00:00+02:00',
      payload: { crossing: 'rafah', cargo: 'fuel', count: 42 },
    });
  });

  it('reads item counts, half-loaded trucks, reported times and given ids', () => {
    const { events, problems } = read([
      [
        '#meta+id',
        '#date+occurred',
        '#date+reported',
        '#org+code',
        '#loc+code',
        '#item+type',
        '#item+name',
        '#indicator+num+trucks',
        '#indicator+num+halfloaded',
        '#indicator+num+items',
      ],
      [
        'a-1',
        '2025-01-20T13:00:00+02:00',
        '2025-01-21T09:00:00+02:00',
        'un',
        'kerem-shalom',
        'fuel',
        '',
        '48',
        '3',
        '',
      ],
      ['a-2', '2025-01-25', '2025-01-26T09:00:00Z', 'un', 'rafah', '', 'Tents', '', '', '12,000'],
    ]);
    expect(problems).toEqual([]);
    expect(events).toEqual([
      {
        id: 'a-1',
        type: 'aid_trucks_crossed',
        occurredAt: '2025-01-20T13:00:00+02:00',
        reportedAt: '2025-01-21T09:00:00+02:00',
        source: 'un',
        payload: { crossing: 'kerem-shalom', cargo: 'fuel', count: 48, halfLoaded: 3 },
      },
      {
        id: 'a-2',
        type: 'aid_items_delivered',
        occurredAt: '2025-01-25T12:00:00+02:00',
        reportedAt: '2025-01-26T09:00:00Z',
        source: 'un',
        payload: { crossing: 'rafah', item: 'tents', count: 12000 },
      },
    ]);
  });

  it('finds the hashtag row under several header rows and skips blank rows', () => {
    const { events, problems, reader } = read([
      ['Daily figures (synthetic)'],
      [],
      header,
      tags,
      ['', '', ''],
      ['2025-01-20', 'Zikim', '', 'cogat', 'water', '7', ''],
    ]);
    expect(problems).toEqual([]);
    expect(reader.hashtagLine).toBe(4);
    expect(events.map((e) => e.id)).toEqual(['hxl-0123456789abcdef-6']);
  });
});

describe('bad input: every problem located, nothing taken from a bad file', () => {
  it('no hashtag row', () => {
    const { events, problems } = read([header, ['2025-01-20', 'Zikim']]);
    expect(events).toEqual([]);
    expect(problems).toEqual([{ line: 2, message: expect.stringContaining('no HXL hashtag row') }]);
  });

  it('no hashtag row in the first 25 rows: the rest is not read', () => {
    const rows = Array.from({ length: 30 }, () => ['2025-01-20', 'Zikim']);
    const { problems } = read(rows);
    expect(problems).toEqual([{ line: 25, message: expect.stringContaining('first 25 rows') }]);
  });

  it('semicolons instead of commas', () => {
    const { problems } = read([['Date;Trucks'], ['#date;#indicator+num+trucks'], ['2025-01-20;3']]);
    expect(problems).toEqual([
      { line: 2, column: 1, message: expect.stringContaining('separated by semicolons') },
    ]);
  });

  it('required columns missing, or two columns saying the same', () => {
    const { problems } = read([['#loc+name', '#loc+crossing+name', '#org+code']]);
    expect(problems.map((p) => [p.line, p.column, p.message.slice(0, 40)])).toEqual([
      [1, 2, '#loc+crossing+name says the same as #loc'],
      [1, undefined, 'no #date column: each row needs the day '],
      [1, undefined, 'no count column: #indicator+num+trucks ('],
    ]);
  });

  it('each bad cell of each row, with line, column and hashtag', () => {
    const { events, problems } = read([
      header,
      tags,
      ['2025-01-20', 'Kerem Shalom', 'north', 'un', 'food', '-5', ''],
      ['2025-01-20', 'Kerem Shalom', 'north', 'un', 'food', 'many', ''],
      ['2025-01-20', 'Kerem Shalom', 'north', 'un', 'food', '2.5', ''],
      ['2025-01-20 16:00', 'Kerem Shalom', 'north', 'un', 'food', '1', ''],
      ['20/01/2025', 'Karni', 'Gaza City', 'example-relief', 'food', '1', ''],
      ['2025-02-30', 'Kerem Shalom', 'north', 'un', 'food', '1', ''],
      ['2025-01-20', 'Kerem Shalom', 'north', 'un', 'food', '2000000', ''],
      ['2025-01-20', 'Kerem Shalom', 'north', 'un', 'food', '3', 'ok'],
    ]);
    const short = problems.map((p) => `${p.line}:${p.column} ${p.hashtag} ${p.message}`);
    expect(short).toEqual([
      '3:6 #indicator+num+trucks -5 is negative; a count is 0 or more',
      '4:6 #indicator+num+trucks "many" is not a number',
      '5:6 #indicator+num+trucks 2.5 is not a whole number; count trucks and items in whole units',
      expect.stringMatching(/^6:1 #date 2025-01-20 16:00 has no UTC offset; .*--assume-zone/),
      expect.stringMatching(/^7:1 #date "20\/01\/2025" is not a date: use ISO 8601/),
      expect.stringMatching(
        /^7:4 #org\+code "example-relief" is not an organisation of the agreement/,
      ),
      expect.stringMatching(
        /^7:2 #loc\+name "Karni" is not a crossing of the agreement \(crossings: kerem-shalom, rafah, erez, zikim, kissufim\)/,
      ),
      expect.stringMatching(/^7:3 #adm1\+name "Gaza City" is not a destination area/),
      '8:1 #date 2025-02-30 is not a date of the calendar',
      '9:6 #indicator+num+trucks 2000000 is more than 1,000,000; check the column',
    ]);
    // The good row is mapped, but the caller imports nothing while any row is bad.
    expect(events).toHaveLength(1);
  });

  it('times without an offset are read in the agreement zone only when asked', () => {
    const { events, problems } = read(
      [tags, ['2025-01-20 16:00', 'Kerem Shalom', '', 'un', 'food', '1', '']],
      { assumeZone: true },
    );
    expect(problems).toEqual([]);
    expect(events[0]?.occurredAt).toBe('2025-01-20T16:00:00+02:00');
  });

  it('rows of another organisation than the importing one', () => {
    const { problems } = read([tags, ['2025-01-20', 'Rafah', '', 'cogat', 'food', '1', '']], {
      reportingOrg: 'un',
    });
    expect(problems).toEqual([
      {
        line: 2,
        column: 4,
        hashtag: '#org+code',
        message: expect.stringContaining('reported by cogat, and the file is imported for un'),
      },
    ]);
  });

  it('half-loaded more than the trucks, trucks and items on one row, a repeated id', () => {
    const { problems } = read([
      [
        '#meta+id',
        '#date',
        '#org+code',
        '#loc+code',
        '#item+type',
        '#indicator+num+trucks',
        '#indicator+num+halfloaded',
        '#indicator+num+items',
      ],
      ['x', '2025-01-20', 'un', 'rafah', 'food', '3', '4', ''],
      ['y', '2025-01-20', 'un', 'rafah', 'food', '3', '', '9'],
      ['z', '2025-01-20', 'un', 'rafah', 'food', '3', '', ''],
      ['z', '2025-01-20', 'un', 'rafah', 'food', '3', '', ''],
    ]);
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      '2:7 4 half-loaded trucks of 3: more than all',
      '3:8 a row counts trucks or items, not both; put the items on a row of their own',
      '5:1 event id z is also on line 4',
    ]);
  });
});

describe('HXL export rows', () => {
  it('write what the reader reads back, kept tags included', () => {
    const { events } = read([
      header,
      tags,
      ['2025-01-20', 'Kerem Shalom', 'Northern Gaza', 'un', 'Food', '180', 'Food, "Security"'],
    ]);
    const kept = keptHashtagsOf(events);
    const [names, hashtags] = hxlHeaderRows(kept);
    const rows = [names, hashtags, ...events.map((event) => hxlRowOf(event, kept))];
    expect(csvLine(rows[2]!)).toBe(
      'hxl-0123456789abcdef-3,2025-01-20T12:00:00+02:00,2025-01-21T09:00:00+02:00,un,kerem-shalom,north,food,,180,,,,"Food, ""Security"""\r\n',
    );
    expect(read(rows).events).toEqual(events);
  });
});
