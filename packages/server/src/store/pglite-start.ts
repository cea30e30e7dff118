import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { DurableNodeFS } from './durable-node-fs.js';

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

/**
 * Starts PGlite on an existing database folder with the durability asked for. Used on the
 * thread that runs the database: the store's worker thread by default, or the main thread.
 */
export async function startPglite(
  pgdata: string,
  durability: PgliteDurability,
  assets: Pick<PGliteOptions, 'pgliteWasmModule' | 'fsBundle'> = {},
): Promise<{ pg: PGlite; fs: DurableNodeFS | undefined }> {
  if (durability === 'process-crash') {
    return { pg: await PGlite.create({ dataDir: pgdata, ...assets }), fs: undefined };
  }
  const fs = new DurableNodeFS(pgdata);
  const pg = await PGlite.create({ fs, startParams: durableStartParams(), ...assets });
  const [fsync] = (await pg.query<{ fsync: string }>('SHOW fsync')).rows;
  if (fsync?.fsync !== 'on') {
    await pg.close();
    // A plain Error (an internal failure): this module runs on the database's thread too, which
    // does not load @truce/core.
    throw new Error('PGlite started with fsync off; refusing to run the ledger.');
  }
  return { pg, fs };
}
