import { TruceError } from '@truce/core';
import pg from 'pg';
import type { SqlDriver, SqlExecutor } from './sql-driver.js';
import { openSqlStore } from './sql-store.js';
import { withStorageErrors } from './storage-errors.js';
import type { GroupCommitOptions, Store } from './store.js';

export interface PostgresStoreOptions extends GroupCommitOptions {
  /** `postgres://user@host:5432/database`, usually DATABASE_URL. */
  connectionString: string;
  /** Schema that holds truce's tables (default `public`); created if missing. */
  schema?: string;
  /** Connections per process (default 4): one writer, the rest for reads. */
  poolSize?: number;
  /** How long opening waits for PostgreSQL to accept a first connection (default 15 s). */
  startTimeoutMs?: number;
}

const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/;

function executor(client: pg.PoolClient | pg.Pool): SqlExecutor {
  return {
    query: async <Row>(text: string, params: readonly unknown[] = []) =>
      (await client.query(text, [...params])).rows as Row[],
    exec: async (sql: string) => {
      await client.query(sql);
    },
  };
}

export class PostgresDriver implements SqlDriver {
  readonly #pool: pg.Pool;
  readonly query: SqlExecutor['query'];
  readonly exec: SqlExecutor['exec'];

  constructor(pool: pg.Pool) {
    this.#pool = pool;
    const direct = executor(pool);
    this.query = direct.query;
    this.exec = direct.exec;
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    // While checked out, a connection the server drops (a restart, a failover, a PANIC when the
    // WAL's disk is full) emits 'error' on the client, which the pool does not listen to then:
    // unheard, it would end the process. Heard, the transaction's pending query fails, the
    // caller gets the error, and the broken connection is not returned to the pool.
    let dropped: Error | undefined;
    const onError = (error: Error) => {
      dropped = error;
    };
    client.on('error', onError);
    const release = (error?: Error) => {
      client.removeListener('error', onError);
      // After a drop, pg may still report the closed socket: heard and ignored.
      if (dropped !== undefined) client.on('error', () => undefined);
      client.release(error ?? dropped);
    };
    try {
      await client.query('BEGIN');
      const result = await work(executor(client));
      await client.query('COMMIT');
      release();
      return result;
    } catch (error) {
      try {
        if (dropped !== undefined) throw dropped;
        await client.query('ROLLBACK');
        release();
      } catch (rollbackError) {
        // A connection that cannot roll back is not returned to the pool.
        release(rollbackError as Error);
      }
      // The drop is the cause (with its SQLSTATE), not the refused statement that followed it.
      throw dropped ?? error;
    }
  }

  observedFlushes(): undefined {
    return undefined;
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

/**
 * Opens the store on PostgreSQL. Several processes may open the same database: they share one
 * sequencer through an advisory lock, so they build one tree.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const schema = options.schema ?? 'public';
  if (!schemaPattern.test(schema)) {
    throw new TruceError(
      'USAGE',
      `Schema name "${schema}" is not allowed; use lower-case letters, digits and _.`,
    );
  }
  // One connection first, with a deadline: a database behind a firewall that drops packets
  // would otherwise leave the start waiting without a word (the pool itself keeps no deadline:
  // under load its queued queries may wait longer than a connection should take).
  const probe = new pg.Client({
    connectionString: options.connectionString,
    connectionTimeoutMillis: options.startTimeoutMs ?? defaultStartTimeoutMs,
  });
  try {
    await probe.connect();
  } catch (error) {
    throw notOpened(options.connectionString, String((error as Error)?.message ?? error));
  } finally {
    await probe.end().catch(() => undefined);
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 4,
    // Acknowledged means flushed: whatever the server's default, commits wait for the WAL.
    options: `-c search_path=${schema} -c synchronous_commit=on`,
  });
  // An idle connection the server dropped must not crash the process; the next query that
  // needs a connection reports the problem.
  pool.on('error', () => undefined);
  try {
    if (schema !== 'public') await createSchema(pool, schema);
    return await openSqlStore({
      ...options,
      kind: 'postgres',
      driver: withStorageErrors(new PostgresDriver(pool)),
      lockName: `postgres:${schema}`,
    });
  } catch (error) {
    await pool.end().catch(() => undefined);
    // Nothing was asked to be written yet: say which database could not be reached, not how to
    // retry a write.
    if (error instanceof TruceError && error.code === 'STORAGE_UNAVAILABLE') {
      throw notOpened(options.connectionString, error.details[0]?.message ?? 'unreachable');
    }
    throw error;
  }
}

const defaultStartTimeoutMs = 15_000;

function notOpened(connectionString: string, reason: string): TruceError {
  return new TruceError(
    'STORAGE_UNAVAILABLE',
    `cannot open the database at ${redactedUrl(connectionString)}: ${reason}. Check that PostgreSQL runs there and that DATABASE_URL is right, then start again`,
    [{ path: '', message: reason }],
  );
}

/** A connection string as it may be printed: without its password. */
function redactedUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'DATABASE_URL';
  }
}

async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  // Looked up first: CREATE … IF NOT EXISTS needs the right to create in the database even when
  // the schema is there, which a least-privilege role does not have (docs/STORAGE.md, roles).
  const found = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (found.rowCount) return;
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (error) {
    // Two processes creating it at once: one of them loses the race, which is fine.
    const code = (error as { code?: string }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
}
