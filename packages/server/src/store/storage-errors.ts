import { TruceError } from '@truce/core';
import type { SqlDriver, SqlExecutor } from './sql-driver.js';

/**
 * A full disk is the operator's problem, not a bug: PostgreSQL (and PGlite) refuse the statement
 * with SQLSTATE 53100 (disk_full) and roll it back, so nothing of the request is stored. It
 * becomes `STORAGE_FULL` (HTTP 507), which says so and what to do, instead of an anonymous 500.
 */
export function isDiskFull(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown };
  return code === '53100' || code === 'ENOSPC';
}

export function storageFull(error: unknown): TruceError {
  return new TruceError(
    'STORAGE_FULL',
    "the server's disk is full: nothing of this request was stored. Send it again later with the same idempotency keys; the operator must free space on the server",
    [{ path: '', message: String((error as Error)?.message ?? error) }],
  );
}

function translated<A extends unknown[], R>(call: (...args: A) => Promise<R>) {
  return async (...args: A): Promise<R> => {
    try {
      return await call(...args);
    } catch (error) {
      throw isDiskFull(error) ? storageFull(error) : error;
    }
  };
}

function executorOf(executor: SqlExecutor): SqlExecutor {
  return {
    query: translated(executor.query.bind(executor)) as SqlExecutor['query'],
    exec: translated(executor.exec.bind(executor)),
  };
}

/** The driver, with a full disk reported as `STORAGE_FULL` by every statement. */
export function withStorageErrors(driver: SqlDriver): SqlDriver {
  const direct = executorOf(driver);
  return {
    query: direct.query,
    exec: direct.exec,
    transaction: translated(<T>(work: (tx: SqlExecutor) => Promise<T>) =>
      driver.transaction((tx) => work(executorOf(tx))),
    ) as SqlDriver['transaction'],
    observedFlushes: () => driver.observedFlushes(),
    close: () => driver.close(),
  };
}
