import { ledger } from '@truce/core';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations as knownMigrations } from './migrations.js';
import { openPostgresStore } from './postgres-store.js';
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
