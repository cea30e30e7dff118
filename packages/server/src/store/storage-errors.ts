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

/**
 * Whether the database could not be reached or dropped the connection: refused or reset, a
 * server shutting down, crashed or still recovering (SQLSTATE class 57P, class 08), or pg's own
 * "Connection terminated".
 */
export function isUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code))
      return true;
    if (/^(57P0[1-4]|08[0-9A-Z]{3})$/.test(code)) return true;
  }
  return (
    typeof message === 'string' &&
    /^(Connection terminated|Client has encountered a connection error)/.test(message)
  );
}

export function storageUnavailable(error: unknown): TruceError {
  return new TruceError(
    'STORAGE_UNAVAILABLE',
    "the server's database cannot be reached now (down, restarting or recovering): a write was stored whole or not at all. Send it again shortly with the same idempotency keys",
    [{ path: '', message: String((error as Error)?.message ?? error) }],
  );
}

function translated<A extends unknown[], R>(call: (...args: A) => Promise<R>) {
  return async (...args: A): Promise<R> => {
    try {
      return await call(...args);
    } catch (error) {
      if (isDiskFull(error)) throw storageFull(error);
      throw isUnavailable(error) ? storageUnavailable(error) : error;
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
