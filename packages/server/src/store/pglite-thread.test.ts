import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPgliteDriver, openPgliteStore, type PgliteThread } from './pglite-store.js';
import type { SqlDriver } from './sql-driver.js';
import { appendRequest, freshPgliteFolder } from './testing/fixtures.js';

const folders: string[] = [];
const drivers: SqlDriver[] = [];

afterEach(async () => {
  for (const driver of drivers.splice(0)) await driver.close().catch(() => undefined);
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

async function open(thread: PgliteThread): Promise<SqlDriver> {
  const folder = await freshPgliteFolder();
  folders.push(folder);
  const driver = await openPgliteDriver(join(folder, 'pglite'), 'power-loss', thread);
  drivers.push(driver);
  return driver;
}

/**
 * How many 10 ms timers fire on this thread while the database sleeps for `seconds`: with
 * PGlite on the main thread, none can (its WebAssembly holds the thread); on its own thread,
 * nearly all do.
 */
async function ticksDuring(driver: SqlDriver, seconds: number): Promise<number> {
  let ticks = 0;
  const timer = setInterval(() => {
    ticks += 1;
  }, 10);
  try {
    await driver.query(`SELECT pg_sleep(${seconds})`);
  } finally {
    clearInterval(timer);
  }
  return ticks;
}

describe('PGlite on its own thread', () => {
  it('answers queries, parameters and errors as PGlite does on the main thread', async () => {
    for (const thread of ['worker', 'main'] as const) {
      const driver = await open(thread);
      await driver.exec('CREATE TABLE t (id int8 PRIMARY KEY, body bytea, note text)');
      const body = new Uint8Array([0, 1, 2, 255]);
      await driver.query('INSERT INTO t VALUES ($1, $2, $3)', [9_007_199_254_740_991n, body, 'é']);
      const rows = await driver.query<{ id: unknown; body: Uint8Array; note: string }>(
        'SELECT id, body, note FROM t',
      );
      expect(rows).toHaveLength(1);
      expect(BigInt(rows[0]!.id as bigint)).toBe(9_007_199_254_740_991n);
      expect([...rows[0]!.body]).toEqual([0, 1, 2, 255]);
      expect(rows[0]!.note).toBe('é');
      // SQL errors keep their SQLSTATE, which the store's error mapping reads (53100: disk full).
      const failure = await driver.query('SELECT 1 / 0').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as { code?: string }).code).toBe('22012');
      expect(await driver.query<{ n: number }>('SELECT 2 AS n')).toEqual([{ n: 2 }]);
    }
  });

  it('commits a transaction only when its work succeeds, and rolls it back when it throws', async () => {
    const driver = await open('worker');
    await driver.exec('CREATE TABLE t (n int PRIMARY KEY)');
    const result = await driver.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES (1)');
      await tx.query('INSERT INTO t VALUES (2)');
      return 'done';
    });
    expect(result).toBe('done');
    const refused = await driver
      .transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (3)');
        throw new Error('changed my mind');
      })
      .catch((error: unknown) => error);
    expect((refused as Error).message).toBe('changed my mind');
    // A failing statement inside the transaction rolls back the statements before it too.
    const conflict = await driver
      .transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (4)');
        await tx.query('INSERT INTO t VALUES (1)');
      })
      .catch((error: unknown) => error);
    expect((conflict as { code?: string }).code).toBe('23505');
    expect(await driver.query<{ n: number }>('SELECT n FROM t ORDER BY n')).toEqual([
      { n: 1 },
      { n: 2 },
    ]);
    // The flushes of the commits are counted on the database's thread and reported back.
    expect(driver.observedFlushes()).toBeGreaterThan(0);
  });

  it('leaves the main thread free while the database works', async () => {
    const worker = await open('worker');
    const main = await open('main');
    // 0.5 s of database work: 10 ms timers fire throughout on the worker, never on the main thread.
    expect(await ticksDuring(main, 0.5)).toBe(0);
    expect(await ticksDuring(worker, 0.5)).toBeGreaterThanOrEqual(5);
  });

  it('refuses calls once closed, and a store on it appends and reopens as before', async () => {
    const driver = await open('worker');
    await driver.close();
    drivers.splice(drivers.indexOf(driver), 1);
    await expect(driver.query('SELECT 1')).rejects.toThrow(/thread stopped/);

    const dataDir = await freshPgliteFolder();
    folders.push(dataDir);
    const store = await openPgliteStore({ dataDir, thread: 'worker' });
    const receipts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.append([appendRequest('w', i)])),
    );
    expect(receipts.flat().map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(store.stats().flushes).toBeGreaterThan(0);
    await store.close();
    const again = await openPgliteStore({ dataDir, thread: 'worker' });
    expect(await again.size()).toBe(20);
    await again.close();
  });
});
