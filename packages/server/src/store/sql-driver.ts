/** The little the SQL store needs from PGlite or node-postgres; rows come back as plain objects. */
export interface SqlExecutor {
  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface SqlDriver extends SqlExecutor {
  /**
   * Runs `work` in one transaction on one connection. The promise resolves only after COMMIT
   * returned, which both PostgreSQL (synchronous_commit = on) and PGlite (see
   * docs/STORAGE.md) answer only once the commit record is flushed.
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Durable flushes this driver observed; undefined when it cannot see them. */
  observedFlushes(): number | undefined;
  close(): Promise<void>;
}

/** int8 columns arrive as string (node-postgres), number or bigint (PGlite). */
export function toSafeNumber(value: unknown, what: string): number {
  const number = typeof value === 'string' || typeof value === 'bigint' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) {
    throw new Error(`${what} is not a safe integer: ${String(value)}`);
  }
  return number;
}

/** Milliseconds since the epoch, as the SQL reads them, to an ISO 8601 string. */
export function isoFromMilliseconds(value: unknown): string {
  const milliseconds = typeof value === 'string' ? Number(value) : value;
  if (typeof milliseconds !== 'number' || !Number.isFinite(milliseconds)) {
    throw new Error(`not a timestamp: ${String(value)}`);
  }
  return new Date(Math.floor(milliseconds)).toISOString();
}
