import { existsSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { TruceError } from '@truce/core';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from './migrations.js';
import { openPgliteStore } from './pglite-store.js';
import { appendRequest, freshPgliteFolder, spawnChild } from './testing/fixtures.js';

const folders: string[] = [];
const fresh = async (): Promise<string> => {
  const folder = await freshPgliteFolder();
  folders.push(folder);
  return folder;
};

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

async function rawQuery(dataDir: string, sql: string): Promise<Record<string, unknown>[]> {
  const db = await PGlite.create(join(dataDir, 'pglite'));
  try {
    return (await db.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await db.close();
  }
}

describe('PGlite store', () => {
  it('refuses a second process with a CONFLICT naming the holder, and recovers the folder once the holder is killed', async () => {
    const dataDir = await fresh();
    const holder = spawnChild(['open', 'pglite', dataDir]);
    try {
      await holder.waitFor((line) => line === 'opened');
      const refused = await openPgliteStore({ dataDir }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(TruceError);
      expect((refused as TruceError).code).toBe('CONFLICT');
      expect((refused as TruceError).message).toContain(
        `in use by process ${holder.process.pid} on ${hostname()}`,
      );
    } finally {
      holder.process.kill('SIGKILL');
      await holder.exited;
    }
    // The killed holder left its lock file behind; its pid is dead, so the lock is stale.
    expect(existsSync(join(dataDir, 'store.lock'))).toBe(true);
    const store = await openPgliteStore({ dataDir });
    const [receipt] = await store.append([appendRequest('l', 0)]);
    expect(receipt?.seq).toBe(0);
    await store.close();
    expect(existsSync(join(dataDir, 'store.lock'))).toBe(false);
  }, 90_000);

  it('records its migrations, refuses a database from a newer truce, runs without fsync and checkpoints the WAL', async () => {
    const dataDir = await fresh();
    // process-crash mode: nothing is flushed (the power-loss default is covered in store.test).
    // A tiny WAL budget: the store checkpoints after every append.
    const store = await openPgliteStore({
      dataDir,
      durability: 'process-crash',
      walCheckpointBytes: 1,
    });
    for (let n = 0; n < 3; n++) await store.append([appendRequest('m', n)]);
    // After close: the last checkpoint runs after the last append was acknowledged.
    await store.close();
    expect(store.stats()).toMatchObject({ transactions: 3, flushes: 0, walCheckpoints: 3 });

    expect(
      await rawQuery(dataDir, 'SELECT version, name FROM schema_migrations ORDER BY version'),
    ).toEqual(migrations.map(({ version, name }) => ({ version, name })));
    await rawQuery(
      dataDir,
      "INSERT INTO schema_migrations (version, name, checksum) VALUES (99, 'from-the-future', '')",
    );
    const error = await openPgliteStore({ dataDir }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TruceError);
    expect((error as TruceError).message).toMatch(/schema version 99 .*newer/);
    // The failed open released the folder.
    expect(existsSync(join(dataDir, 'store.lock'))).toBe(false);
  }, 90_000);
});
