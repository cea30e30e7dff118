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

// The line reader lives in a plain module so that the memory probe shares it.
export { forEachLine } from './lines.mjs';

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
