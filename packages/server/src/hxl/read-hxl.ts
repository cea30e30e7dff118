import { createHash } from 'node:crypto';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Agreement, hxl, isTruceError, TruceError } from '@truce/core';
import { CsvError, parse } from 'csv-parse';
import { HxlDecoder, type HxlEncoding } from './decode.js';

export interface HxlFileOptions {
  agreement: Agreement;
  reportingOrg?: string | undefined;
  assumeZone?: boolean | undefined;
  reportedAt: string;
  encoding: HxlEncoding;
  /** Between columns; HXL CSV uses commas. */
  delimiter?: string | undefined;
  /** Called as bytes are read (for a progress bar). */
  onProgress?: ((bytes: number) => void) | undefined;
}

/** Most problems listed in a report (all are counted); a file that bad is fixed at its source. */
export const maxListedProblems = 1000;

/** What a pass over a file found: enough for the import report, nothing per row. */
export interface HxlFileSummary {
  sha256: string;
  bytes: number;
  encoding: 'utf-8' | 'windows-1256' | undefined;
  /** The line of the hashtag row. */
  hashtagLine: number | undefined;
  /** Hashtags of the columns kept as they are in each event's `payload.hxl`. */
  keptHashtags: string[];
  /** Data rows that are events (blank rows and headers excluded). */
  events: number;
  trucksRows: number;
  trucks: number;
  itemsRows: number;
  items: number;
  sources: string[];
  firstOccurredAt: string | undefined;
  lastOccurredAt: string | undefined;
  problems: hxl.HxlProblem[];
  /** All problems, also those past `maxListedProblems`. */
  problemCount: number;
}

/** Counts bytes and hashes them on the way through. */
class HashTap extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  readonly #onProgress: ((bytes: number) => void) | undefined;

  constructor(onProgress: ((bytes: number) => void) | undefined) {
    super();
    this.#onProgress = onProgress;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.#onProgress?.(this.bytes);
    done(null, chunk);
  }
}

/**
 * One streaming pass over an HXL CSV file: bytes → hash → text → CSV records → events. Memory
 * does not grow with the file: each event goes to `onEvent` (awaited, so a slow consumer slows
 * the reading instead of piling rows up) and is forgotten. `idPrefix` names the generated ids;
 * a first pass that only validates may pass any.
 */
export async function readHxlFile(
  source: Readable,
  options: HxlFileOptions & { idPrefix: string },
  onEvent?: (event: hxl.AidEvent, line: number) => Promise<void> | void,
): Promise<HxlFileSummary> {
  const reader = new hxl.HxlReader({
    agreement: options.agreement,
    reportingOrg: options.reportingOrg,
    assumeZone: options.assumeZone,
    reportedAt: options.reportedAt,
    idPrefix: options.idPrefix,
  });
  const tap = new HashTap(options.onProgress);
  const decoder = new HxlDecoder(options.encoding);
  const parser = parse({
    delimiter: options.delimiter ?? ',',
    relax_column_count: true,
    // Empty lines come through as records of one empty cell, so that lines can be counted
    // here (csv-parse's per-record info object costs a tenth of the whole pass).
    skip_empty_lines: false,
    max_record_size: 1_000_000,
  });
  const summary: HxlFileSummary = {
    sha256: '',
    bytes: 0,
    encoding: undefined,
    hashtagLine: undefined,
    keptHashtags: [],
    events: 0,
    trucksRows: 0,
    trucks: 0,
    itemsRows: 0,
    items: 0,
    sources: [],
    firstOccurredAt: undefined,
    lastOccurredAt: undefined,
    problems: [],
    problemCount: 0,
  };
  const sources = new Set<string>();
  let previousAt = '';
  let previousMs = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const addProblems = (problems: readonly hxl.HxlProblem[]) => {
    summary.problemCount += problems.length;
    for (const problem of problems) {
      if (summary.problems.length < maxListedProblems) summary.problems.push(problem);
    }
  };
  const flowing = pipeline(source, tap, decoder, parser);
  // Its failure is also the parser's, which the loop below throws; this one is awaited at the end.
  flowing.catch(() => {});
  let lastLine = 0;
  let stoppedEarly = false;
  try {
    let nextLine = 1;
    for await (const record of parser as AsyncIterable<string[]>) {
      const line = nextLine;
      nextLine += 1;
      // A quoted value may span lines: the next record starts that many lines further.
      for (const cell of record) {
        if (cell.includes('\n')) nextLine += cell.split('\n').length - 1;
      }
      lastLine = line;
      const row = reader.read(record, line);
      if (row.kind === 'invalid') addProblems(row.problems);
      else if (row.kind === 'skipped') {
        // The file is refused as a whole (no hashtag row, bad columns): its problems are known.
        stoppedEarly = true;
        break;
      } else if (row.kind === 'event') {
        const { event } = row;
        summary.events++;
        if (event.type === 'aid_trucks_crossed') {
          summary.trucksRows++;
          summary.trucks += event.payload.count;
        } else {
          summary.itemsRows++;
          summary.items += event.payload.count;
        }
        sources.add(event.source);
        // Rows of one day follow each other: parse an instant only when it changes.
        if (event.occurredAt !== previousAt) {
          previousAt = event.occurredAt;
          previousMs = Date.parse(previousAt);
        }
        const at = previousMs;
        if (at < first) {
          first = at;
          summary.firstOccurredAt = event.occurredAt;
        }
        if (at > last) {
          last = at;
          summary.lastOccurredAt = event.occurredAt;
        }
        if (onEvent && summary.problemCount === 0) {
          // Awaited only when it is asynchronous: a microtask per row is a cost at this rate.
          const pending = onEvent(event, line);
          if (pending) await pending;
        }
      }
    }
    await flowing;
  } catch (error) {
    // Stopped early on purpose (`break` above): leaving the loop destroys the parser, which the
    // pipeline reports as a premature close, or (Node 20, when the parser had not finished) as an
    // AbortError. Either is ours, not the file's: the reader's problems say what is wrong.
    const code = (error as { code?: string }).code;
    if (!(stoppedEarly && (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ABORT_ERR'))) {
      // When a stage before the parser failed first, the parser ends with an AbortError: the
      // cause is the pipeline's own failure.
      const cause =
        (error as { name?: string }).name === 'AbortError'
          ? await flowing.then(
              () => error,
              (failure: unknown) => failure,
            )
          : error;
      throw asHxlError(cause, lastLine);
    }
  }
  if (summary.problemCount === 0) addProblems(reader.finish(lastLine));
  summary.sha256 = tap.hash.copy().digest('hex');
  summary.bytes = tap.bytes;
  summary.encoding = decoder.encoding;
  summary.hashtagLine = reader.hashtagLine;
  summary.keptHashtags = reader.keptHashtags;
  summary.sources = [...sources].sort();
  return summary;
}

/** A CSV syntax error (an unclosed quote…) as a located HXL problem. */
function asHxlError(error: unknown, lastLine: number): unknown {
  if (isTruceError(error)) return error;
  const csv = error as { code?: string; lines?: number; message?: string };
  // csv-parse's codes: most start with CSV_, some (INVALID_OPENING_QUOTE…) do not.
  if (error instanceof CsvError || (typeof csv.code === 'string' && csv.code.startsWith('CSV_'))) {
    // An unclosed quote is found at the end of the file; the row it opened is the next one.
    const line =
      csv.code === 'CSV_QUOTE_NOT_CLOSED' || typeof csv.lines !== 'number'
        ? lastLine + 1
        : csv.lines;
    const hint =
      csv.code === 'CSV_QUOTE_NOT_CLOSED'
        ? 'a quote (") opens a value that never closes'
        : csv.code === 'CSV_MAX_RECORD_SIZE'
          ? 'a row longer than 1 MB: is this a CSV file?'
          : (csv.message ?? csv.code ?? 'not CSV');
    return new TruceError('HXL_INVALID', `the file is not valid CSV at line ${line}: ${hint}`, [
      { line, message: hint },
    ]);
  }
  // The reading stopped without a CSV error of its own and without a stage's failure to name.
  // (The AbortError the reliability campaign found was the reader's own early stop, on a file
  // refused at its hashtag row, now told apart above.) The file is refused whole, as any other
  // unreadable file.
  if ((error as { code?: string; name?: string }).code === 'ABORT_ERR') {
    const line = lastLine + 1;
    const hint =
      'the file could not be read as CSV text from here; is it a CSV file in UTF-8 or Windows-1256?';
    return new TruceError('HXL_INVALID', `the file is not valid CSV at line ${line}: ${hint}`, [
      { line, message: hint },
    ]);
  }
  return error;
}
