import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { TruceError } from '@truce/core';

/**
 * A local copy of a breached-password corpus, checked without the network (ASVS 6.2.12): the
 * file Have I Been Pwned publishes as "SHA-1, ordered by hash" (lines `HEX40:COUNT`, sorted,
 * CRLF or LF; tens of gigabytes), or any file of upper- or lower-case SHA-1 hex lines sorted the
 * same way, with or without counts. A password is looked up by binary search over the file's
 * bytes: about 40 small reads for a billion lines, nothing held in memory, nothing sent anywhere.
 * `TRUCE_BREACHED_PASSWORDS` names the file.
 */
export class BreachedPasswords {
  readonly path: string;
  readonly #size: number;

  private constructor(path: string, size: number) {
    this.path = path;
    this.#size = size;
  }

  /**
   * Checks that the file is there and starts with a SHA-1 line (a wrong path or format fails
   * when the server starts, not at the first password).
   */
  static open(path: string): BreachedPasswords {
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      throw new TruceError(
        'USAGE',
        `TRUCE_BREACHED_PASSWORDS names ${path}, which cannot be read; download the corpus (SHA-1, ordered by hash) or unset it`,
      );
    }
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(Math.min(size, 64));
      readSync(fd, head, 0, head.length, 0);
      if (!/^[0-9a-fA-F]{40}(:\d+)?\r?\n/.test(head.toString('latin1'))) {
        throw new TruceError(
          'USAGE',
          `${path} does not start with a SHA-1 line ("HEX40" or "HEX40:COUNT"); use the corpus ordered by hash`,
        );
      }
    } finally {
      closeSync(fd);
    }
    return new BreachedPasswords(path, size);
  }

  /** How often the password appears in the corpus (1 for a file without counts), or 0. */
  async count(password: string): Promise<number> {
    const wanted = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
    const file = await open(this.path, 'r');
    try {
      return await this.#search(file, wanted);
    } finally {
      await file.close();
    }
  }

  /**
   * Binary search over byte offsets. Invariant: the line with the wanted hash, if there is one,
   * starts in [low, high), and `low` is the start of a line. Each step reads a little past the
   * middle, skips the rest of the line it fell in and compares the next line; once the range is
   * a few kilobytes, one read and a scan finish it.
   */
  async #search(file: FileHandle, wanted: string): Promise<number> {
    let low = 0;
    let high = this.#size;
    const probe = Buffer.alloc(probeBytes);
    while (high - low > scanBytes) {
      const middle = Math.floor((low + high) / 2);
      const line = await lineAfter(file, middle, probe);
      if (line === undefined || line.start >= high) {
        // Every line that starts in [low, high) starts at or before the middle.
        high = middle + 1;
        continue;
      }
      const hash = line.text.slice(0, 40).toUpperCase();
      if (hash === wanted) return countOf(line.text);
      if (hash < wanted) low = line.end;
      else high = line.start;
    }
    // The last candidates start in [low, high); the last of them may end past `high`.
    const tail = Buffer.alloc(high - low + probeBytes);
    const { bytesRead } = await file.read(tail, 0, tail.length, low);
    let start = 0;
    while (start < bytesRead && low + start < high) {
      const newline = tail.indexOf(0x0a, start);
      const stop = newline === -1 || newline >= bytesRead ? bytesRead : newline;
      const text = tail.subarray(start, stop).toString('latin1').trimEnd();
      if (text.slice(0, 40).toUpperCase() === wanted) return countOf(text);
      start = stop + 1;
    }
    return 0;
  }
}

/** Bytes read to find the line after an offset: past the rest of one line and a whole one. */
const probeBytes = 256;
/** A range this small is read at once and scanned. */
const scanBytes = 4096;

interface Line {
  start: number;
  /** The offset just past its newline. */
  end: number;
  text: string;
}

/** The first line that starts after `offset` (past the next newline), if it is in the file. */
async function lineAfter(
  file: FileHandle,
  offset: number,
  buffer: Buffer,
): Promise<Line | undefined> {
  const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
  const chunk = buffer.subarray(0, bytesRead);
  const first = chunk.indexOf(0x0a);
  if (first === -1 || first + 1 >= bytesRead) return undefined;
  const newline = chunk.indexOf(0x0a, first + 1);
  const stop = newline === -1 ? bytesRead : newline;
  return {
    start: offset + first + 1,
    end: offset + stop + 1,
    text: chunk
      .subarray(first + 1, stop)
      .toString('latin1')
      .trimEnd(),
  };
}

function countOf(line: string): number {
  const count = Number(line.slice(41));
  return line.length > 41 && Number.isSafeInteger(count) && count > 0 ? count : 1;
}
