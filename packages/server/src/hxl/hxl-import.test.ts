import type { KeyObject } from 'node:crypto';
import { once } from 'node:events';
import {
  cpSync,
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hxl, parseAgreement, parseEvent, rowEventsOf } from '@truce/core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { OrgKeys } from '../accounts/org-keys.js';
import { memoryIo } from '../cli/io.js';
import { run } from '../cli/run.js';
import { Ledger, readLogIdentity } from '../ledger/index.js';
import { decodeEntry } from '../routes/status/status-service.js';
import { openPgliteStore, sqlDriverOf } from '../store/index.js';
import { HxlImporter } from './hxl-import.js';
import { ImportsRepository } from './imports-repository.js';

/**
 * The command line on fresh embedded databases: what a user of `truce import hxl` and
 * `truce export hxl` sees, and what ends up in the log.
 */

const scratch = mkdtempSync(join(tmpdir(), 'truce-hxl-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }), 60_000);
const root = new URL('../../../../', import.meta.url).pathname;
const agreementFile = join(root, 'examples/agreements/gaza-2025.yaml');
const sample = (name: string) => join(root, 'examples/aid', name);
const fixture = (name: string) => join(root, 'packages/server/src/hxl/testdata', name);

// One log is started (PGlite's first open is slow), then copied for each test that needs an
// empty database of its own.
let template: Promise<string> | undefined;
let folders = 0;
async function freshData(): Promise<string> {
  template ??= truce(['ledger', 'init', '--data', join(scratch, 'template')]).then((init) => {
    expect(init.code).toBe(0);
    return join(scratch, 'template');
  });
  const data = join(scratch, `data-${++folders}`);
  cpSync(await template, data, { recursive: true });
  return data;
}

async function truce(argv: string[], options: { isTTY?: boolean } = {}) {
  const io = memoryIo({ ...options, now: new Date('2025-03-02T10:00:00+02:00') });
  const code = await run(argv, io);
  return { code, stdout: io.output(), stderr: io.errors() };
}

const importHxl = (file: string, data: string, ...more: string[]) =>
  truce(['import', 'hxl', file, '--data', data, '--agreement', agreementFile, ...more]);

/** The events in a data folder's log, in order, without the key events. */
async function eventsIn(data: string) {
  const store = await openPgliteStore({ dataDir: data });
  try {
    const entries = await store.entries(0, 1_000_000);
    // An imported file's batches, as the engine and the export see them: their rows.
    return entries
      .map((entry) => decodeEntry(entry).event)
      .filter((event) => !event.type.startsWith('key_'))
      .flatMap((event) => rowEventsOf(parseEvent(event)) ?? [event]);
  } finally {
    await store.close();
  }
}

// The machine running the tests may be shared and slow: these open real databases.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

describe('truce import hxl', () => {
  it('imports both samples, once: the same file again changes nothing', async () => {
    const data = await freshData();
    const un = await importHxl(sample('un2720-daily.csv'), data);
    expect(un.stderr).toBe('');
    expect(un.code).toBe(0);
    expect(un.stdout).toMatch(
      /^imported .*un2720-daily\.csv as imp-[0-9a-f]{16}: 840 events: 840 truck rows \(20,110 trucks\), 2025-01-19 to 2025-03-01, reported by un at log positions \d+–\d+/,
    );
    expect(un.stdout).toContain('kept as they are: #sector+cluster #org+impl #meta+method');
    const cogat = await importHxl(sample('cogat-daily.csv'), data);
    expect(cogat.stdout).toContain(
      '1,056 events: 1,050 truck rows (26,543 trucks), 6 item rows (71,000 items)',
    );
    const before = await eventsIn(data);
    expect(before).toHaveLength(840 + 1056);

    const again = await importHxl(sample('un2720-daily.csv'), data);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /was already imported \(imp-[0-9a-f]{16}, .* by cli:rows\).*nothing changed/,
    );
    expect(await eventsIn(data)).toEqual(before);

    // A row of the UN sample, as the engine and the export will see it.
    const first = before.find((event) => event.source === 'un');
    expect(first).toMatchObject({
      type: 'aid_trucks_crossed',
      occurredAt: '2025-01-19T12:00:00+02:00',
      reportedAt: '2025-03-02T08:00:00.000Z',
      payload: {
        crossing: 'kerem-shalom',
        cargo: 'food',
        destination: 'south',
        count: 81,
        hxl: {
          '#sector+cluster': 'Food Security',
          '#org+impl': 'WFP',
          '#meta+method': 'collected after repacking; half-loaded trucks not counted',
        },
      },
    });
    expect(first?.id).toMatch(/^hxl-[0-9a-f]{16}-3$/);
  });

  it('export → import into an empty database gives the same events', async () => {
    const data = await freshData();
    await importHxl(sample('cogat-daily.csv'), data);
    await importHxl(sample('un2720-daily.csv'), data);
    const out = join(scratch, 'export.csv');
    const exported = await truce(['export', 'hxl', '--data', data, '--out', out]);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toBe(`wrote 1896 aid events to ${out}\n`);
    const text = readFileSync(out, 'utf8');
    expect(text.split('\r\n')[1]).toBe(
      '#meta+id,#date+occurred,#date+reported,#org+code,#loc+code,#adm1+code,#item+type,#item+name,#indicator+num+trucks,#indicator+num+halfloaded,#indicator+num+items,#meta+consignment,#meta+method,#org+impl,#sector+cluster',
    );

    const empty = await freshData();
    const back = await importHxl(out, empty);
    expect(back.code).toBe(0);
    expect(await eventsIn(empty)).toEqual(await eventsIn(data));
  });

  it('export --from/--to takes days of the agreement calendar', async () => {
    const data = await freshData();
    await importHxl(sample('cogat-daily.csv'), data);
    const result = await truce([
      'export',
      'hxl',
      '--data',
      data,
      '--from',
      '2025-01-19T00:00:00+02:00',
      '--to',
      '2025-01-20T00:00:00+02:00',
    ]);
    const rows = result.stdout.trim().split('\r\n').slice(2);
    // 5 lanes × 5 categories on Day 1.
    expect(rows).toHaveLength(25);
    expect(rows.every((row) => row.includes(',2025-01-19T12:00:00+02:00,'))).toBe(true);
  });

  it('export --reconciliation gives each day’s figures by source and what explains their gap', async () => {
    const data = await freshData();
    await importHxl(sample('cogat-daily.csv'), data);
    await importHxl(sample('un2720-daily.csv'), data);
    const out = join(scratch, 'reconciliation.csv');
    const result = await truce([
      'export',
      'hxl',
      '--reconciliation',
      '--data',
      data,
      '--agreement',
      agreementFile,
      '--from',
      '2025-01-19',
      '--to',
      '2025-01-19',
      '--out',
      out,
    ]);
    expect(result.stderr).toBe(`wrote the reconciliation of sources to ${out}\n`);
    const [, hashtags, ...rows] = readFileSync(out, 'utf8').trim().split('\r\n');
    expect(hashtags).toBe(
      '#date,#loc+code,#item+type,#org+code+higher,#indicator+num+trucks+higher,#indicator+num+halfloaded+higher,#org+code+lower,#indicator+num+trucks+lower,#indicator+num+halfloaded+lower,#indicator+num+difference,#indicator+num+explained+halfloads,#indicator+num+explained+scope,#indicator+num+unexplained,#description+reconciliation',
    );
    const cells = rows.map((row) => row.split(','));
    expect(cells.every((row) => row[0] === '2025-01-19')).toBe(true);
    // The day first (all crossings and cargo), then each crossing and cargo.
    const [day, ...byCell] = cells;
    expect(day?.slice(1, 4)).toEqual(['', '', 'cogat']);
    expect(day?.[6]).toBe('un');
    expect(byCell.some((row) => row[1] === 'kerem-shalom' && row[2] === 'food')).toBe(true);
    for (const row of cells) {
      const [higher, lower, difference, halfLoads, scope, unexplained] = [4, 7, 9, 10, 11, 12].map(
        (at) => Number(row[at]),
      );
      expect(difference).toBe(higher! - lower!);
      expect(halfLoads! + scope! + unexplained!).toBe(difference);
    }
    expect(rows[0]).toMatch(/"cogat [\d,]+, un [\d,]+: .*unexplained"$/);
  });

  it('a dry run checks and reports, and imports nothing', async () => {
    const data = await freshData();
    const result = await importHxl(sample('un2720-daily.csv'), data, '--dry-run');
    expect(result.stdout).toMatch(/is ready to import \(nothing imported: --dry-run\): 840 events/);
    expect(await eventsIn(data)).toEqual([]);
  });

  it('Windows-1256 (detected) and UTF-8 with BOM give the same events, Arabic kept', async () => {
    const data = await freshData();
    const legacy = await importHxl(fixture('arabic-windows-1256.csv'), data);
    expect(legacy.stdout).toContain('encoding windows-1256');
    const events1256 = await eventsIn(data);
    const other = await freshData();
    const bom = await importHxl(fixture('arabic-utf8-bom.csv'), other);
    expect(bom.stdout).toContain('encoding utf-8');
    const eventsBom = await eventsIn(other);
    const withoutIds = (events: Awaited<ReturnType<typeof eventsIn>>) =>
      events.map(({ id: _id, ...rest }) => rest);
    expect(withoutIds(events1256)).toEqual(withoutIds(eventsBom));
    expect(events1256.map((e) => (e.payload as { hxl: object }).hxl)).toEqual([
      { '#meta+note': 'قافلة غذائية' },
      { '#meta+note': 'مياه الشرب' },
    ]);
    // Said to be UTF-8, the Windows-1256 file is refused with the line, not imported as garbage.
    const forced = await importHxl(
      fixture('arabic-windows-1256.csv'),
      await freshData(),
      '--encoding',
      'utf-8',
    );
    expect(forced.code).toBe(2);
    expect(forced.stderr).toContain('is not UTF-8 (line 1 is not)');
  });

  it.each([
    [
      'bad-rows.csv',
      [
        'bad-rows.csv:4:5 #indicator+num+trucks: -4 is negative; a count is 0 or more',
        'bad-rows.csv:5:5 #indicator+num+trucks: "twelve" is not a number',
        'bad-rows.csv:6:1 #date: 2025-01-20 14:00 has no UTC offset',
        'bad-rows.csv:7:2 #loc+name: "Karni" is not a crossing of the agreement',
        'bad-rows.csv:8:3 #org+code: "example-relief" is not an organisation of the agreement',
      ],
    ],
    ['semicolons.csv', ['semicolons.csv:2:1 the columns are separated by semicolons, not commas']],
    ['no-hashtag-row.csv', ['no-hashtag-row.csv:2 no HXL hashtag row']],
    ['unclosed-quote.csv', ['unclosed-quote.csv:3 a quote (") opens a value that never closes']],
    ['utf16.csv', ['utf16.csv:1 UTF-16']],
  ])('%s: every problem located, nothing imported (exit 2)', async (name, expected) => {
    const data = await freshData();
    const result = await importHxl(fixture(name), data);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nothing was imported');
    const lines = result.stderr.trim().split('\n').slice(1);
    expect(lines).toHaveLength(expected.length);
    expected.forEach((start, index) => expect(lines[index]).toContain(start));
    expect(await eventsIn(data)).toEqual([]);
  });

  it('--assume-zone reads date-times without an offset in the agreement zone; --as restricts rows', async () => {
    const file = join(scratch, 'local-times.csv');
    writeFileSync(
      file,
      '#date,#loc+code,#item+type,#indicator+num+trucks\n2025-01-20 14:00,zikim,food,10\n',
    );
    const data = await freshData();
    expect((await importHxl(file, data, '--as', 'un')).stderr).toContain('has no UTC offset');
    const result = await importHxl(file, data, '--as', 'un', '--assume-zone');
    expect(result.code).toBe(0);
    expect(await eventsIn(data)).toMatchObject([
      {
        source: 'un',
        occurredAt: '2025-01-20T14:00:00+02:00',
        payload: { crossing: 'zikim', count: 10 },
      },
    ]);
    const other = await importHxl(sample('cogat-daily.csv'), data, '--as', 'un');
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(
      'this row is reported by cogat, and the file is imported for un',
    );
  });

  it('draws a progress bar on a terminal, and none in a pipe', async () => {
    const data = await freshData();
    const tty = await truce(
      ['import', 'hxl', sample('un2720-daily.csv'), '--data', data, '--agreement', agreementFile],
      { isTTY: true },
    );
    expect(tty.stderr).toMatch(/checking +\[#+\.*\] +\d+%/);
    expect(tty.stderr).toMatch(/importing +\[#+\] 100%/);
    const pipe = await importHxl(sample('cogat-daily.csv'), data);
    expect(pipe.stderr).toBe('');
  });
});

describe('whole or not at all', () => {
  it('a file of several batches and organisations: one batch refused by the ledger, none appended', async () => {
    const file = join(scratch, 'two-orgs.csv');
    const lines = ['#date,#loc+code,#org+code,#item+type,#indicator+num+trucks'];
    for (let row = 0; row < 2_500; row++) {
      lines.push(`2025-02-0${1 + (row % 9)},zikim,${row % 2 ? 'un' : 'cogat'},food,${row % 50}`);
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    const data = await freshData();
    const store = await openPgliteStore({ dataDir: data });
    try {
      const ledger = await Ledger.open(store, readLogIdentity(data));
      const keys = new OrgKeys(data, ledger);
      const now = new Date('2025-03-02T10:00:00+02:00');
      const cogat = await keys.keyFor('cogat', now);
      const un = await keys.keyFor('un', now);
      const importer = (keyFor: (org: string) => Promise<{ key: KeyObject; keyId: string }>) =>
        new HxlImporter(ledger, new ImportsRepository(sqlDriverOf(store)!), keyFor);
      const request = {
        open: () => createReadStream(file),
        agreement: parseAgreement(readFileSync(agreementFile, 'utf8'), agreementFile),
        importedBy: 'cli:rows',
        encoding: 'auto' as const,
        now,
      };
      const before = await store.size();
      // un's batches signed with cogat's key under un's key id: they do not verify.
      const forged = importer(async (org) => (org === 'un' ? { ...un, key: cogat.key } : cogat));
      await expect(forged.import(request)).rejects.toMatchObject({
        code: 'LEDGER_SIGNATURE_INVALID',
      });
      expect(await store.size()).toBe(before);
      // The same file, signed right: imported whole, two batches of each organisation.
      const report = await importer((org) => keys.keyFor(org, now)).import(request);
      expect(report).toMatchObject({ outcome: 'imported', appended: 2_500, repeated: 0 });
      expect(await store.size()).toBe(before + 4);
      await ledger.close();
    } finally {
      await store.close();
    }
  });
});

describe('usage', () => {
  it('helps, and refuses other formats and missing files with exit 2', async () => {
    const help = await truce(['import', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: truce import hxl FILE.csv');
    expect((await truce(['help', 'export'])).stdout).toContain('Usage: truce export hxl');
    const json = await truce(['import', 'json', 'x.json']);
    expect(json).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('imports hxl files, not "json"'),
    });
    const missing = await truce(['import', 'hxl', join(scratch, 'nothing.csv')]);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('no file') });
    const encoding = await truce([
      'import',
      'hxl',
      sample('un2720-daily.csv'),
      '--encoding',
      'latin1',
    ]);
    expect(encoding).toMatchObject({ code: 2, stderr: expect.stringContaining('not latin1') });
  });
});

describe('the samples', () => {
  it('are what their seeded generator gives (npx tsx scripts/generate-aid-examples.ts)', () => {
    for (const [name, text] of Object.entries(hxl.aidSampleFiles())) {
      expect(readFileSync(sample(name), 'utf8')).toBe(text);
    }
  });
});

describe('a large file', () => {
  it('imports 100,000 rows whole, then again as a no-op', async () => {
    const file = join(scratch, 'large.csv');
    const out = createWriteStream(file);
    out.write('Date,Crossing,Organisation,Cargo,Trucks,Half-loaded,Note\n');
    out.write(
      '#date,#loc+code,#org+code,#item+type,#indicator+num+trucks,#indicator+num+halfloaded,#meta+note\n',
    );
    const crossings = ['kerem-shalom', 'zikim', 'kissufim', 'erez'];
    const cargo = ['food', 'water', 'medical', 'shelter', 'fuel'];
    for (let row = 0; row < 100_000; row++) {
      const day = String(1 + (row % 28)).padStart(2, '0');
      const line = `2025-02-${day},${crossings[row % 4]},cogat,${cargo[row % 5]},${10 + (row % 90)},${row % 7},row ${row}\n`;
      if (!out.write(line)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
    const data = await freshData();
    const result = await importHxl(file, data);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('100,000 events: 100,000 truck rows');
    const store = await openPgliteStore({ dataDir: data });
    try {
      // The genesis entry, the key of cogat, then the file's rows in order, up to 1,000 an
      // entry: the file is read in segments of 1 MiB (side by side on threads when there are
      // cores to spare), and a batch never spans two segments.
      const size = await store.size();
      const batches = (await store.entries(2, size - 2)).map((entry) =>
        parseEvent(decodeEntry(entry).event),
      );
      let nextLine = 3;
      for (const batch of batches) {
        expect(batch).toMatchObject({ type: 'aid_batch', source: 'cogat' });
        const { lines, rows } = (
          batch as { payload: { lines: { first: number; last: number }; rows: unknown[] } }
        ).payload;
        expect(lines.first).toBe(nextLine);
        expect(lines.last - lines.first + 1).toBe(rows.length);
        expect(rows.length).toBeLessThanOrEqual(1000);
        nextLine = lines.last + 1;
      }
      expect(nextLine).toBe(100_003);
      // About 7 MiB: seven segments, each cut short once (not 100 batches of a single pass).
      expect(batches.length).toBeGreaterThan(100);
      expect(batches.length).toBeLessThan(110);
      expect(rowEventsOf(batches.at(-1)!)?.at(-1)).toMatchObject({
        id: expect.stringMatching(/^hxl-[0-9a-f]{16}-100002$/),
        payload: {
          count: 10 + (99_999 % 90),
          halfLoaded: 99_999 % 7,
          hxl: { '#meta+note': 'row 99999' },
        },
      });
    } finally {
      await store.close();
    }
    const again = await importHxl(file, data);
    expect(again.stdout).toContain('was already imported');
    // Read on one thread only (--read-threads 0): the same events, batch for batch.
    const single = await freshData();
    const alone = await importHxl(file, single, '--read-threads', '0');
    expect(alone.stdout).toContain('100,000 events: 100,000 truck rows');
    expect(await eventsIn(single)).toEqual(await eventsIn(data));
    expect((await importHxl(file, single, '--read-threads', 'many')).code).toBe(2);
  }, 300_000);
});
