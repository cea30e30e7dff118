/** Conversions of the values PGlite and node-postgres return (Date or string, number or string). */

export function isoOf(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return new Date(String(value)).toISOString();
}

export function optionalIsoOf(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : isoOf(value);
}

export function numberOf(value: unknown): number {
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(number)) throw new Error(`not a safe integer: ${String(value)}`);
  return number;
}

/** text[] arrives as an array from both drivers; an older pg may return '{a,b}'. */
export function textArrayOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.startsWith('{') && value.endsWith('}')) {
    const inner = value.slice(1, -1);
    return inner === '' ? [] : inner.split(',');
  }
  return [];
}
