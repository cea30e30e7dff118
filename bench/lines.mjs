// The one line reader of the benchmarks, in plain JavaScript so that the memory probe (a fresh
// `node` process, without a TypeScript loader) uses the very same code as the timed loops.
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Calls `onLine` for every line of a file, reading it in 4 MiB chunks. Each line is decoded on
 * its own, as a database driver hands over rows: slicing lines out of one big chunk string would
 * let any string kept from a line keep the whole chunk alive.
 * @param {string} path
 * @param {(line: string) => void} onLine
 */
export function forEachLine(path, onLine) {
  const fd = openSync(path, 'r');
  let buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
  let filled = 0;
  try {
    for (;;) {
      const read = readSync(fd, buffer, filled, buffer.length - filled, null);
      const end = filled + read;
      let start = 0;
      for (
        let newline = buffer.indexOf(10, start);
        newline !== -1 && newline < end;
        newline = buffer.indexOf(10, start)
      ) {
        if (newline > start) onLine(buffer.toString('utf8', start, newline));
        start = newline + 1;
      }
      if (read === 0) {
        if (end > start) onLine(buffer.toString('utf8', start, end));
        break;
      }
      // Keep the unfinished line at the front; grow the buffer if one line fills it.
      if (start === 0 && end === buffer.length) {
        const larger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(larger, 0, 0, end);
        buffer = larger;
      } else {
        buffer.copy(buffer, 0, start, end);
      }
      filled = end - start;
    }
  } finally {
    closeSync(fd);
  }
}
