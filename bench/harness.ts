import { closeSync, openSync, readSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** One measured figure, stated as a ratio against a goal when the issue sets one. */
export interface Row {
  name: string;
  value: string;
  goal?: string;
  pass?: boolean;
  detail?: string;
}

export interface Section {
  title: string;
  intro: string;
  rows: Row[];
  notes: string[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** "median (min–max, n runs)": the spread matters as much as the median on a shared machine. */
export function spread(values: readonly number[], format: (n: number) => string): string {
  if (values.length === 1) return `${format(values[0]!)} (1 run)`;
  return `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))}, ${values.length} runs)`;
}

export function time<T>(work: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = work();
  return { ms: performance.now() - start, value };
}

/**
 * Calls `onLine` for every line of a file, reading it in 4 MiB chunks: the same reader feeds the
 * bare loop and the engine, so that the comparison measures only what each does with an event.
 * Each line is decoded on its own, as a database driver hands over rows: slicing lines out of one
 * big chunk string would let any string kept from a line keep the whole chunk alive.
 */
export function forEachLine(path: string, onLine: (line: string) => void): void {
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

export function machine(): string[] {
  const cpu = cpus();
  return [
    `CPU: ${cpu[0]?.model ?? 'unknown'} × ${cpu.length}`,
    `Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `Node.js ${process.version} on ${process.platform}/${process.arch}`,
    `Load average at start: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(
        ', ',
      )} (a shared machine: ratios measured side by side, never absolute times, are the figures to trust)`,
  ];
}
