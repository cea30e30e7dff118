/**
 * A second process for the store tests (crash, lock, two writers on one PostgreSQL). Spawned
 * with `node --import tsx`; speaks one line of text per event on stdout, which is a pipe and
 * therefore written synchronously: a line the parent reads was written before any kill.
 *
 *   append-loop pglite DIR PREFIX CONCURRENCY [DURABILITY]
 *                                                   append until killed; `ack SEQ LEAF EVENT`
 *   append postgres URL SCHEMA PREFIX COUNT CONCURRENCY   open, print `opened`, wait for a line
 *                                                   on stdin, append COUNT entries, print
 *                                                   `stats {…}`, exit
 *   open pglite DIR                                 open, print `opened` or `error CODE MESSAGE`,
 *                                                   then hold the store until stdin closes
 */
import { createHash } from 'node:crypto';
import { isTruceError } from '@truce/core';
import { openPgliteStore } from '../pglite-store.js';
import { openPostgresStore } from '../postgres-store.js';
import type { AppendRequest, Store } from '../store.js';

const [mode, kind, target, ...rest] = process.argv.slice(2);

function request(prefix: string, n: number): AppendRequest {
  const entry = new TextEncoder().encode(
    JSON.stringify({ event: `${prefix}-${n}`, padding: 'x'.repeat(200) }),
  );
  return {
    entry,
    eventId: `${prefix}-${n}`,
    org: 'org-child',
    idempotencyKey: `${prefix}-${n}`,
    contentHash: createHash('sha256').update(entry).digest('hex'),
  };
}

async function open(): Promise<Store> {
  if (kind === 'pglite') {
    const durability = mode === 'append-loop' ? rest[2] : undefined;
    return openPgliteStore({
      dataDir: target!,
      ...(durability === 'process-crash' ? { durability } : {}),
    });
  }
  return openPostgresStore({ connectionString: target!, schema: rest.shift()! });
}

async function appendOne(store: Store, prefix: string, n: number): Promise<void> {
  const [receipt] = await store.append([request(prefix, n)]);
  process.stdout.write(`ack ${receipt!.seq} ${receipt!.leafHash} ${prefix}-${n}\n`);
}

async function main(): Promise<void> {
  if (mode === 'open') {
    try {
      const store = await open();
      process.stdout.write('opened\n');
      process.stdin.resume();
      process.stdin.on('end', () => void store.close().then(() => process.exit(0)));
    } catch (error) {
      if (!isTruceError(error)) throw error;
      process.stdout.write(`error ${error.code} ${error.message}\n`);
      process.exit(0);
    }
    return;
  }
  const store = await open();
  process.stdout.write('opened\n');
  const [prefix = 'child', ...numbers] = rest;
  if (mode === 'append-loop') {
    const concurrency = Number(numbers[0] ?? 4);
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) await appendOne(store, prefix, next++);
      }),
    );
  }
  if (mode === 'append') {
    // Waits for the parent's go, so that two children start appending at the same moment.
    await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
    const count = Number(numbers[0]);
    const concurrency = Number(numbers[1] ?? 8);
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) await appendOne(store, prefix, next++);
      }),
    );
    process.stdout.write(`stats ${JSON.stringify(store.stats())}\n`);
    await store.close();
    // stdin, still open, would keep the process alive.
    process.exit(0);
  }
}

await main();
