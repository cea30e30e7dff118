import { openPgliteStore, type PgliteDurability } from './pglite-store.js';
import { openPostgresStore } from './postgres-store.js';
import type { GroupCommitOptions, Store } from './store.js';

export { type MemoryStoreOptions, openMemoryStore } from './memory-store.js';
export { type Migration, migrations } from './migrations.js';
export { openPgliteStore, type PgliteDurability, type PgliteStoreOptions } from './pglite-store.js';
export { openPostgresStore, type PostgresStoreOptions } from './postgres-store.js';
export { isPreconditionFailure } from './sequencer.js';
export type { SqlDriver, SqlExecutor } from './sql-driver.js';
export { sqlDriverOf } from './sql-store.js';
export type * from './store.js';

export interface OpenStoreOptions extends GroupCommitOptions {
  /** The data folder for the embedded database (default `./data`). */
  dataDir?: string;
  /** When set (the CLI passes DATABASE_URL), the store is on that PostgreSQL instead. */
  databaseUrl?: string;
  durability?: PgliteDurability;
}

/** The store every command uses: PostgreSQL when a URL is given, else PGlite in the folder. */
export function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const { dataDir = './data', databaseUrl, durability, ...groupCommit } = options;
  if (databaseUrl !== undefined && databaseUrl !== '') {
    return openPostgresStore({ ...groupCommit, connectionString: databaseUrl });
  }
  return openPgliteStore({ ...groupCommit, dataDir, ...(durability ? { durability } : {}) });
}
