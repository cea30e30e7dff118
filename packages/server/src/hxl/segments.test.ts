import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parseAgreement } from '@truce/core';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readHxlFile } from './read-hxl.js';
import { plainRecords } from './segment-reader.js';
import { type Segment, Segmenter } from './segments.js';

/** A CSV text of `records` (quoted where RFC 4180 needs it) with `eol` line ends. */
function csvOf(records: string[][], eol: string, trailing: boolean): string {
  const quoted = (cell: string) =>
    /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
  const text = records.map((record) => record.map(quoted).join(',')).join(eol);
  return trailing ? text + eol : text;
}

function segmentsOf(bytes: Buffer, cuts: number[], segmentBytes: number): Segment[] {
  const segmenter = new Segmenter(segmentBytes);
  const out: Segment[] = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    out.push(...segmenter.push(bytes.subarray(at, cut)));
    at = cut;
  }
  const last = segmenter.end();
  if (last) out.push(last);
  return out;
}

const cell = fc.stringMatching(/^[a-zé ,"\r\n]{0,6}$/);
const records = fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), {
  minLength: 1,
  maxLength: 30,
});

describe('Segmenter', () => {
  it('cuts at record boundaries only, whatever the chunks: the segments parse as the file does', () => {
    fc.assert(
      fc.property(
        records,
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.array(fc.nat({ max: 400 }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 60 }),
        (list, eol, trailing, cuts, segmentBytes) => {
          const bytes = Buffer.from(csvOf(list, eol, trailing));
          const segments = segmentsOf(bytes, cuts, segmentBytes);
          expect(Buffer.concat(segments.map((s) => s.bytes)).equals(bytes)).toBe(true);
          const whole = parse(bytes, { relax_column_count: true, skip_empty_lines: false });
          const pieces = segments.flatMap((segment, index) =>
            parse(segment.bytes, {
              relax_column_count: true,
              skip_empty_lines: false,
              ...(index > 0 ? { record_delimiter: eol } : {}),
            }),
          );
          expect(pieces).toEqual(whole);
          let line = 1;
          segments.forEach((segment, index) => {
            expect(segment.index).toBe(index);
            expect(segment.firstLine).toBe(line);
            line += segment.bytes.toString('latin1').split('\n').length - 1;
          });
          // The same bytes in other chunks give the same segments.
          const again = segmentsOf(bytes, [], segmentBytes);
          expect(again.map((s) => s.bytes.length)).toEqual(segments.map((s) => s.bytes.length));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finds the line ends as csv-parse does: \\r\\n before \\r, and none inside quotes', () => {
    const delimiterOf = (text: string) => {
      const segmenter = new Segmenter(1);
      segmenter.push(Buffer.from(text));
      return segmenter.recordDelimiter;
    };
    expect(delimiterOf('a,b\r\nc')).toBe('\r\n');
    expect(delimiterOf('a,b\nc')).toBe('\n');
    expect(delimiterOf('a,b\rc')).toBe('\r');
    expect(delimiterOf('"a\nb",c\r\nd')).toBe('\r\n');
    // A `\r\n` cut between two chunks.
    const split = new Segmenter(1);
    split.push(Buffer.from('a,b\r'));
    split.push(Buffer.from('\nc,d\r\n'));
    expect(split.recordDelimiter).toBe('\r\n');
  });

  it('keeps a file of lone \\r line ends whole, and with \\r\\n ends a lone \\n is no boundary', () => {
    expect(segmentsOf(Buffer.from('a\rb\rc\rd\r'), [], 1)).toHaveLength(1);
    const crlf = segmentsOf(Buffer.from('a\r\nb\nc\r\nd\r\n'), [], 1);
    expect(crlf.map((s) => s.bytes.toString())).toEqual(['a\r\n', 'b\nc\r\n', 'd\r\n']);
    expect(crlf.map((s) => s.firstLine)).toEqual([1, 2, 4]);
  });

  it('cuts a segment without a boundary after 8 MiB (an unclosed quote), so memory stays bounded', () => {
    const segmenter = new Segmenter(16);
    const out = [...segmenter.push(Buffer.from('a,b\n"open'))];
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 9; i++) out.push(...segmenter.push(chunk));
    expect(out.length).toBeGreaterThanOrEqual(1);
    expect(out.every((s) => s.bytes.length <= 9 * 1024 * 1024)).toBe(true);
  });
});

describe('plainRecords', () => {
  it('reads a text without quotes as csv-parse does, and leaves any other to it', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-zé ,;\t\r\n\u00a0]{0,80}$/),
        fc.constantFrom('\n', '\r\n'),
        fc.constantFrom(',', ';', '\t', ';;'),
        (text, lineEnd, delimiter) => {
          const bytes = Buffer.from(text);
          const options = {
            delimiter,
            relax_column_count: true,
            skip_empty_lines: false,
            max_record_size: 1_000_000,
            record_delimiter: lineEnd,
          };
          expect(plainRecords(bytes, lineEnd, delimiter)).toEqual(parse(bytes, options));
        },
      ),
      { numRuns: 2000 },
    );
    expect(plainRecords(Buffer.from('a,"b"\n'), '\n', ',')).toBeUndefined();
    expect(plainRecords(Buffer.from('a,b\rc,d\r'), '\r', ',')).toBeUndefined();
    expect(plainRecords(Buffer.from('a,b'), undefined, ',')).toBeUndefined();
    expect(plainRecords(Buffer.from(`${'x'.repeat(1_000_001)}\n`), '\n', ',')).toBeUndefined();
  });
});

const agreementPath = new URL('../../../../examples/agreements/gaza-2025.yaml', import.meta.url);
const agreement = parseAgreement(readFileSync(agreementPath, 'utf8'), agreementPath.pathname);

describe('reading a file in segments', () => {
  const header =
    'Date,Crossing,Org,Cargo,Trucks,Id,Note\n#date,#loc+code,#org+code,#item+type,#indicator+num+trucks,#meta+id,#meta+note\n';
  const row = fc.record({
    day: fc.integer({ min: 1, max: 28 }),
    crossing: fc.constantFrom('zikim', 'kerem-shalom', 'nowhere'),
    cargo: fc.constantFrom('food', 'fuel', ''),
    trucks: fc.constantFrom('3', '12', '-1', 'x'),
    id: fc.constantFrom('', 'a-1', 'a-2', 'a-3'),
    // Mostly plain: segments without a quote are read without csv-parse (plainRecords).
    note: fc.oneof(fc.stringMatching(/^[a-z ]{0,8}$/), fc.stringMatching(/^[a-z ,"\n]{0,8}$/)),
  });
  const fileOf = (
    rows: {
      day: number;
      crossing: string;
      cargo: string;
      trucks: string;
      id: string;
      note: string;
    }[],
    eol: string,
  ) =>
    (
      header +
      rows
        .map(
          (r) =>
            `2025-02-${String(r.day).padStart(2, '0')},${r.crossing},cogat,${r.cargo},${r.trucks},${r.id},${/[",\n]/.test(r.note) ? `"${r.note.replaceAll('"', '""')}"` : r.note}`,
        )
        .join('\n') +
      '\n'
    ).replaceAll('\n', eol);

  const read = async (text: string, threads: number, segmentBytes: number) => {
    const batches: unknown[] = [];
    const summary = await readHxlFile(Readable.from([Buffer.from(text)]), {
      agreement,
      reportedAt: '2025-03-01T00:00:00Z',
      encoding: 'auto',
      idPrefix: 'hxl-test',
      threads,
      segmentBytes,
      batches: batches as never,
    });
    return { summary, batches };
  };

  it('gives the same summary and batches on one thread and on a worker, and the same summary as one segment', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 40 }),
        fc.constantFrom('\n', '\r\n'),
        fc.integer({ min: 40, max: 400 }),
        async (rows, eol, segmentBytes) => {
          const text = fileOf(rows, eol);
          const here = await read(text, 0, segmentBytes);
          const threaded = await read(text, 1, segmentBytes);
          expect(threaded).toEqual(here);
          // Read as one segment: the same summary. With problems, the same problems (an id on
          // two segments' rows is said the same, in another place among its row's problems).
          const whole = await read(text, 0, 1 << 30);
          const problems = (s: typeof whole.summary) =>
            [...s.problems].sort((a, b) => a.line - b.line || a.message.localeCompare(b.message));
          expect(problems(here.summary)).toEqual(problems(whole.summary));
          expect(here.summary.problemCount).toBe(whole.summary.problemCount);
          if (whole.summary.problemCount === 0) expect(here.summary).toEqual(whole.summary);
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);

  it.each([
    ['an unclosed quote', (rows: string) => `${rows}2025-02-01,zikim,cogat,food,3,,"open\n`],
    [
      'a value of more than a million characters',
      (rows: string) => `${rows}2025-02-01,zikim,cogat,food,3,,"${'x'.repeat(1_200_000)}"\n${rows}`,
    ],
  ])(
    'says %s at the same line on one thread and on a worker',
    async (_, make) => {
      const rows = Array.from(
        { length: 30 },
        (_, i) => `2025-02-01,zikim,cogat,food,${i},,"note, ${i}"\n`,
      ).join('');
      const text = header + make(rows);
      const outcome = (threads: number) =>
        read(text, threads, 200).then(
          () => 'read',
          (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
        );
      const here = await outcome(0);
      expect(here).toMatch(/^HXL_INVALID: the file is not valid CSV at line \d+/);
      expect(await outcome(1)).toBe(here);
      expect(await outcome(0)).toBe(
        await read(text, 0, 1 << 30).then(
          () => 'read',
          (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`,
        ),
      );
    },
    60_000,
  );

  it('fails the reading with one INTERNAL error when a thread dies, never waits for it', async () => {
    const rows = Array.from(
      { length: 3000 },
      (_, i) => `2025-02-01,zikim,cogat,food,${i},,n${i}\n`,
    );
    const text = header + rows.join('');
    // A thread given a heap too small to start or to read runs out of memory and stops.
    const outcome = await readHxlFile(Readable.from([Buffer.from(text)]), {
      agreement,
      reportedAt: '2025-03-01T00:00:00Z',
      encoding: 'auto',
      idPrefix: 'hxl-test',
      threads: 1,
      segmentBytes: 2048,
      threadHeapMb: 1,
    }).then(
      () => 'read',
      (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
    );
    expect(outcome).toMatch(
      /^INTERNAL: a thread reading the file failed \(.+\); nothing was imported$/,
    );
  }, 60_000);
});
