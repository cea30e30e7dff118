import { hxl, isTruceError, TruceError } from '@truce/core';
import { CsvError, parse } from 'csv-parse/sync';
import type { RecordDelimiter } from './segments.js';

/** Most problems listed in a report (all are counted); a file that bad is fixed at its source. */
export const maxListedProblems = 1000;

/** csv-parse's limit on a record's characters: a longer one is not a CSV row. */
const maxRecordSize = 1_000_000;

/** How the records of a file are read: what csv-parse and the HXL reader are told. */
export interface SegmentSettings {
  reader: hxl.HxlReadOptions;
  /** Between columns; HXL CSV uses commas. */
  delimiter: string;
  /** Group the rows into `aid_batch` drafts (an import), or only check them. */
  batches: boolean;
}

/** A record before the data rows (headers, the hashtag row), kept to start a reader anywhere. */
export interface HeadRecord {
  cells: string[];
  line: number;
}

/** What the rows of a file, or of a part of it, count. */
export interface RowCounts {
  /** Data rows that are events (blank rows and headers excluded). */
  events: number;
  trucksRows: number;
  trucks: number;
  itemsRows: number;
  items: number;
  /** The organisations reporting the rows, sorted. */
  sources: string[];
}

/** What reading some records found: enough for the file's summary, nothing per row. */
export interface SegmentResult extends RowCounts {
  first: { at: string; ms: number } | undefined;
  last: { at: string; ms: number } | undefined;
  /** The first `maxListedProblems`, in line order. */
  problems: hxl.HxlProblem[];
  problemCount: number;
  /**
   * Ids given in an `#meta+id` column with their lines: each one's first row for a reader of the
   * file's start, every row for a reader of a segment after the head (`HxlReader.duplicateIds`).
   */
  givenIds: [string, number][];
  drafts: hxl.BatchDraft[];
  /** The line of the last record read. */
  lastLine: number;
}

/**
 * Reads records into the counts of a file, and into batches: one reader for a run of segments
 * read one after the other (`readSegment` for each), or for one segment on a worker thread
 * after the file's head records. Batches never span segments: each segment's are closed at its
 * end, so that a file's batches are the same whichever thread read which segment.
 */
export class SegmentReader {
  readonly reader: hxl.HxlReader;
  readonly #settings: SegmentSettings;
  /** The records up to the hashtag row, while it is being looked for. */
  readonly head: HeadRecord[] = [];
  #result: SegmentResult = emptyResult();
  #batcher: hxl.HxlBatcher | undefined;
  readonly #onEvent: ((event: hxl.AidEvent, line: number) => void) | undefined;
  #previousAt = '';
  #previousMs = 0;
  #sources = new Set<string>();
  /** A problem was found: no more batches (nothing of the file will be imported). */
  #failed = false;

  constructor(
    settings: SegmentSettings,
    onEvent?: (event: hxl.AidEvent, line: number) => void,
    head?: readonly HeadRecord[],
  ) {
    this.#settings = settings;
    this.#onEvent = onEvent;
    // A reader of one segment among others leaves an id given on two rows to the caller, which
    // sees every segment's (read-hxl.ts).
    this.reader = new hxl.HxlReader(
      head === undefined ? settings.reader : { ...settings.reader, duplicateIds: 'collect' },
    );
    // A worker's reader starts where the file's data rows do: the head records put it there.
    for (const record of head ?? []) this.reader.read(record.cells, record.line);
  }

  /** Whether the reader has found the hashtag row (or refused the file). */
  get started(): boolean {
    return this.reader.hashtagLine !== undefined || this.reader.refused;
  }

  /**
   * Parses and reads the records of `bytes`, which start on line `firstLine`. A CSV syntax error
   * is thrown as HXL_INVALID located in the file. Returns false once the file is refused as a
   * whole (the rest need not be read).
   */
  readSegment(
    bytes: Buffer,
    firstLine: number,
    recordDelimiter?: RecordDelimiter,
    lineEnd?: RecordDelimiter,
  ): boolean {
    const options = this.#csvOptions(recordDelimiter);
    let records = plainRecords(bytes, lineEnd, this.#settings.delimiter);
    if (records === undefined) {
      try {
        records = parse(bytes, options) as string[][];
      } catch (error) {
        throw this.#located(error, bytes, firstLine, options);
      }
    }
    let nextLine = firstLine;
    for (const record of records) {
      const line = nextLine;
      nextLine += linesOf(record);
      if (!this.#record(record, line)) return false;
    }
    // A batch never spans segments.
    if (this.#batcher) this.#result.drafts.push(...this.#batcher.finish());
    this.#batcher = undefined;
    return true;
  }

  #csvOptions(recordDelimiter: RecordDelimiter | undefined) {
    return {
      delimiter: this.#settings.delimiter,
      relax_column_count: true,
      // Empty lines come through as records of one empty cell, so that lines can be counted
      // here (csv-parse's per-record info object costs a tenth of the whole pass).
      skip_empty_lines: false,
      max_record_size: maxRecordSize,
      ...(recordDelimiter !== undefined ? { record_delimiter: recordDelimiter } : {}),
    };
  }

  /** What was read so far; the reader goes on with an empty result. */
  take(): SegmentResult {
    const result = this.#result;
    result.sources = [...this.#sources].sort();
    result.givenIds = this.reader.takeGivenIds();
    this.#result = emptyResult();
    this.#result.lastLine = result.lastLine;
    this.#sources = new Set();
    return result;
  }

  /** One record: false when the reader refused the file and the rest is not read. */
  #record(record: string[], line: number): boolean {
    const result = this.#result;
    result.lastLine = line;
    const searching = this.reader.hashtagLine === undefined;
    const row = this.reader.read(record, line);
    if (searching && (row.kind === 'header' || row.kind === 'hashtags')) {
      this.head.push({ cells: record, line });
    }
    if (row.kind === 'invalid') {
      this.#problems(row.problems);
      return !this.reader.refused;
    }
    if (row.kind === 'skipped') return false;
    if (row.kind !== 'event') return true;
    const { event } = row;
    result.events++;
    if (event.type === 'aid_trucks_crossed') {
      result.trucksRows++;
      result.trucks += event.payload.count;
    } else {
      result.itemsRows++;
      result.items += event.payload.count;
    }
    this.#sources.add(event.source);
    // Rows of one day follow each other: parse an instant only when it changes.
    if (event.occurredAt !== this.#previousAt) {
      this.#previousAt = event.occurredAt;
      this.#previousMs = Date.parse(event.occurredAt);
    }
    const ms = this.#previousMs;
    if (result.first === undefined || ms < result.first.ms) {
      result.first = { at: event.occurredAt, ms };
    }
    if (result.last === undefined || ms > result.last.ms)
      result.last = { at: event.occurredAt, ms };
    if (!this.#failed) {
      this.#onEvent?.(event, line);
      if (this.#settings.batches) {
        this.#batcher ??= new hxl.HxlBatcher();
        this.#batcher.add(event, line);
      }
    }
    return true;
  }

  #problems(problems: readonly hxl.HxlProblem[]): void {
    const result = this.#result;
    result.problemCount += problems.length;
    for (const problem of problems) {
      if (result.problems.length < maxListedProblems) result.problems.push(problem);
    }
    // Nothing is imported from a file with problems: the batches so far are let go.
    this.#failed = true;
    this.#batcher = undefined;
    result.drafts = [];
  }

  /**
   * A CSV syntax error as HXL_INVALID at its line of the file. An unclosed quote is found at the
   * end; the row it opened is the one after the last record read, found by reading the records
   * again one at a time (only on this path: csv-parse's per-record info has a cost).
   */
  #located(
    error: unknown,
    bytes: Buffer,
    firstLine: number,
    options: Record<string, unknown>,
  ): unknown {
    if (isTruceError(error)) return error;
    const csv = error as { code?: string; lines?: number; message?: string };
    // csv-parse's codes: most start with CSV_, some (INVALID_OPENING_QUOTE…) do not.
    if (
      !(error instanceof CsvError || (typeof csv.code === 'string' && csv.code.startsWith('CSV_')))
    ) {
      return error;
    }
    let line: number;
    if (csv.code === 'CSV_QUOTE_NOT_CLOSED' || typeof csv.lines !== 'number') {
      let lastLine = firstLine - 1;
      let nextLine = firstLine;
      try {
        parse(bytes, {
          ...options,
          on_record: (record: string[]) => {
            lastLine = nextLine;
            nextLine += linesOf(record);
            return null;
          },
        });
      } catch {
        // The same error, now with the last record's line known.
      }
      line = Math.max(lastLine, this.#result.lastLine) + 1;
    } else {
      line = firstLine - 1 + csv.lines;
    }
    return csvError(csv.code, csv.message, line);
  }
}

/** A CSV syntax error at `line` as a located HXL problem. */
export function csvError(code: string | undefined, message: string | undefined, line: number) {
  const hint =
    code === 'CSV_QUOTE_NOT_CLOSED'
      ? 'a quote (") opens a value that never closes'
      : code === 'CSV_MAX_RECORD_SIZE'
        ? 'a row longer than 1 MB: is this a CSV file?'
        : (message ?? code ?? 'not CSV');
  return new TruceError('HXL_INVALID', `the file is not valid CSV at line ${line}: ${hint}`, [
    { line, message: hint },
  ]);
}

/**
 * The records of a segment without a quote character, as csv-parse reads them with these
 * options (no quoting, so every line end is a record's end and every delimiter a cell's), split
 * natively: about a tenth of csv-parse's time, and most machine-written files (daily figures) have
 * no quotes at all. Undefined where csv-parse must read it: a quote anywhere, lines ended by a
 * lone `\r` or not yet known, or a line longer than csv-parse's limit (which it refuses).
 * segments.test.ts checks that both give the same records.
 */
export function plainRecords(
  bytes: Buffer,
  lineEnd: RecordDelimiter | undefined,
  delimiter: string,
): string[][] | undefined {
  if (lineEnd === undefined || lineEnd === '\r' || bytes.includes(0x22)) return undefined;
  const lines = bytes.toString('utf8').split(lineEnd);
  // The segment ends with a line end, or is the end of the file: no record after the last one.
  if (lines.at(-1) === '') lines.pop();
  const records: string[][] = new Array(lines.length);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.length > maxRecordSize) return undefined;
    records[index] = line.split(delimiter);
  }
  return records;
}

/** A record spans one line, and one more for each line end inside its quoted values. */
function linesOf(record: readonly string[]): number {
  let lines = 1;
  for (const cell of record) {
    if (cell.includes('\n')) lines += cell.split('\n').length - 1;
  }
  return lines;
}

/** Counts of no rows. */
export function noRows(): RowCounts {
  return { events: 0, trucksRows: 0, trucks: 0, itemsRows: 0, items: 0, sources: [] };
}

function emptyResult(): SegmentResult {
  return {
    ...noRows(),
    first: undefined,
    last: undefined,
    problems: [],
    problemCount: 0,
    givenIds: [],
    drafts: [],
    lastLine: 0,
  };
}
