import type { Reported } from '../agreement/schema.js';

interface ReportedObject<T> {
  value: T;
  source?: string;
  alternatives: { value: T; source: string; note?: string }[];
}

function isReportedObject(value: unknown): value is ReportedObject<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    'value' in value &&
    Array.isArray((value as { alternatives?: unknown }).alternatives)
  );
}

/** The primary value of a number or day that sources may report differently. */
export function primary<T>(value: Reported<T>): T {
  return isReportedObject(value) ? (value.value as T) : (value as T);
}

export interface AlternativeSite {
  path: (string | number)[];
  value: unknown;
  primary: unknown;
  source: string;
  note?: string;
}

/** Every alternative value anywhere inside an obligation, with its path. */
export function alternativeSites(root: unknown): AlternativeSite[] {
  const sites: AlternativeSite[] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    if (isReportedObject(node)) {
      for (const alternative of node.alternatives) {
        sites.push({
          path,
          value: alternative.value,
          primary: node.value,
          source: alternative.source,
          ...(alternative.note ? { note: alternative.note } : {}),
        });
      }
      return;
    }
    if (Array.isArray(node)) node.forEach((item, index) => walk(item, [...path, index]));
    else if (typeof node === 'object' && node !== null) {
      for (const [key, inner] of Object.entries(node)) walk(inner, [...path, key]);
    }
  };
  walk(root, []);
  return sites;
}

/** A copy of `root` with the reported value at `path` replaced by `value` as its primary. */
export function withPrimary<T>(root: T, path: readonly (string | number)[], value: unknown): T {
  if (path.length === 0) return value as T;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    copy[head as number] = withPrimary(copy[head as number], rest, value);
    return copy as T;
  }
  const record = root as Record<string, unknown>;
  return { ...record, [head as string]: withPrimary(record[head as string], rest, value) } as T;
}

export function formatSitePath(path: readonly (string | number)[]): string {
  return path
    .map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '');
}
