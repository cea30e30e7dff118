import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';
import { TruceError } from '@truce/core';

/** The encodings an HXL file may come in; `auto` tells UTF-8 (with or without BOM) from Windows-1256. */
export const hxlEncodings = ['auto', 'utf-8', 'windows-1256'] as const;
export type HxlEncoding = (typeof hxlEncodings)[number];

const utf8Bom = [0xef, 0xbb, 0xbf] as const;

/** Whether `bytes` (a prefix of a file, maybe cut inside a character) is UTF-8. */
function looksUtf8(bytes: Uint8Array): boolean {
  // A prefix may end inside a character: drop up to 3 trailing bytes of an unfinished one.
  let end = bytes.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = bytes[end - back]!;
    if ((byte & 0xc0) === 0xc0) {
      end -= back;
      break;
    }
    if ((byte & 0x80) === 0) break;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/**
 * Bytes → text, a chunk at a time (a character cut between chunks is carried over). With
 * `auto`, a BOM or valid UTF-8 in the first chunk means UTF-8, anything else Windows-1256 (the
 * code page Excel uses for CSV on an Arabic Windows); a later byte that is not UTF-8 is an
 * error naming its line, never a replacement character in the ledger.
 */
export class HxlDecoder extends Transform {
  readonly #requested: HxlEncoding;
  /** Windows-1256 only: UTF-8 passes through as bytes (csv-parse reads bytes). */
  #decoder: TextDecoder | undefined;
  #encoding: 'utf-8' | 'windows-1256' | undefined;
  /** The bytes of a UTF-8 character cut by the end of the last chunk. */
  #carry: Buffer | undefined;
  #lines = 1;
  #first = true;
  /** The first bytes, until there are enough to tell the encoding. */
  #head: Buffer | undefined;

  constructor(encoding: HxlEncoding) {
    super();
    this.#requested = encoding;
  }

  /** The encoding used, once the first chunk was read. */
  get encoding(): 'utf-8' | 'windows-1256' | undefined {
    return this.#encoding;
  }

  #start(chunk: Buffer): Buffer {
    if ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff)) {
      throw new TruceError(
        'HXL_INVALID',
        'the file is UTF-16 ("Unicode text"); save it as "CSV UTF-8" and import that',
        [{ line: 1, message: 'UTF-16' }],
      );
    }
    if (chunk.includes(0)) {
      throw new TruceError(
        'HXL_INVALID',
        'the file holds NUL bytes: it is not a CSV text file (a spreadsheet, or UTF-16?); save it as "CSV UTF-8"',
        [{ line: 1, message: 'not text' }],
      );
    }
    const bom = utf8Bom.every((byte, index) => chunk[index] === byte);
    let encoding: 'utf-8' | 'windows-1256';
    if (this.#requested === 'auto') encoding = bom || looksUtf8(chunk) ? 'utf-8' : 'windows-1256';
    else encoding = this.#requested;
    this.#encoding = encoding;
    if (encoding === 'windows-1256') {
      this.#decoder = new TextDecoder(encoding);
      return chunk;
    }
    return bom ? chunk.subarray(3) : chunk;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      let bytes = chunk;
      if (this.#first) {
        // The encoding is told from the start of the file: wait for enough of it (a BOM, or a
        // UTF-16 mark, cut by a tiny first chunk would otherwise be missed).
        this.#head = this.#head ? Buffer.concat([this.#head, chunk]) : chunk;
        if (this.#head.length < 4) {
          done();
          return;
        }
        bytes = this.#start(this.#head);
        this.#head = undefined;
        this.#first = false;
      }
      done(null, this.#next(bytes));
    } catch (error) {
      done(error as Error);
    }
  }

  #next(bytes: Buffer): Buffer {
    if (this.#decoder) return Buffer.from(this.#decoder.decode(bytes, { stream: true }));
    return this.#checkedUtf8(bytes);
  }

  override _flush(done: TransformCallback): void {
    try {
      if (this.#first && this.#head) {
        // A file of fewer than four bytes.
        const bytes = this.#start(this.#head);
        this.#first = false;
        this.push(this.#next(bytes));
      }
      if (this.#decoder) {
        done(null, Buffer.from(this.#decoder.decode(new Uint8Array())));
        return;
      }
      if (this.#carry !== undefined && this.#carry.length > 0) this.#notUtf8();
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  /** The chunk, checked to be UTF-8, less a character cut at its end (kept for the next one). */
  #checkedUtf8(chunk: Buffer): Buffer {
    const bytes = this.#carry ? Buffer.concat([this.#carry, chunk]) : chunk;
    let end = bytes.length;
    // Back over continuation bytes to the start of the last character; keep it if incomplete.
    let start = end - 1;
    while (start >= 0 && start > end - 4 && (bytes[start]! & 0xc0) === 0x80) start--;
    if (start >= 0) {
      const lead = bytes[start]!;
      const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
      if (start + length > end) end = start;
    }
    const whole = bytes.subarray(0, end);
    this.#carry = end < bytes.length ? Buffer.from(bytes.subarray(end)) : undefined;
    if (!isUtf8(whole)) {
      // Find the line of the first bad byte for the message.
      const text = new TextDecoder('utf-8').decode(whole);
      const bad = text.indexOf('\uFFFD');
      this.#countLines(Buffer.from(text.slice(0, Math.max(0, bad))));
      this.#notUtf8();
    }
    this.#countLines(whole);
    return whole;
  }

  #countLines(bytes: Buffer): void {
    for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) this.#lines++;
  }

  #notUtf8(): never {
    throw new TruceError(
      'HXL_INVALID',
      `the file is not UTF-8 (line ${this.#lines} is not); save it as "CSV UTF-8", or give its encoding (--encoding windows-1256, ?encoding=windows-1256)`,
      [{ line: this.#lines, message: 'not UTF-8' }],
    );
  }
}

export function parseEncoding(value: string | undefined): HxlEncoding {
  const normal = (value ?? 'auto')
    .toLowerCase()
    .replace(/^utf8$/, 'utf-8')
    .replace(/^cp1256$/, 'windows-1256');
  if ((hxlEncodings as readonly string[]).includes(normal)) return normal as HxlEncoding;
  throw new TruceError(
    'USAGE',
    `truce reads HXL files in UTF-8 (with or without BOM) or Windows-1256, not ${value}; convert the file to UTF-8`,
  );
}
