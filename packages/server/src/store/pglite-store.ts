import { existsSync, renameSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { TruceError } from '@truce/core';
import { startWorker } from '../worker-module.js';
import { type DurableNodeFS, fsyncPath, fsyncTree } from './durable-node-fs.js';
import { lockFolder } from './folder-lock.js';
import { type PgliteDurability, startPglite } from './pglite-start.js';
import type { SerialisedError, ThreadReply, ThreadRequest, WasmModule } from './pglite-thread.js';
import type { SqlDriver, SqlExecutor } from './sql-driver.js';
import { openSqlStore } from './sql-store.js';
import { withStorageErrors } from './storage-errors.js';
import type { GroupCommitOptions, Store } from './store.js';

export type { PgliteDurability };

/**
 * Where PGlite runs: on a worker thread of its own (default), so that the database's work and
 * its flushes overlap with the checks, signatures and HTTP on the main thread, or on the main
 * thread (one thread for everything: what PGlite does by itself; kept to compare and as a
 * fallback, `TRUCE_PGLITE_THREAD=main`).
 */
export type PgliteThread = 'worker' | 'main';

export interface PgliteStoreOptions extends GroupCommitOptions {
  /** The data folder; holds `store.lock` and the database in `pglite/`. Created if missing. */
  dataDir: string;
  durability?: PgliteDurability;
  /** Default: `TRUCE_PGLITE_THREAD` from the environment, else `worker`. */
  thread?: PgliteThread;
  /**
   * Bytes of appended entries after which the store runs CHECKPOINT (default 64 MiB), bounding
   * the WAL and the time crash recovery takes.
   */
  walCheckpointBytes?: number;
  /** How many of its latest entries the store keeps in memory (`committedSince`; 10,000). */
  tailEntries?: number;
}

const defaultWalCheckpointBytes = 64 * 1024 * 1024;

class PgliteDriver implements SqlDriver {
  readonly #pg: PGlite;
  readonly #fs: DurableNodeFS | undefined;

  constructor(pg: PGlite, fs: DurableNodeFS | undefined) {
    this.#pg = pg;
    this.#fs = fs;
  }

  async query<Row>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.#pg.query<Row>(text, [...params])).rows;
  }

  async exec(sql: string): Promise<void> {
    await this.#pg.exec(sql);
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#pg.transaction((tx) =>
      work({
        query: async <Row>(text: string, params: readonly unknown[] = []) =>
          (await tx.query<Row>(text, [...params])).rows,
        exec: async (sql: string) => {
          await tx.exec(sql);
        },
      }),
    );
  }

  observedFlushes(): number | undefined {
    // Without DurableNodeFS nothing is flushed: commits only reach the OS cache.
    return this.#fs?.flushes ?? 0;
  }

  close(): Promise<void> {
    return this.#pg.close();
  }
}

type Pending = { resolve: (value: unknown) => void; reject: (error: unknown) => void };

/** A SQL error from the database thread, with its fields (`code`…) as PGlite gave them. */
function revived(serialised: SerialisedError): Error {
  return Object.assign(new Error(serialised.message), serialised);
}

/** The database thread's worker (`startWorker`: compiled, or its TypeScript under tsx). */
function threadWorker(): Worker {
  return startWorker('store/pglite-thread', [
    'store/pglite-thread',
    'store/pglite-start',
    'store/durable-node-fs',
  ]);
}

const compileWasm = (bytes: Uint8Array): Promise<WasmModule> =>
  (
    globalThis as unknown as { WebAssembly: { compile(b: Uint8Array): Promise<WasmModule> } }
  ).WebAssembly.compile(bytes);

let assets: Promise<{ wasmModule: WasmModule; fsBundle: Blob }> | undefined;

/**
 * PGlite's WebAssembly, compiled once per process, and its file-system bundle, read once, for
 * every database thread the process starts (each would otherwise read and compile its own).
 */
function pgliteAssets(): Promise<{ wasmModule: WasmModule; fsBundle: Blob }> {
  assets ??= (async () => {
    const folder = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
    const [wasm, bundle] = await Promise.all([
      readFile(join(folder, 'pglite.wasm')),
      readFile(join(folder, 'pglite.data')),
    ]);
    return { wasmModule: await compileWasm(wasm), fsBundle: new Blob([bundle]) };
  })();
  assets.catch(() => {
    assets = undefined;
  });
  return assets;
}

/**
 * PGlite on a worker thread: each call is a message to `pglite-thread.ts`, which runs it on
 * PGlite there. A transaction stays open on that thread while `work` sends its statements, and
 * the promise resolves only once its COMMIT returned (after the flush), as on the main thread.
 */
class PgliteThreadDriver implements SqlDriver {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #flushes = 0;
  #stopped: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (reply: ThreadReply) => {
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      // Idle, the thread does not keep the process alive (as PGlite on the main thread does
      // not): a command that ends without closing its store still exits.
      if (this.#pending.size === 0) worker.unref();
      this.#flushes = reply.flushes;
      if (!pending) return;
      if (reply.ok) pending.resolve(reply.value);
      else pending.reject(revived(reply.error));
    });
    const stop = (error: Error) => {
      this.#stopped ??= error;
      for (const { reject } of this.#pending.values()) reject(this.#stopped);
      this.#pending.clear();
    };
    worker.on('error', (error) =>
      stop(new Error(`the embedded database's thread failed: ${error.message}`)),
    );
    worker.on('exit', (code) =>
      stop(new Error(`the embedded database's thread stopped (exit code ${code})`)),
    );
  }

  static async start(pgdata: string, durability: PgliteDurability): Promise<PgliteThreadDriver> {
    const assets = await pgliteAssets();
    const driver = new PgliteThreadDriver(threadWorker());
    try {
      await driver.#call({ op: 'open', pgdata, durability, ...assets });
    } catch (error) {
      await driver.#worker.terminate();
      throw error;
    }
    return driver;
  }

  #call(request: DistributiveOmit<ThreadRequest, 'id'>): Promise<unknown> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...request, id });
    });
  }

  #executor(tx?: number): SqlExecutor {
    return {
      query: async <Row>(text: string, params: readonly unknown[] = []) =>
        (await this.#call({
          op: 'query',
          text,
          params: [...params],
          ...(tx ? { tx } : {}),
        })) as Row[],
      exec: async (sql: string) => {
        await this.#call({ op: 'exec', sql, ...(tx ? { tx } : {}) });
      },
    };
  }

  query<Row>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.#executor().query<Row>(text, params);
  }

  exec(sql: string): Promise<void> {
    return this.#executor().exec(sql);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const tx = (await this.#call({ op: 'begin' })) as number;
    let result: T;
    try {
      result = await work(this.#executor(tx));
    } catch (error) {
      await this.#call({ op: 'end', tx, commit: false }).catch(() => undefined);
      throw error;
    }
    await this.#call({ op: 'end', tx, commit: true });
    return result;
  }

  observedFlushes(): number {
    return this.#flushes;
  }

  async close(): Promise<void> {
    try {
      await this.#call({ op: 'close' });
    } finally {
      await this.#worker.terminate();
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * PGlite on an existing database folder, on its own thread (default: `TRUCE_PGLITE_THREAD`,
 * else `worker`) or on this one. Exported for its tests; the store is what the rest uses.
 */
export async function openPgliteDriver(
  pgdata: string,
  durability: PgliteDurability,
  thread: PgliteThread = process.env.TRUCE_PGLITE_THREAD === 'main' ? 'main' : 'worker',
): Promise<SqlDriver> {
  if (thread === 'worker') return PgliteThreadDriver.start(pgdata, durability);
  const { pg, fs } = await startPglite(pgdata, durability);
  return new PgliteDriver(pg, fs);
}

/**
 * Creates the database aside and moves it into place once complete and flushed, so that a
 * process killed while creating it leaves no half-made folder behind.
 */
async function createDatabase(dataDir: string, pgdata: string): Promise<void> {
  const draft = join(dataDir, 'pglite.creating');
  rmSync(draft, { recursive: true, force: true });
  const pg = await PGlite.create(draft);
  await pg.close();
  fsyncTree(draft);
  renameSync(draft, pgdata);
  fsyncPath(dataDir);
}

/** Opens (creating if needed) the embedded database in `dataDir`, locked to this process. */
export async function openPgliteStore(options: PgliteStoreOptions): Promise<Store> {
  const dataDir = resolve(options.dataDir);
  const durability = options.durability ?? 'power-loss';
  const lock = lockFolder(dataDir);
  let driver: SqlDriver | undefined;
  try {
    const pgdata = join(dataDir, 'pglite');
    if (!existsSync(join(pgdata, 'PG_VERSION'))) {
      if (existsSync(pgdata)) {
        throw new TruceError(
          'INTERNAL',
          `${pgdata} exists but is not a database; move it away and start again.`,
        );
      }
      await createDatabase(dataDir, pgdata);
    }
    driver = await openPgliteDriver(pgdata, durability, options.thread);
    return await openSqlStore({
      ...options,
      kind: 'pglite',
      driver: withStorageErrors(driver),
      lockName: 'pglite',
      singleWriter: true,
      walCheckpointBytes: options.walCheckpointBytes ?? defaultWalCheckpointBytes,
      onClose: () => lock.release(),
    });
  } catch (error) {
    await driver?.close().catch(() => undefined);
    lock.release();
    throw error;
  }
}
