import { existsSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { TruceError } from '@truce/core';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from './migrations.js';
import { openPgliteDriver, openPgliteStore } from './pglite-store.js';
import type { SqlDriver } from './sql-driver.js';
import { openSqlStore } from './sql-store.js';
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

  it('sequences a batch without reading the log once it knows the tree, and reads when a write meets a stored key', async () => {
    const dataDir = await fresh();
    const store = await openPgliteStore({ dataDir, durability: 'process-crash' });
    const reads = () => store.stats().sequencerReads;
    try {
      // The first batch reads (nothing is known yet); the next ones do not.
      const [first] = await store.append([appendRequest('s', 0, { kind: 'label-s' })]);
      expect(reads()).toBe(1);
      await Promise.all([1, 2, 3].map((n) => store.append([appendRequest('s', n)])));
      await store.append([appendRequest('s', 4)], { kind: 'label-s', noneAfter: 0 });
      expect(reads()).toBe(1);
      // The last entry of a kind is known from the writes: a stale precondition is refused unread.
      const stale = await store
        .append([appendRequest('s', 5)], { kind: 'label-s', noneAfter: -1 })
        .catch((error: unknown) => error);
      expect(stale).toMatchObject({ code: 'CONFLICT' });
      expect(reads()).toBe(1);
      // A retry meets the unique index: the write fails whole, the batch is read and answered
      // with the original receipt; a reused event id the same way, with a CONFLICT.
      const [retry] = await store.append([appendRequest('s', 0, { kind: 'label-s' })]);
      expect(retry).toEqual({ ...first, idempotent: true });
      expect(reads()).toBe(2);
      const reused = await store
        .append([appendRequest('s', 6), appendRequest('s', 1, { idempotencyKey: 'other' })])
        .catch((error: unknown) => error);
      expect(reused).toMatchObject({ code: 'CONFLICT' });
      expect(reads()).toBe(3);
      expect(await store.size()).toBe(5);
      // Times never go back, whichever path stamped them.
      const times = (await store.entries(0, 10)).map((entry) => entry.appendedAt);
      expect([...times].sort()).toEqual(times);
    } finally {
      await store.close();
    }
    // Another process's store (here: after a reopen) knows nothing yet and reads first.
    const reopened = await openPgliteStore({ dataDir, durability: 'process-crash' });
    try {
      const [next] = await reopened.append([appendRequest('s', 7)]);
      expect(next?.seq).toBe(5);
      expect(reopened.stats().sequencerReads).toBe(1);
      const refused = await reopened
        .append([appendRequest('s', 8)], { kind: 'label-s', noneAfter: -1 })
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'CONFLICT' });
    } finally {
      await reopened.close();
    }
  });

  it('reads the log again after a write whose outcome it did not learn', async () => {
    const dataDir = await fresh();
    const driver = await openPgliteDriver(join(dataDir, 'pglite'), 'process-crash');
    // The next write runs, then its answer is lost: committed, but the store hears an error.
    let loseNextAnswer = false;
    const flaky: SqlDriver = {
      query: async <Row>(text: string, params?: readonly unknown[]) => {
        const rows = await driver.query<Row>(text, params);
        if (loseNextAnswer && text.includes('INSERT INTO events')) {
          loseNextAnswer = false;
          throw Object.assign(new Error('the connection went away'), { code: '08006' });
        }
        return rows;
      },
      exec: (sql) => driver.exec(sql),
      transaction: (work) => driver.transaction(work),
      observedFlushes: () => driver.observedFlushes(),
      close: () => driver.close(),
    };
    const store = await openSqlStore({
      kind: 'pglite',
      driver: flaky,
      lockName: 'pglite',
      singleWriter: true,
    });
    try {
      await store.append([appendRequest('u', 0, { kind: 'label-u' })]);
      loseNextAnswer = true;
      const lost = await store
        .append([appendRequest('u', 1, { kind: 'label-u' })])
        .catch((error: unknown) => error);
      expect(lost).toMatchObject({ code: '08006' });
      const reads = store.stats().sequencerReads;
      // The entry the store did not hear about is in the log: the next batch reads, sees it,
      // and goes on after it; its precondition is judged on what the log holds.
      const stale = await store
        .append([appendRequest('u', 2)], { kind: 'label-u', noneAfter: 0 })
        .catch((error: unknown) => error);
      expect(stale).toMatchObject({ code: 'CONFLICT' });
      expect(store.stats().sequencerReads).toBe(reads + 1);
      const [retry, next] = await store.append([
        appendRequest('u', 1, { kind: 'label-u' }),
        appendRequest('u', 2),
      ]);
      expect(retry).toMatchObject({ seq: 1, idempotent: true });
      expect(next).toMatchObject({ seq: 2, idempotent: false });
      expect(await store.size()).toBe(3);
      // What it keeps in memory starts again after what it read: entry 1 is not taken from
      // memory (the store never heard it was written), entry 2 is.
      expect(store.committedSince?.(1)).toBeUndefined();
      expect(store.committedSince?.(2)).toEqual(await store.entries(2, 10));
    } finally {
      await store.close();
    }
  });

  it('answers its latest committed entries from memory exactly as the database does', async () => {
    const dataDir = await fresh();
    const open = () => openPgliteStore({ dataDir, tailEntries: 4 });
    let store = await open();
    // Where memory answers, it answers what the database holds; elsewhere it says to read.
    const agreesFrom = async (fromSeq: number) => {
      const inMemory = store.committedSince?.(fromSeq);
      if (inMemory !== undefined) expect(inMemory).toEqual(await store.entries(fromSeq, 100));
      return inMemory !== undefined;
    };
    try {
      expect(await agreesFrom(0)).toBe(false); // nothing written by this process yet
      await store.append([appendRequest('m', 0), appendRequest('m', 1)]);
      await store.append([appendRequest('m', 2)]);
      expect(await agreesFrom(0)).toBe(true);
      expect(await agreesFrom(2)).toBe(true);
      expect(store.committedSince?.(3)).toEqual([]);
      // A retry adds nothing; more than the bound keeps the latest ones only.
      await store.append([appendRequest('m', 1)]);
      for (let n = 3; n < 9; n++) await store.append([appendRequest('m', n)]);
      const kept = [];
      for (let seq = 0; seq <= 9; seq++) kept.push(await agreesFrom(seq));
      expect(kept.slice(0, 5)).toEqual([false, false, false, false, false]);
      expect(kept.at(-1)).toBe(true);
      expect(store.committedSince?.(8)?.map((entry) => entry.eventId)).toEqual(['m-8']);
      // Opened again: what the last process wrote is read from the database.
      await store.close();
      store = await open();
      expect(await agreesFrom(0)).toBe(false);
      await store.append([appendRequest('m', 9)]);
      expect(await agreesFrom(8)).toBe(false);
      expect(await agreesFrom(9)).toBe(true);
    } finally {
      await store.close();
    }
  });

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
