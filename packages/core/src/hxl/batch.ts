import { batchFields, maxBatchRows } from '../events/aid.js';
import { canonicalize } from '../ledger/canonical-json.js';
import type { AidEvent } from './reader.js';

/**
 * The rows of an imported file grouped into `aid_batch` events, up to 1,000 rows of one
 * organisation each, held as their canonical JSON text (RFC 8785) once a batch is full: memory
 * is the file's rows as compact JSON, with no object per row for the garbage collector to walk.
 *
 * A batch is a table (docs/HXL.md): `columns` name the cells of a row, `values` hold each text
 * once (the same day, crossing and cargo are on most rows), and a row is an array of numbers —
 * its line, counts, and the positions of its texts. Against one object per row this is a tenth
 * of the bytes that the ledger canonicalises, validates, hashes and stores.
 *
 * A batch is built while the file is read, before its hash is known: rows without an id of their
 * own (`#meta+id`) carry none (their id is derived from the file's hash and their line, as
 * `rowEventsOf` does), and rows without a `#date+reported` carry no `reportedAt` (they take the
 * batch's). So the reader is given two markers, `implicitIdPrefix` and `defaultReportedAt`, that
 * no row of a file can produce, and the batcher recognises them.
 */
export interface BatchDraft {
  org: string;
  firstLine: number;
  lastLine: number;
  rows: number;
  /** The earliest `occurredAt` of the rows. */
  occurredAt: string;
  /** The earliest `reportedAt` a row gave itself, if any did. */
  ownReportedAt: string | undefined;
  /** Canonical JSON of the `columns`, `values` and `rows` arrays. */
  columnsText: string;
  valuesText: string;
  rowsText: string;
}

/** What the reader is told for a batched import: markers of "not given". */
export const batchReaderMarkers = {
  /** Ids the reader generates as `<prefix>-<line>`: a prefix no `#meta+id` can have. */
  implicitIdPrefix: '~row',
  /** `reportedAt` of rows without a `#date+reported`: no instant. */
  defaultReportedAt: '',
} as const;

type Cell = number | null;

interface OpenBatch {
  org: string;
  firstLine: number;
  lastLine: number;
  rows: Cell[][];
  values: Map<string, number>;
  occurredAt: string;
  occurredMs: number;
  ownReportedAt: string | undefined;
  ownReportedMs: number;
  /** used[column] is true once a row of the batch has a value there. */
  used: boolean[];
}

/** How every implicit id starts: `~` is in no id a file can give (reader.ts's id pattern). */
const implicitIdStart = `${batchReaderMarkers.implicitIdPrefix}-`;

const [lineAt, typeAt, idAt, occurredAt, reportedAt, crossingAt, cargoAt, itemAt] = [
  0, 1, 2, 3, 4, 5, 6, 7,
];
const [destinationAt, countAt, halfAt, consignmentAt] = [8, 9, 10, 11];

export class HxlBatcher {
  readonly #maxRows: number;
  readonly #open = new Map<string, OpenBatch>();
  readonly #closed: BatchDraft[] = [];
  /** The columns of the file: the fields, then kept hashtags as they are first met. */
  readonly #columns: string[] = [...batchFields];
  readonly #columnOf = new Map<string, number>(batchFields.map((name, index) => [name, index]));
  /** Rows of one day follow each other: parse an instant only when it changes. */
  #lastInstant = '';
  #lastMs = 0;
  readonly #instants = new Map<string, number>();

  constructor(maxRows: number = maxBatchRows) {
    this.#maxRows = maxRows;
  }

  /** Adds a row (an event the reader made with `batchReaderMarkers`) from line `line`. */
  add(event: AidEvent, line: number): void {
    let batch = this.#open.get(event.source);
    const occurredMs = this.#ms(event.occurredAt);
    if (batch === undefined) {
      batch = {
        org: event.source,
        firstLine: line,
        lastLine: line,
        rows: [],
        values: new Map(),
        occurredAt: event.occurredAt,
        occurredMs,
        ownReportedAt: undefined,
        ownReportedMs: Number.POSITIVE_INFINITY,
        used: [],
      };
      this.#open.set(event.source, batch);
    } else if (occurredMs < batch.occurredMs) {
      batch.occurredMs = occurredMs;
      batch.occurredAt = event.occurredAt;
    }
    batch.lastLine = line;
    // No closure or template string per row: this runs for every row of a file.
    const row: Cell[] = new Array(this.#columns.length).fill(null);
    const used = batch.used;
    row[lineAt] = line;
    used[lineAt] = true;
    this.#text(batch, row, typeAt, event.type);
    if (!event.id.startsWith(implicitIdStart)) this.#text(batch, row, idAt, event.id);
    this.#text(batch, row, occurredAt, event.occurredAt);
    if (event.reportedAt !== batchReaderMarkers.defaultReportedAt) {
      this.#text(batch, row, reportedAt, event.reportedAt);
      const reportedMs = Date.parse(event.reportedAt);
      if (reportedMs < batch.ownReportedMs) {
        batch.ownReportedMs = reportedMs;
        batch.ownReportedAt = event.reportedAt;
      }
    }
    const p = event.payload;
    if (p.crossing !== undefined) this.#text(batch, row, crossingAt, p.crossing);
    if (p.destination !== undefined) this.#text(batch, row, destinationAt, p.destination);
    row[countAt] = p.count;
    used[countAt] = true;
    if (event.type === 'aid_trucks_crossed') {
      this.#text(batch, row, cargoAt, event.payload.cargo);
      if (event.payload.halfLoaded !== undefined) {
        row[halfAt] = event.payload.halfLoaded;
        used[halfAt] = true;
      }
      if (event.payload.consignment !== undefined) {
        this.#text(batch, row, consignmentAt, event.payload.consignment);
      }
    } else {
      this.#text(batch, row, itemAt, event.payload.item);
    }
    if (p.hxl !== undefined) {
      for (const hashtag in p.hxl) {
        let column = this.#columnOf.get(hashtag);
        if (column === undefined) {
          column = this.#columns.length;
          this.#columns.push(hashtag);
          this.#columnOf.set(hashtag, column);
        }
        this.#text(batch, row, column, p.hxl[hashtag]!);
      }
    }
    batch.rows.push(row);
    if (batch.rows.length >= this.#maxRows) this.#close(batch);
  }

  /** Every batch, the open ones closed, in the order of their first line. */
  finish(): BatchDraft[] {
    for (const batch of this.#open.values()) this.#close(batch);
    return this.#closed.sort((a, b) => a.firstLine - b.firstLine);
  }

  #close(batch: OpenBatch): void {
    this.#open.delete(batch.org);
    // Only the columns some row of this batch has a value in.
    const used: number[] = [];
    for (let column = 0; column < this.#columns.length; column++) {
      if (batch.used[column] === true) used.push(column);
    }
    // One flat string: built by concatenation it would be a rope of a piece per cell, which the
    // garbage collector walks again and again while the rest of the file is read.
    const table = batch.rows.map((row) => used.map((column) => row[column] ?? null));
    const rowsText = JSON.stringify(table).slice(1, -1);
    this.#closed.push({
      org: batch.org,
      firstLine: batch.firstLine,
      lastLine: batch.lastLine,
      rows: batch.rows.length,
      occurredAt: batch.occurredAt,
      ownReportedAt: batch.ownReportedAt,
      columnsText: canonicalStrings(used.map((column) => this.#columns[column]!)),
      valuesText: canonicalStrings([...batch.values.keys()]),
      rowsText,
    });
  }

  /** Puts the position of `value` in the batch's texts (added once) into the row's `column`. */
  #text(batch: OpenBatch, row: Cell[], column: number, value: string): void {
    let index = batch.values.get(value);
    if (index === undefined) {
      index = batch.values.size;
      batch.values.set(value, index);
    }
    row[column] = index;
    batch.used[column] = true;
  }

  #ms(instant: string): number {
    if (instant !== this.#lastInstant) {
      let ms = this.#instants.get(instant);
      if (ms === undefined) {
        ms = Date.parse(instant);
        // Bounded, so that memory stays flat whatever the file.
        if (this.#instants.size >= 4096) this.#instants.clear();
        this.#instants.set(instant, ms);
      }
      this.#lastInstant = instant;
      this.#lastMs = ms;
    }
    return this.#lastMs;
  }
}

/**
 * An array of strings in RFC 8785 form: what `JSON.stringify` writes for well-formed strings (a
 * tenth of the general canonicaliser's cost); a lone surrogate, which RFC 8785 refuses and
 * `JSON.stringify` escapes, goes through the general one, which says so.
 */
function canonicalStrings(strings: readonly string[]): string {
  const text = JSON.stringify(strings);
  return text.includes('\\ud') ? canonicalize(strings) : text;
}

/** The id of a batch: from the file's hash and its first row's line (a row is in one batch). */
export function batchId(sha256Hex: string, firstLine: number): string {
  return `hxl-${sha256Hex.slice(0, 16)}-batch-${firstLine}`;
}

/**
 * The canonical JSON (RFC 8785) of the unsigned envelope of a batch, the bytes its organisation
 * signs: `ledger.canonicalize` of the envelope, with the table's canonical text spliced into it
 * (a member `"rows":[]` can only be the member itself: a quote inside a string is escaped).
 */
export function batchEnvelopeText(
  draft: BatchDraft,
  file: { sha256: string; reportedAt: string; keyId: string },
): string {
  const id = batchId(file.sha256, draft.firstLine);
  const reportedAt =
    draft.ownReportedAt !== undefined &&
    Date.parse(draft.ownReportedAt) < Date.parse(file.reportedAt)
      ? draft.ownReportedAt
      : file.reportedAt;
  let text = canonicalize({
    v: 1,
    id,
    org: draft.org,
    keyId: file.keyId,
    idempotencyKey: id,
    event: {
      id,
      type: 'aid_batch',
      // The batch's own times bound its rows': the earliest day counted, and the earliest report
      // (so that a key valid only from a later instant cannot sign a row reported before it).
      occurredAt: draft.occurredAt,
      reportedAt,
      source: draft.org,
      payload: {
        sha256: file.sha256,
        lines: { first: draft.firstLine, last: draft.lastLine },
        reportedAt: file.reportedAt,
        columns: [],
        values: [],
        rows: [],
      },
    },
  });
  for (const [member, array] of [
    ['columns', draft.columnsText],
    ['values', draft.valuesText],
    ['rows', `[${draft.rowsText}]`],
  ] as const) {
    const empty = `"${member}":[]`;
    const at = text.indexOf(empty);
    text = `${text.slice(0, at)}"${member}":${array}${text.slice(at + empty.length)}`;
  }
  return text;
}
