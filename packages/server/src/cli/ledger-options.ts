import type { ParseArgsConfig } from 'node:util';
import { openStore, type Store } from '../store/index.js';
import type { CliIo } from './io.js';

/** Every command that touches the store: `--data DIR` (PGlite), or DATABASE_URL when set. */
export const dataOption = {
  data: { type: 'string', default: './data' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const dataHelp = `  --data DIR       the data folder (default ./data): the embedded database and the
                   log key; with DATABASE_URL set, the database is that PostgreSQL
                   and the folder keeps only the log key`;

export function openCliStore(dataDir: string, io: CliIo): Promise<Store> {
  const databaseUrl = io.env.DATABASE_URL;
  return openStore({ dataDir, ...(databaseUrl ? { databaseUrl } : {}) });
}

/** Opens the store, runs `work`, and closes the store whatever happens. */
export async function withStore<T>(
  dataDir: string,
  io: CliIo,
  work: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openCliStore(dataDir, io);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
