import { ledger } from '@truce/core';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations as knownMigrations } from './migrations.js';
import { openPostgresStore, PostgresDriver } from './postgres-store.js';
import { withStorageErrors } from './storage-errors.js';
import { freshSchemaName, postgresQuery, postgresUrl, spawnChild } from './testing/fixtures.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const schema = freshSchemaName();

afterAll(async () => {
  if (postgresUrl) await postgresQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
});

describe.skipIf(!postgresUrl)('PostgreSQL store with two writer processes', () => {
  it('sequences their concurrent appends into one gapless, consistent tree', async () => {
    const perProcess = 300;
    // Neither child finds the schema: they also race to create it and to migrate.
    const children = ['one', 'two'].map((name) =>
      spawnChild(['append', 'postgres', postgresUrl!, schema, name, String(perProcess), '8']),
    );
    await Promise.all(children.map((child) => child.waitFor((line) => line === 'opened')));
    for (const child of children) child.process.stdin?.write('go\n');
    const exits = await Promise.all(children.map((child) => child.exited));
    for (const exit of exits) expect(exit.code, exit.stderr).toBe(0);

    const store = await openPostgresStore({ connectionString: postgresUrl!, schema });
    try {
      const size = await store.size();
      expect(size).toBe(2 * perProcess);
      const entries = await store.entries(0, size);
      expect(entries.map((entry) => entry.seq)).toEqual(
        Array.from({ length: size }, (_, seq) => seq),
      );
      for (const child of children) {
        const acks = child.lines.filter((line) => line.startsWith('ack '));
        expect(acks).toHaveLength(perProcess);
        for (const ack of acks) {
          const [, seq, leafHash, eventId] = ack.split(' ');
          expect(entries[Number(seq)]).toMatchObject({ leafHash, eventId });
        }
        // Each process batched its own appends.
        const statsLine = child.lines.find((line) => line.startsWith('stats '));
        const stats = JSON.parse(statsLine!.slice('stats '.length));
        expect(stats.transactions).toBeLessThan(perProcess);
      }
      // Both processes really interleaved: neither holds one contiguous block of seqs.
      const firstOfTwo = entries.findIndex((entry) => entry.eventId.startsWith('two-'));
      const lastOfOne = entries.findLastIndex((entry) => entry.eventId.startsWith('one-'));
      expect(firstOfTwo).toBeLessThan(lastOfOne);

      const tree = ledger.MemoryMerkleTree.of(entries.map((entry) => entry.entry));
      for (const n of [1, 2, 3, 100, 257, 299, 300, 301, 512, 599, 600]) {
        expect(hex(await store.root(n)), `root of size ${n}`).toBe(hex(tree.root(n)));
      }
      const [migrations] = await postgresQuery(
        'SELECT count(*)::int AS applied FROM schema_migrations',
        schema,
      );
      expect(migrations).toEqual({ applied: knownMigrations.length });
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe.skipIf(!postgresUrl)('PostgreSQL dropping a connection in a transaction', () => {
  it('fails that transaction, keeps the process alive and the pool serving', async () => {
    const pool = new pg.Pool({ connectionString: postgresUrl, max: 2 });
    pool.on('error', () => undefined);
    const driver = new PostgresDriver(pool);
    try {
      // The server ends the connection mid-transaction (a restart, a failover, a WAL PANIC):
      // without a listener on the checked-out client, pg's 'error' event ended the process.
      await expect(
        driver.transaction(async (tx) => {
          const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await postgresQuery(`SELECT pg_terminate_backend(${row!.pid})`);
          await tx.query('SELECT 1');
        }),
      ).rejects.toThrow();
      // Through the store's driver the same drop is a clear STORAGE_UNAVAILABLE (HTTP 503).
      const wrapped = withStorageErrors(driver);
      await expect(
        wrapped.transaction(async (tx) => {
          const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await postgresQuery(`SELECT pg_terminate_backend(${row!.pid})`);
          await tx.query('SELECT 1');
        }),
      ).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      // Give the closed socket's late events time to arrive: none may be unheard.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await driver.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      expect(
        await driver.transaction((tx) => tx.query<{ two: number }>('SELECT 2 AS two')),
      ).toEqual([{ two: 2 }]);
    } finally {
      await driver.close();
    }
  });
});
