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
  #decoder: TextDecoder | undefined;
  #encoding: 'utf-8' | 'windows-1256' | undefined;
  #lines = 1;
  #first = true;

  constructor(encoding: HxlEncoding) {
    super({ decodeStrings: true, readableObjectMode: false, encoding: 'utf8' });
    this.#requested = encoding;
  }

  /** The encoding used, once the first chunk was read. */
  get encoding(): 'utf-8' | 'windows-1256' | undefined {
    return this.#encoding;
  }

  #start(chunk: Uint8Array): Uint8Array {
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
    this.#decoder = new TextDecoder(encoding, { fatal: encoding === 'utf-8', ignoreBOM: false });
    return chunk;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      const bytes = this.#first ? this.#start(chunk) : chunk;
      this.#first = false;
      const text = this.#decode(bytes, true);
      done(null, text);
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      done(null, this.#decoder ? this.#decode(new Uint8Array(), false) : '');
    } catch (error) {
      done(error as Error);
    }
  }

  #decode(bytes: Uint8Array, stream: boolean): string {
    let text: string;
    try {
      text = this.#decoder!.decode(bytes, { stream });
    } catch {
      throw new TruceError(
        'HXL_INVALID',
        `the file is not UTF-8 (a byte after line ${this.#lines} is not); save it as "CSV UTF-8", or give its encoding (--encoding windows-1256, ?encoding=windows-1256)`,
        [{ line: this.#lines, message: 'not UTF-8' }],
      );
    }
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) this.#lines++;
    return text;
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
