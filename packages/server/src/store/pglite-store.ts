import { existsSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { TruceError } from '@truce/core';
import { DurableNodeFS, fsyncPath, fsyncTree } from './durable-node-fs.js';
import { lockFolder } from './folder-lock.js';
import type { SqlDriver, SqlExecutor } from './sql-driver.js';
import { openSqlStore } from './sql-store.js';
import { withStorageErrors } from './storage-errors.js';
import type { GroupCommitOptions, Store } from './store.js';

/**
 * What an acknowledged append survives.
 * - `power-loss` (default): Postgres runs with fsync on and every fsync reaches the disk;
 *   an acknowledged append survives a crash of the process and of the machine (as far as the
 *   disk honours flushes).
 * - `process-crash`: PGlite's own default, fsync off. Committed data is in the operating
 *   system's cache when an append is acknowledged, so it survives `kill -9` of the process but
 *   may be lost, and the folder corrupted, by a power cut or kernel crash. Faster; for tests
 *   and benchmarks that want to measure that difference.
 */
export type PgliteDurability = 'power-loss' | 'process-crash';

export interface PgliteStoreOptions extends GroupCommitOptions {
  /** The data folder; holds `store.lock` and the database in `pglite/`. Created if missing. */
  dataDir: string;
  durability?: PgliteDurability;
  /**
   * Bytes of appended entries after which the store runs CHECKPOINT (default 64 MiB), bounding
   * the WAL and the time crash recovery takes.
   */
  walCheckpointBytes?: number;
}

const defaultWalCheckpointBytes = 64 * 1024 * 1024;

// PGlite's own start parameters minus `-F` (fsync off). Copied from PGlite 0.5.16 in case a
// later version stops exposing them; what matters is that fsync ends up on.
const fallbackStartParams = [
  '--single',
  '-O',
  '-j',
  '-c',
  'search_path=public',
  '-c',
  'exit_on_error=false',
  '-c',
  'log_checkpoints=false',
  '-c',
  'max_worker_processes=0',
  '-c',
  'max_parallel_workers=0',
  '-c',
  'max_parallel_workers_per_gather=0',
  '-c',
  'io_method=sync',
  '-c',
  'max_parallel_maintenance_workers=0',
];

function durableStartParams(): string[] {
  const defaults = (PGlite as unknown as { defaultStartParams?: unknown }).defaultStartParams;
  const base =
    Array.isArray(defaults) && defaults.every((value) => typeof value === 'string')
      ? defaults.filter((value) => value !== '-F')
      : fallbackStartParams;
  // wal_sync_method=fsync because Emscripten's fdatasync() is a stub that DurableNodeFS cannot
  // reach; fsync() is the call it makes real.
  return [...base, '-c', 'fsync=on', '-c', 'wal_sync_method=fsync'];
}

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

async function startPglite(
  pgdata: string,
  durability: PgliteDurability,
): Promise<{ pg: PGlite; fs: DurableNodeFS | undefined }> {
  if (durability === 'process-crash') return { pg: await PGlite.create(pgdata), fs: undefined };
  const fs = new DurableNodeFS(pgdata);
  const pg = await PGlite.create({ fs, startParams: durableStartParams() });
  const [fsync] = (await pg.query<{ fsync: string }>('SHOW fsync')).rows;
  if (fsync?.fsync !== 'on') {
    await pg.close();
    throw new TruceError('INTERNAL', 'PGlite started with fsync off; refusing to run the ledger.');
  }
  return { pg, fs };
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
  let driver: PgliteDriver | undefined;
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
    const { pg, fs } = await startPglite(pgdata, durability);
    driver = new PgliteDriver(pg, fs);
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
