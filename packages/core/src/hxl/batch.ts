import { maxBatchRows } from '../events/aid.js';
import { canonicalize } from '../ledger/canonical-json.js';
import type { AidEvent } from './reader.js';

/**
 * The rows of an imported file grouped into `aid_batch` events, up to 1,000 rows each and one
 * organisation per batch, held as their canonical JSON text (RFC 8785) rather than as objects:
 * memory is the file's size in JSON, with no object per row for the garbage collector to walk.
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
  /** The rows' canonical JSON, comma-separated (the inside of the `rows` array). */
  text: string;
}

/** What the reader is told for a batched import: markers of "not given". */
export const batchReaderMarkers = {
  /** Ids the reader generates as `<prefix>-<line>`: a prefix no `#meta+id` can have. */
  implicitIdPrefix: '~row',
  /** `reportedAt` of rows without a `#date+reported`: no instant. */
  defaultReportedAt: '',
} as const;

interface OpenBatch {
  org: string;
  firstLine: number;
  lastLine: number;
  rows: string[];
  occurredAt: string;
  occurredMs: number;
  ownReportedAt: string | undefined;
  ownReportedMs: number;
}

export class HxlBatcher {
  readonly #maxRows: number;
  readonly #open = new Map<string, OpenBatch>();
  readonly #closed: BatchDraft[] = [];
  /** Rows of one day follow each other: parse an instant only when it changes. */
  #lastInstant = '';
  #lastMs = 0;

  constructor(maxRows: number = maxBatchRows) {
    this.#maxRows = maxRows;
  }

  /** Adds a row (an event the reader made with `batchReaderMarkers`) from line `line`. */
  add(event: AidEvent, line: number): void {
    let batch = this.#open.get(event.source);
    if (batch === undefined) {
      batch = {
        org: event.source,
        firstLine: line,
        lastLine: line,
        rows: [],
        occurredAt: event.occurredAt,
        occurredMs: this.#ms(event.occurredAt),
        ownReportedAt: undefined,
        ownReportedMs: Number.POSITIVE_INFINITY,
      };
      this.#open.set(event.source, batch);
    } else {
      const occurredMs = this.#ms(event.occurredAt);
      if (occurredMs < batch.occurredMs) {
        batch.occurredMs = occurredMs;
        batch.occurredAt = event.occurredAt;
      }
    }
    batch.lastLine = line;
    if (event.reportedAt !== batchReaderMarkers.defaultReportedAt) {
      const reportedMs = Date.parse(event.reportedAt);
      if (reportedMs < batch.ownReportedMs) {
        batch.ownReportedMs = reportedMs;
        batch.ownReportedAt = event.reportedAt;
      }
    }
    batch.rows.push(canonicalRow(event, line));
    if (batch.rows.length >= this.#maxRows) this.#close(batch);
  }

  /** Every batch, the open ones closed, in the order of their first line. */
  finish(): BatchDraft[] {
    for (const batch of this.#open.values()) this.#close(batch);
    return this.#closed.sort((a, b) => a.firstLine - b.firstLine);
  }

  #close(batch: OpenBatch): void {
    this.#open.delete(batch.org);
    this.#closed.push({
      org: batch.org,
      firstLine: batch.firstLine,
      lastLine: batch.lastLine,
      rows: batch.rows.length,
      occurredAt: batch.occurredAt,
      ownReportedAt: batch.ownReportedAt,
      text: batch.rows.join(','),
    });
  }

  #ms(instant: string): number {
    if (instant !== this.#lastInstant) {
      this.#lastInstant = instant;
      this.#lastMs = Date.parse(instant);
    }
    return this.#lastMs;
  }
}

/** The id of a batch: from the file's hash and its first row's line (a row is in one batch). */
export function batchId(sha256Hex: string, firstLine: number): string {
  return `hxl-${sha256Hex.slice(0, 16)}-batch-${firstLine}`;
}

/**
 * The canonical JSON (RFC 8785) of the unsigned envelope of a batch, the bytes its organisation
 * signs: `ledger.canonicalize` of the envelope, with the rows' canonical text spliced into it.
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
  const envelope = canonicalize({
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
        rows: [],
      },
    },
  });
  const empty = '"rows":[]';
  const at = envelope.indexOf(empty);
  return `${envelope.slice(0, at)}"rows":[${draft.text}]${envelope.slice(at + empty.length)}`;
}

/**
 * One row's canonical JSON. Built with its members already in RFC 8785's order and written by
 * `JSON.stringify`, which for this data (strings and whole numbers) is RFC 8785: a tenth of the
 * cost of the general canonicaliser. A string with a lone surrogate (which RFC 8785 refuses, and
 * `JSON.stringify` escapes) goes through the general one, which says so.
 */
export function canonicalRow(event: AidEvent, line: number): string {
  const implicit =
    event.id.startsWith(batchReaderMarkers.implicitIdPrefix) &&
    event.id === `${batchReaderMarkers.implicitIdPrefix}-${line}`;
  const own = event.reportedAt !== batchReaderMarkers.defaultReportedAt;
  let payload: Record<string, unknown>;
  if (event.type === 'aid_trucks_crossed') {
    const p = event.payload;
    payload = { cargo: p.cargo };
    if (p.consignment !== undefined) payload.consignment = p.consignment;
    payload.count = p.count;
    payload.crossing = p.crossing;
    if (p.destination !== undefined) payload.destination = p.destination;
    if (p.halfLoaded !== undefined) payload.halfLoaded = p.halfLoaded;
    if (p.hxl !== undefined) payload.hxl = sortedRecord(p.hxl);
  } else {
    const p = event.payload;
    payload = { count: p.count };
    if (p.crossing !== undefined) payload.crossing = p.crossing;
    if (p.destination !== undefined) payload.destination = p.destination;
    if (p.hxl !== undefined) payload.hxl = sortedRecord(p.hxl);
    payload.item = p.item;
  }
  const row: Record<string, unknown> = implicit ? {} : { id: event.id };
  row.line = line;
  row.occurredAt = event.occurredAt;
  row.payload = payload;
  if (own) row.reportedAt = event.reportedAt;
  row.type = event.type;
  const text = JSON.stringify(row);
  return text.includes('\\ud') ? canonicalize(row) : text;
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  const keys = Object.keys(record);
  if (keys.length < 2) return record;
  keys.sort();
  const sorted: Record<string, string> = {};
  for (const key of keys) sorted[key] = record[key]!;
  return sorted;
}
