import { ledger } from '@truce/core';
import { afterAll, describe, expect, it } from 'vitest';
import { openMemoryStore, openPostgresStore, type Store } from '../store/index.js';
import { freshSchemaName, postgresQuery, postgresUrl } from '../store/testing/fixtures.js';
import { Ledger } from './ledger-service.js';
import { verifyPromise } from './statements.js';
import {
  newKey,
  registration,
  revocation,
  sampleEvent,
  signedEvent,
  testIdentity,
} from './testing.js';

// Two ledger services on one log, as two server processes on one PostgreSQL have: each keeps
// its key registry in memory. On memory, two services share one store object; on PostgreSQL
// (TRUCE_TEST_DATABASE_URL), each has its own store, connections and group-commit queue.
interface SharedLog {
  name: string;
  open(): Promise<{ first: Store; second: Store; dispose: () => Promise<void> }>;
}

const memory: SharedLog = {
  name: 'memory',
  async open() {
    const store = openMemoryStore();
    return { first: store, second: store, dispose: () => store.close() };
  },
};

const schemas: string[] = [];
const postgres: SharedLog = {
  name: 'postgres',
  async open() {
    const schema = freshSchemaName();
    schemas.push(schema);
    const options = { connectionString: postgresUrl!, schema };
    const first = await openPostgresStore(options);
    const second = await openPostgresStore(options);
    return {
      first,
      second,
      dispose: async () => {
        await first.close();
        await second.close();
      },
    };
  },
};

afterAll(async () => {
  for (const schema of schemas) await postgresQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
});

for (const log of [memory, ...(postgresUrl ? [postgres] : [])]) {
  describe(`two ledger services on one ${log.name} log`, () => {
    it('each sees the keys the other registers and refuses a key the other revoked', async () => {
      const { first, second, dispose } = await log.open();
      try {
        const identity = testIdentity();
        const a = await Ledger.open(first, identity);
        const b = await Ledger.open(second, identity);
        const qatar = newKey();
        await a.submit([registration(identity, 'qatar', qatar)]);

        // b has not seen the registration: it reads the key events before refusing.
        const [accepted] = await b.submit([signedEvent(sampleEvent('e-1', 'qatar'), qatar)]);
        expect(verifyPromise(accepted?.promise, identity.publicKey)).toBe(true);

        // a revokes; b's registry still holds the key as valid, but its append is refused under
        // the store's writer lock (a key event came after the last one b admitted against),
        // then b reads the revocation and refuses the envelope.
        const keyId = ledger.keyIdFor('qatar', qatar);
        await a.submit([revocation({ org: 'qatar', key: qatar }, keyId)]);
        const size = await second.size();
        await expect(
          b.submit([signedEvent(sampleEvent('e-2', 'qatar'), qatar)]),
        ).rejects.toMatchObject({
          code: 'LEDGER_KEY_INVALID',
          message: expect.stringContaining('revoked'),
        });
        expect(await second.size()).toBe(size);
        expect(b.registry.key(keyId)?.revokedAt).toBe(size - 1);

        // Both agree on one tree, and a third service opening the log rebuilds the same registry.
        await Promise.all([a.checkpoint(), b.checkpoint()]);
        const c = await Ledger.open(first, identity);
        expect(c.registry.listing()).toEqual(b.registry.listing());
        expect(c.registry.listing()).toEqual(a.registry.listing());
        await Promise.all([a.close(), b.close(), c.close()]);
      } finally {
        await dispose();
      }
    }, 60_000);

    it('appends concurrently from both services into one gapless log', async () => {
      const { first, second, dispose } = await log.open();
      try {
        const identity = testIdentity();
        const a = await Ledger.open(first, identity);
        const b = await Ledger.open(second, identity);
        const qatar = newKey();
        await a.submit([registration(identity, 'qatar', qatar)]);
        const receipts = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 ? a : b).submit([signedEvent(sampleEvent(`c-${i}`, 'qatar', i), qatar)]),
          ),
        );
        const seqs = receipts.map(([receipt]) => receipt!.seq).sort((x, y) => x - y);
        expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 2));
        await Promise.all([a.close(), b.close()]);
      } finally {
        await dispose();
      }
    }, 60_000);
  });
}
