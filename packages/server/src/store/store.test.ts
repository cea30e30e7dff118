import { createHash } from 'node:crypto';
import { ledger, TruceError } from '@truce/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isPreconditionFailure } from './sequencer.js';
import { sqlDriverOf } from './sql-store.js';
import type { Store } from './store.js';
import {
  appendRequest,
  memoryKind,
  type OpenedStore,
  pgliteKind,
  postgresKind,
  postgresUrl,
  type StoreKind,
} from './testing/fixtures.js';

// The same behaviour, whatever the store: memory always, PGlite always, PostgreSQL when
// TRUCE_TEST_DATABASE_URL names one (CI does).
const kinds: StoreKind[] = [memoryKind, pgliteKind, ...(postgresUrl ? [postgresKind] : [])];

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

async function rejection(promise: Promise<unknown>): Promise<TruceError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TruceError);
  return error as TruceError;
}

async function appendMany(store: Store, prefix: string, count: number, perCall = 1) {
  const receipts = [];
  for (let n = 0; n < count; n += perCall) {
    const requests = [];
    for (let k = n; k < Math.min(count, n + perCall); k++) requests.push(appendRequest(prefix, k));
    receipts.push(...(await store.append(requests)));
  }
  return receipts;
}

for (const kind of kinds) {
  describe(`${kind.name} store`, () => {
    // One store for most tests, as a server has: opening PGlite takes a second or more, and
    // tests that start from a non-empty log exercise the sequencer's state better anyway. Each
    // test uses its own prefix and counts from the size it finds.
    let shared: OpenedStore;
    let store: Store;
    let own: OpenedStore | undefined;
    const openOwn = async (options = {}) => {
      own = await kind.open(options);
      return own;
    };
    // Generous: the first PGlite test process of a run may have to create the template.
    beforeAll(async () => {
      shared = await kind.open();
      store = shared.store;
    }, 120_000);
    afterAll(async () => {
      await shared?.dispose();
    }, 30_000);
    afterEach(async () => {
      await own?.dispose();
      own = undefined;
    });

    // Runs first: vitest runs a file's tests in order.
    it('starts empty, with the root of the empty tree', async () => {
      expect(await store.size()).toBe(0);
      expect(hex(await store.root())).toBe(hex(ledger.emptyRoot()));
      expect(await store.entries(0, 10)).toEqual([]);
      expect(await store.entry(0)).toBeUndefined();
      expect(await store.latestCheckpoint()).toBeUndefined();
      expect(await store.checkpoints()).toEqual([]);
    });

    it('appends in order and returns a receipt per entry', async () => {
      const base = await store.size();
      const requests = [0, 1, 2].map((n) => appendRequest('a', n));
      const receipts = await store.append(requests);
      expect(receipts.map((receipt) => receipt.seq)).toEqual([base, base + 1, base + 2]);
      receipts.forEach((receipt, i) => {
        expect(receipt.idempotent).toBe(false);
        expect(receipt.leafHash).toBe(hex(ledger.hashLeaf(requests[i]!.entry)));
        expect(Number.isNaN(Date.parse(receipt.appendedAt))).toBe(false);
      });
      const [next] = await store.append([appendRequest('a', 3)]);
      expect(next?.seq).toBe(base + 3);
      expect(await store.size()).toBe(base + 4);

      expect(await store.entry(base + 1)).toEqual({
        seq: base + 1,
        eventId: 'a-1',
        org: 'org-a',
        idempotencyKey: 'key-a-1',
        contentHash: requests[1]!.contentHash,
        entry: requests[1]!.entry,
        leafHash: receipts[1]!.leafHash,
        appendedAt: receipts[1]!.appendedAt,
      });
      const page = await store.entries(base + 1, 2);
      expect(page.map((entry) => entry.seq)).toEqual([base + 1, base + 2]);
      expect(hex(page[1]!.entry)).toBe(hex(requests[2]!.entry));
      expect((await store.entries(base + 3, 100)).map((entry) => entry.eventId)).toEqual(['a-3']);
    });

    it('keeps every entry byte for byte: UTF-8 text (sent as text) and other bytes (as hex)', async () => {
      const utf8 = new TextEncoder();
      const entries = [
        utf8.encode('{"name":"معبر كرم أبو سالم","note":"\\u0000 escaped, \\"quoted\\""}'),
        // Large ones go to the database as text, small ones hex-encoded: both kept exactly.
        utf8.encode(`{"name":"${'معبر كرم أبو سالم، '.repeat(200)}","note":"\\"q\\" \\\\ {}"}`),
        utf8.encode(`{"rows":[${'[1003,0,1,2,3,10,6,4],'.repeat(20_000)}0]}`),
        new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
        new Uint8Array([0x7b, 0x00, 0x7d]),
        new Uint8Array(8192).fill(0xe9),
        new Uint8Array(Buffer.from(`{"a":"${'x'.repeat(5000)}\u0000"}`)),
        // A view into a larger buffer: only its own bytes are the entry.
        new Uint8Array(Buffer.from('xx{"in":"a view"}yy').buffer).subarray(2, 17),
        utf8.encode('{"a":"\\\\ back\\\\slashes {} , and ARRAY[] text"}'),
      ];
      const requests = entries.map((entry, n) =>
        appendRequest('bytes', n, {
          entry,
          contentHash: createHash('sha256').update(entry).digest('hex'),
        }),
      );
      const receipts = await store.append(requests);
      for (const [index, receipt] of receipts.entries()) {
        const stored = await store.entry(receipt.seq);
        expect(hex(stored!.entry)).toBe(hex(entries[index]!));
        expect(receipt.leafHash).toBe(hex(ledger.hashLeaf(entries[index]!)));
      }
      // A retry of the same bytes is recognised as the same content.
      const again = await store.append(requests);
      expect(again.map((receipt) => receipt.idempotent)).toEqual(entries.map(() => true));
    });

    it('returns the original receipt for a retry with the same key and content', async () => {
      const [original] = await store.append([appendRequest('i', 0)]);
      await store.append([appendRequest('i', 1)]);
      const size = await store.size();
      const [retry] = await store.append([appendRequest('i', 0)]);
      expect(retry).toEqual({ ...original, idempotent: true });
      expect(await store.size()).toBe(size);
    });

    it('acknowledges a stored-only retry with its receipt, and refuses it when not stored as such', async () => {
      const [original] = await store.append([appendRequest('so', 0)]);
      const size = await store.size();
      const refusal = new TruceError('LEDGER_KEY_INVALID', 'key revoked since');
      const storedOnly = (n: number, overrides = {}) =>
        appendRequest('so', n, { storedOnly: refusal, ...overrides });
      expect(await store.append([storedOnly(0)])).toEqual([{ ...original, idempotent: true }]);
      // Not in the log, or other content under its key: the call's error, nothing appended,
      // not even the valid entry beside it.
      for (const call of [
        [appendRequest('so', 1), storedOnly(2)],
        [
          storedOnly(0, {
            entry: new TextEncoder().encode('{"other":1}'),
            contentHash: 'ee'.repeat(32),
          }),
        ],
      ]) {
        expect(await rejection(store.append(call))).toBe(refusal);
      }
      expect(await store.size()).toBe(size);
    });

    it('refuses a reused key with other content, or a reused event id, appending nothing', async () => {
      await store.append([appendRequest('c', 0)]);
      const size = await store.size();
      const otherContent = appendRequest('c', 0, {
        entry: new TextEncoder().encode('{"something":"else"}'),
        contentHash: 'ff'.repeat(32),
      });
      const conflict = await rejection(store.append([appendRequest('c', 1), otherContent]));
      expect(conflict.code).toBe('CONFLICT');
      expect(conflict.message).toContain('key-c-0');
      const sameEventId = appendRequest('c', 0, { idempotencyKey: 'another-key' });
      expect((await rejection(store.append([sameEventId]))).code).toBe('CONFLICT');
      // Nothing of either call was appended, not even the valid first entry of the first.
      expect(await store.size()).toBe(size);
      // The same key under another organisation is another request.
      const [elsewhere] = await store.append([
        appendRequest('c-other', 0, { org: 'org-b', idempotencyKey: 'key-c-0' }),
      ]);
      expect(elsewhere).toMatchObject({ seq: size, idempotent: false });
    });

    it('settles concurrent calls independently and deduplicates retries within a batch', async () => {
      const base = await store.size();
      const conflicting = appendRequest('d', 1, { contentHash: '00'.repeat(32) });
      const results = await Promise.allSettled([
        store.append([appendRequest('d', 0)]),
        store.append([appendRequest('d', 0)]),
        store.append([appendRequest('d', 1)]),
        store.append([conflicting]),
        store.append([appendRequest('d', 2), appendRequest('d', 2)]),
      ]);
      const values = results.map((result) =>
        result.status === 'fulfilled' ? result.value : result.reason,
      );
      expect(values[0]).toMatchObject([{ seq: base, idempotent: false }]);
      expect(values[1]).toMatchObject([{ seq: base, idempotent: true }]);
      expect(values[2]).toMatchObject([{ seq: base + 1, idempotent: false }]);
      expect(values[3]).toMatchObject({ code: 'CONFLICT' });
      expect(values[4]).toMatchObject([
        { seq: base + 2, idempotent: false },
        { seq: base + 2, idempotent: true },
      ]);
      const [first, repeated] = values[4] as { leafHash: string }[];
      expect(repeated?.leafHash).toBe(first?.leafHash);
      expect(await store.size()).toBe(base + 3);
    });

    it('finds entries by kind, and refuses a call whose precondition a later entry broke', async () => {
      const base = await store.size();
      const [labelled] = await store.append([
        appendRequest('kind', 0, { kind: 'label-x' }),
        appendRequest('kind', 1),
      ]);
      await store.append([appendRequest('kind', 2, { kind: 'label-x' })]);
      const found = await store.entriesOfKind('label-x', 0, 10);
      expect(found.map((entry) => entry.seq)).toEqual([base, base + 2]);
      expect(hex(found[0]!.entry)).toBe(hex(appendRequest('kind', 0).entry));
      expect(found[0]?.leafHash).toBe(labelled?.leafHash);
      expect((await store.entriesOfKind('label-x', base + 1, 10)).map((e) => e.seq)).toEqual([
        base + 2,
      ]);
      expect(await store.entriesOfKind('label-x', 0, 1)).toHaveLength(1);
      expect(await store.entriesOfKind('label-none', 0, 10)).toEqual([]);

      const size = await store.size();
      const stale = await rejection(
        store.append([appendRequest('kind', 3)], { kind: 'label-x', noneAfter: base }),
      );
      expect(isPreconditionFailure(stale)).toBe(true);
      expect(await store.size()).toBe(size);
      const [fresh] = await store.append([appendRequest('kind', 3)], {
        kind: 'label-x',
        noneAfter: base + 2,
      });
      expect(fresh?.seq).toBe(size);
      await store.append([appendRequest('kind', 4)], { kind: 'label-unused', noneAfter: -1 });
      // In one batch, an earlier call's labelled entry counts against a later call.
      const results = await Promise.allSettled([
        store.append([appendRequest('kind', 5, { kind: 'label-y' })]),
        store.append([appendRequest('kind', 6)], { kind: 'label-y', noneAfter: -1 }),
      ]);
      expect(results[0]?.status).toBe('fulfilled');
      expect(results[1]?.status === 'rejected' && isPreconditionFailure(results[1].reason)).toBe(
        true,
      );
      expect(isPreconditionFailure(new TruceError('CONFLICT', 'other'))).toBe(false);
    });

    it('answers roots and proofs that verify, for many tree sizes', async () => {
      const base = await store.size();
      // Calls of three, so that batches end at every kind of position in the tree.
      const receipts = await appendMany(store, 'p', 70, 3);
      const total = base + 70;
      const reference = ledger.MemoryMerkleTree.of(
        (await store.entries(0, total)).map((entry) => entry.entry),
      );
      expect(receipts.map((receipt) => receipt.leafHash)).toEqual(
        Array.from({ length: 70 }, (_, n) => hex(reference.leafHash(base + n))),
      );
      const sizes = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 32, 33, 63, 64, 65, total - 1, total];
      for (const size of sizes) {
        const root = await store.root(size);
        expect(hex(root)).toBe(hex(reference.root(size)));
        // Every leaf of the small trees; the edges and a few inner leaves of the larger ones.
        const seqs =
          size <= 17
            ? Array.from({ length: size }, (_, seq) => seq)
            : [0, 1, 2, 7, 8, Math.floor(size / 2), size - 3, size - 2, size - 1];
        for (const seq of seqs) {
          const proof = await store.inclusionProof(seq, size);
          expect(ledger.verifyInclusion(reference.leafHash(seq), seq, size, proof, root)).toBe(
            true,
          );
        }
        for (const from of [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 64, size - 1, size]) {
          if (from < 0 || from > size) continue;
          const proof = await store.consistencyProof(from, size);
          expect(ledger.verifyConsistency(from, size, proof, reference.root(from), root)).toBe(
            true,
          );
        }
      }
      expect(hex(await store.root())).toBe(hex(reference.root()));
      expect((await store.inclusionProof(5)).map(hex)).toEqual(
        reference.inclusionProof(5).map(hex),
      );
    });

    it('refuses proofs for trees it does not have', async () => {
      const size = await store.size();
      expect((await rejection(store.root(size + 1))).code).toBe('NOT_FOUND');
      expect((await rejection(store.inclusionProof(size))).code).toBe('NOT_FOUND');
      expect((await rejection(store.inclusionProof(1, size + 2))).code).toBe('NOT_FOUND');
      expect((await rejection(store.consistencyProof(2, size + 5))).code).toBe('NOT_FOUND');
      expect((await rejection(store.consistencyProof(3, 2))).code).toBe('USAGE');
      expect((await rejection(store.root(-1))).code).toBe('USAGE');
      expect((await rejection(store.entries(0.5, 2))).code).toBe('USAGE');
      expect((await rejection(store.append([appendRequest('q', 0, { org: '' })]))).code).toBe(
        'USAGE',
      );
    });

    it('group-commits concurrent appends into one consistent tree', async () => {
      const base = await store.size();
      const before = store.stats();
      const count = 200;
      const receipts = await Promise.all(
        Array.from({ length: count }, (_, n) => store.append([appendRequest('g', n)])),
      );
      const seqs = receipts.map(([receipt]) => receipt!.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: count }, (_, n) => base + n));
      const after = store.stats();
      expect(after.entries - before.entries).toBe(count);
      expect(after.transactions - before.transactions).toBeLessThan(count / 4);
      expect(after.largestBatch).toBeGreaterThan(1);
      if (kind.name !== 'memory') {
        expect(after.flushes - before.flushes).toBeGreaterThan(0);
        expect(after.flushes - before.flushes).toBeLessThan(count / 4);
      }
      const tree = ledger.MemoryMerkleTree.of(
        (await store.entries(0, base + count)).map((entry) => entry.entry),
      );
      expect(hex(await store.root())).toBe(hex(tree.root()));
    });

    it('commits a call only once it is admitted, and a refused call not at all', async () => {
      const base = await store.size();
      let admitLater = () => {};
      const later = new Promise<void>((resolve) => {
        admitLater = resolve;
      });
      const refusal = new TruceError('LEDGER_SIGNATURE_INVALID', 'refused in this test');
      let settled = 0;
      const calls = [
        store.append([appendRequest('adm', 0)], undefined, Promise.resolve()),
        store.append([appendRequest('adm', 1), appendRequest('adm', 2)], undefined, later),
        store.append([appendRequest('adm', 3)], undefined, Promise.reject(refusal)),
        store.append([appendRequest('adm', 4)]),
      ].map((call) => call.finally(() => settled++));
      // The batch waits for its last admission: nothing is answered, whatever was written.
      for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(0);
      admitLater();
      const results = await Promise.allSettled(calls);
      expect(results[2]).toEqual({ status: 'rejected', reason: refusal });
      // The others are written without the refused call, with no gap in the sequence.
      const seqs = results
        .flatMap((result) => (result.status === 'fulfilled' ? result.value : []))
        .map((receipt) => receipt.seq);
      expect(seqs).toEqual([base, base + 1, base + 2, base + 3]);
      expect(await store.size()).toBe(base + 4);
      const stored = await store.entries(base, 10);
      expect(stored.map((entry) => hex(entry.entry))).toEqual(
        [0, 1, 2, 4].map((n) => hex(appendRequest('adm', n).entry)),
      );
      // Refused, its key and event id are still free; and the next batch continues the tree.
      const [retried] = await store.append([appendRequest('adm', 3)], undefined, Promise.resolve());
      expect(retried).toMatchObject({ seq: base + 4, idempotent: false });
      const tree = ledger.MemoryMerkleTree.of(
        (await store.entries(0, base + 5)).map((entry) => entry.entry),
      );
      expect(hex(await store.root())).toBe(hex(tree.root()));
    });

    it('keeps checkpoints that only grow, and the first cosignature of each witness', async () => {
      await appendMany(store, 'k', 2);
      const size = await store.size();
      expect((await rejection(store.saveCheckpoint(size + 1, 'too far'))).code).toBe('NOT_FOUND');
      const first = await store.saveCheckpoint(size - 1, 'checkpoint A\n');
      expect(first).toMatchObject({ size: size - 1, text: 'checkpoint A\n' });
      expect(await store.saveCheckpoint(size - 1, 'checkpoint A\n')).toEqual(first);
      expect((await rejection(store.saveCheckpoint(size - 1, 'another head\n'))).code).toBe(
        'CONFLICT',
      );
      await store.saveCheckpoint(size, 'checkpoint B\n');
      expect((await rejection(store.saveCheckpoint(size - 2, 'going back\n'))).code).toBe(
        'CONFLICT',
      );
      expect(await store.latestCheckpoint()).toMatchObject({ size, text: 'checkpoint B\n' });
      expect((await store.checkpoints()).map((checkpoint) => checkpoint.size)).toEqual([
        size - 1,
        size,
      ]);
      // One checkpoint by size, and pages of them.
      expect(await store.checkpoint(size - 1)).toMatchObject({ size: size - 1 });
      expect(await store.checkpoint(size + 1)).toBeUndefined();
      expect((await store.checkpoints(size)).map((checkpoint) => checkpoint.size)).toEqual([size]);
      expect((await store.checkpoints(0, 1)).map((checkpoint) => checkpoint.size)).toEqual([
        size - 1,
      ]);
      expect(await store.checkpoints(size + 1)).toEqual([]);

      expect((await rejection(store.saveCosignature(size - 2, 'w', 'line'))).code).toBe(
        'NOT_FOUND',
      );
      const cosigned = await store.saveCosignature(size, 'witness-b', '— witness-b AAAA');
      expect(cosigned).toMatchObject({ checkpointSize: size, witness: 'witness-b' });
      expect(await store.saveCosignature(size, 'witness-b', '— witness-b BBBB')).toEqual(cosigned);
      await store.saveCosignature(size, 'witness-a', '— witness-a CCCC');
      expect((await store.cosignatures(size)).map((c) => [c.witness, c.line])).toEqual([
        ['witness-a', '— witness-a CCCC'],
        ['witness-b', '— witness-b AAAA'],
      ]);
      expect(await store.cosignatures(size - 1)).toEqual([]);

      // Each witness's latest: witness-c cosigned only the earlier checkpoint, so it shows there.
      await store.saveCosignature(size - 1, 'witness-c', '— witness-c DDDD');
      await store.saveCosignature(size - 1, 'witness-a', '— witness-a EEEE');
      expect(
        (await store.latestCosignatures()).map((c) => [c.witness, c.checkpointSize, c.line]),
      ).toEqual([
        ['witness-a', size, '— witness-a CCCC'],
        ['witness-b', size, '— witness-b AAAA'],
        ['witness-c', size - 1, '— witness-c DDDD'],
      ]);
    });

    it('commits one transaction per event when group commit is off, and refuses appends once closed', async () => {
      const { store: unbatched } = await openOwn({ groupCommit: false });
      await Promise.all(
        Array.from({ length: 12 }, (_, n) => unbatched.append([appendRequest('s', n)])),
      );
      // A call is never split, even above maxBatch.
      await unbatched.append([appendRequest('s', 12), appendRequest('s', 13)]);
      expect(unbatched.stats()).toMatchObject({ transactions: 13, entries: 14, largestBatch: 2 });
      if (kind.name !== 'memory') expect(unbatched.stats().flushes).toBeGreaterThanOrEqual(13);
      await unbatched.close();
      expect((await rejection(unbatched.append([appendRequest('s', 14)]))).code).toBe('INTERNAL');
    });

    if (kind.name !== 'memory') {
      it('refuses UPDATE, DELETE and TRUNCATE in the database, and keeps everything across a reopen', async () => {
        const opened = await openOwn();
        await appendMany(opened.store, 'r', 11, 4);
        await opened.store.saveCheckpoint(11, 'checkpoint 11\n');
        await opened.store.saveCosignature(11, 'witness', '— witness AAAA');
        const root = hex(await opened.store.root());
        const statements = [
          "UPDATE events SET org = 'someone-else'",
          'DELETE FROM events WHERE seq = 1',
          'TRUNCATE events CASCADE',
          "UPDATE tree_nodes SET hash = decode(repeat('00', 32), 'hex')",
          'DELETE FROM tree_nodes',
          'TRUNCATE tree_nodes',
          "UPDATE checkpoints SET note = 'forged'",
          'DELETE FROM checkpoints WHERE size = 11',
          'TRUNCATE checkpoints CASCADE',
          "UPDATE cosignatures SET line = 'forged'",
          'DELETE FROM cosignatures',
          'TRUNCATE cosignatures',
        ];
        const outcomes = await opened.rawSql!(statements);
        outcomes.forEach((outcome, i) => {
          expect(outcome, statements[i]).toMatch(/insert-only/);
        });
        expect(await opened.rawSql!(['SELECT version FROM schema_migrations'])).toEqual([
          undefined,
        ]);

        const reopened = await opened.reopen!();
        expect(await reopened.size()).toBe(11);
        expect(hex(await reopened.root())).toBe(root);
        expect((await reopened.entry(1))?.org).toBe('org-a');
        expect((await reopened.latestCheckpoint())?.text).toBe('checkpoint 11\n');
        expect(await reopened.cosignatures(11)).toHaveLength(1);
        // The sequencer picks up from the stored right edge of the tree.
        const [next] = await reopened.append([appendRequest('r', 11)]);
        expect(next?.seq).toBe(11);
        const [retry] = await reopened.append([appendRequest('r', 3)]);
        expect(retry).toMatchObject({ seq: 3, idempotent: true });
        const tree = ledger.MemoryMerkleTree.of(
          Array.from({ length: 12 }, (_, n) => appendRequest('r', n).entry),
        );
        expect(hex(await reopened.root())).toBe(hex(tree.root()));
      });
    }
  });
}

for (const kind of kinds.filter((k) => k.name !== 'memory')) {
  describe(`${kind.name} store, in the database`, () => {
    it('keeps a large entry out of line and uncompressed: no pglz when it is written or read', async () => {
      const opened = await kind.open();
      try {
        const rows = Array.from({ length: 2000 }, (_, row) => ({ row, cargo: 'food', trucks: 10 }));
        const entry = new TextEncoder().encode(JSON.stringify({ rows }));
        const [receipt] = await opened.store.append([appendRequest('large', 0, { entry })]);
        const [row] = await sqlDriverOf(opened.store)!.query<{
          compression: string | null;
          storage: string;
        }>(
          `SELECT pg_column_compression(entry) AS compression,
                  (SELECT attstorage FROM pg_attribute
                    WHERE attrelid = 'events'::regclass AND attname = 'entry') AS storage
             FROM events WHERE seq = $1`,
          [receipt!.seq],
        );
        expect(row).toEqual({ compression: null, storage: 'e' });
        expect((await opened.store.entry(receipt!.seq))?.entry).toEqual(entry);
      } finally {
        await opened.dispose();
      }
    });
  });
}
