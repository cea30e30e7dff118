/**
 * Cuts the decoded text of a CSV file (UTF-8 bytes) into segments of whole records, so that
 * segments can be parsed side by side on worker threads and give what one pass over the file
 * gives (docs/HXL.md, "Large files").
 *
 * A segment ends at the first record boundary `segmentBytes` or more after its start: a line end
 * outside quotes (RFC 4180 quotes are doubled inside a quoted value, so "inside a quoted value"
 * is an odd count of quote characters since the start of the file). The cuts depend on the bytes
 * alone, never on how the file was read (chunk sizes, threads): a file gives the same segments,
 * hence the same batches, every time it is read.
 *
 * Line ends are csv-parse's: the first `\r\n`, `\n` or `\r` outside quotes decides the file's,
 * as csv-parse decides it. A file of lone `\r` line ends is one segment (its lines are not
 * counted here); with `\r\n`, a lone `\n` is not a boundary (csv-parse keeps it in the value).
 */
export interface Segment {
  /** 0-based, in file order. */
  index: number;
  /** The 1-based line the segment starts on. */
  firstLine: number;
  bytes: Buffer;
}

export type RecordDelimiter = '\n' | '\r\n' | '\r';

/**
 * One mebibyte (about 10,000 rows, a tenth of a second to read): small enough to share a file
 * out evenly, large enough that few batches are cut short at a segment's end. A file's batches
 * depend on it: changing it changes the batches of a file whose import was interrupted.
 */
export const defaultSegmentBytes = 1024 * 1024;

/**
 * Past this many bytes without a boundary (an unclosed quote, or a quoted value of millions of
 * characters), the segment is cut anyway: csv-parse refuses a record of more than 1,000,000
 * characters (4 MB of UTF-8 at most), so such a segment's parse fails, as the one pass would.
 */
const forcedCutBytes = 8 * 1024 * 1024;

const quote = 0x22;
const lf = 0x0a;
const cr = 0x0d;

export class Segmenter {
  readonly #segmentBytes: number;
  #parts: Buffer[] = [];
  #pendingBytes = 0;
  #inQuotes = false;
  #index = 0;
  /** The line the pending segment starts on, and the line ends seen in it so far. */
  #firstLine = 1;
  #newlines = 0;
  #delimiter: RecordDelimiter | undefined;
  /** Whether the last byte seen was `\r` (a `\r\n` cut between two chunks). */
  #lastWasCr = false;

  readonly #allocate: (size: number) => Buffer;

  /**
   * `allocate` gives the buffer of a segment of `size` bytes (a view of a reused one, so that
   * the memory of a file's reading stays that of a few segments: read-hxl.ts recycles them).
   */
  constructor(
    segmentBytes: number = defaultSegmentBytes,
    allocate: (size: number) => Buffer = Buffer.allocUnsafe,
  ) {
    this.#segmentBytes = segmentBytes;
    this.#allocate = allocate;
  }

  /** The file's record delimiter, once a line end outside quotes was seen. */
  get recordDelimiter(): RecordDelimiter | undefined {
    return this.#delimiter;
  }

  /** Takes the next bytes; gives the segments they complete. */
  push(chunk: Buffer): Segment[] {
    const out: Segment[] = [];
    let start = 0;
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#delimiter === undefined) {
        pos = this.#discover(chunk, pos);
        // The first line end may already be past the cut.
        if (
          this.#delimiter !== undefined &&
          this.#delimiter !== '\r' &&
          this.#pendingBytes + (pos - start) >= this.#segmentBytes
        ) {
          out.push(this.#emit(chunk.subarray(start, pos)));
          start = pos;
        }
        continue;
      }
      const wanted = this.#segmentBytes - this.#pendingBytes - (pos - start);
      if (wanted > 0 && this.#delimiter !== '\r') {
        // Before the cut: only the quote parity and the line count matter.
        const until = Math.min(chunk.length, pos + wanted);
        this.#scan(chunk, pos, until);
        pos = until;
        continue;
      }
      if (this.#delimiter === '\r') {
        // Lines of lone `\r` are not cut: the quotes need no counting either.
        this.#lastWasCr = chunk[chunk.length - 1] === cr;
        pos = chunk.length;
        continue;
      }
      const end = this.#boundary(chunk, pos);
      if (end === -1) {
        if (this.#pendingBytes + (chunk.length - start) >= forcedCutBytes) {
          out.push(this.#emit(chunk.subarray(start)));
          start = chunk.length;
        }
        pos = chunk.length;
        continue;
      }
      out.push(this.#emit(chunk.subarray(start, end)));
      start = end;
      pos = end;
    }
    if (start < chunk.length) {
      // Copied: the caller's buffer may be reused, and a slice would hold all of it.
      const rest = Buffer.from(chunk.subarray(start));
      this.#parts.push(rest);
      this.#pendingBytes += rest.length;
    }
    return out;
  }

  /** The last segment, if any bytes are left. */
  end(): Segment | undefined {
    if (this.#pendingBytes === 0) return undefined;
    return this.#emit(Buffer.alloc(0));
  }

  #emit(tail: Buffer): Segment {
    const bytes = this.#allocate(this.#pendingBytes + tail.length);
    let at = 0;
    for (const part of this.#parts) at += part.copy(bytes, at);
    tail.copy(bytes, at);
    const segment = { index: this.#index++, firstLine: this.#firstLine, bytes };
    this.#parts = [];
    this.#pendingBytes = 0;
    this.#firstLine += this.#newlines;
    this.#newlines = 0;
    return segment;
  }

  /** Quote parity and `\n` count over [from, until). */
  #scan(chunk: Buffer, from: number, until: number): void {
    for (
      let at = chunk.indexOf(quote, from);
      at !== -1 && at < until;
      at = chunk.indexOf(quote, at + 1)
    ) {
      this.#inQuotes = !this.#inQuotes;
    }
    for (
      let at = chunk.indexOf(lf, from);
      at !== -1 && at < until;
      at = chunk.indexOf(lf, at + 1)
    ) {
      this.#newlines++;
    }
    if (until > from) this.#lastWasCr = chunk[until - 1] === cr;
  }

  /**
   * The end (exclusive) of the first record boundary at or after `from`, or -1 if the chunk has
   * none; counts the quotes and line ends it passes.
   */
  #boundary(chunk: Buffer, from: number): number {
    let pos = from;
    for (;;) {
      const newline = chunk.indexOf(lf, pos);
      if (newline === -1) {
        this.#scan(chunk, pos, chunk.length);
        return -1;
      }
      const before = newline === 0 ? this.#lastWasCr : chunk[newline - 1] === cr;
      this.#scan(chunk, pos, newline + 1);
      if (!this.#inQuotes && (this.#delimiter === '\n' || before)) return newline + 1;
      pos = newline + 1;
    }
  }

  /**
   * Before the first line end outside quotes: finds it (as csv-parse does, `\r\n` before `\r`),
   * counting quotes and lines on the way. Returns where to go on.
   */
  #discover(chunk: Buffer, from: number): number {
    for (let at = from; at < chunk.length; at++) {
      const byte = chunk[at]!;
      if (byte === quote) this.#inQuotes = !this.#inQuotes;
      else if (byte === lf) this.#newlines++;
      if (this.#inQuotes) {
        this.#lastWasCr = byte === cr;
        continue;
      }
      if (this.#lastWasCr) {
        // The byte after a `\r` outside quotes decides between `\r\n` and `\r`.
        this.#delimiter = byte === lf ? '\r\n' : '\r';
        this.#lastWasCr = byte === cr;
        return at + 1;
      }
      if (byte === lf) {
        this.#delimiter = '\n';
        return at + 1;
      }
      this.#lastWasCr = byte === cr;
    }
    return chunk.length;
  }
}
