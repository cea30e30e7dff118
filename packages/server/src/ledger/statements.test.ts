import { ledger } from '@truce/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  maximumMergeDelayMs,
  promiseLeafBytes,
  receiptStatement,
  signPromises,
  type UnsignedPromise,
  verifyPromise,
} from './statements.js';
import { testIdentity } from './testing.js';

const leaf = (overrides: Partial<UnsignedPromise> = {}): UnsignedPromise => ({
  statement: receiptStatement,
  origin: 'truce.test/log',
  seq: 7,
  leafHash: 'ab'.repeat(32),
  appendedAt: '2025-01-20T10:00:00.123Z',
  checkpointBy: '2025-01-20T10:00:01.123Z',
  ...overrides,
});

const canonical = (promise: UnsignedPromise) => {
  const { statement, origin, seq, leafHash, appendedAt, checkpointBy } = promise;
  return ledger.canonicalBytes({ statement, origin, seq, leafHash, appendedAt, checkpointBy });
};

describe('receipt statements', () => {
  it('writes a receipt leaf as exactly the JCS bytes of its members', () => {
    for (const promise of [
      leaf(),
      leaf({ seq: 0 }),
      leaf({ seq: Number.MAX_SAFE_INTEGER }),
      leaf({ origin: 'café.example/log "quoted" \\ back\nslash\u0001\u2028😀' }),
    ]) {
      expect(ledger.toHex(promiseLeafBytes(promise))).toBe(ledger.toHex(canonical(promise)));
    }
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.string({ unit: 'binary' }),
        fc.nat(),
        (origin, appendedAt, seq) => {
          const promise = leaf({ origin, appendedAt, seq });
          expect(ledger.toHex(promiseLeafBytes(promise))).toBe(ledger.toHex(canonical(promise)));
        },
      ),
    );
  });

  it('refuses what JCS cannot represent, as the canonicaliser does', () => {
    for (const promise of [
      leaf({ origin: 'lone \ud800 surrogate' }),
      leaf({ seq: Number.NaN }),
      leaf({ seq: 1.5, origin: '\udfff' }),
    ]) {
      expect(() => promiseLeafBytes(promise)).toThrow();
      expect(() => canonical(promise)).toThrow();
    }
    // Values JCS represents but the direct path does not take: same bytes as the canonicaliser.
    for (const promise of [leaf({ seq: -1 }), leaf({ seq: 1.5 })]) {
      expect(ledger.toHex(promiseLeafBytes(promise))).toBe(ledger.toHex(canonical(promise)));
    }
  });

  it('signs a batch spanning several transactions once, each receipt with its own deadline', async () => {
    const identity = testIdentity();
    const times = ['2025-01-20T10:00:00.100Z', '2025-01-20T10:00:00.250Z'];
    const batch = Array.from({ length: 11 }, (_, seq) => ({
      origin: identity.origin,
      seq,
      leafHash: ledger.toHex(ledger.hashLeaf(new Uint8Array([seq]))),
      appendedAt: times[seq % 2]!,
    }));
    const promises = await signPromises(batch, identity.privateKey);
    expect(new Set(promises.map((promise) => promise.sig)).size).toBe(1);
    promises.forEach((promise, index) => {
      expect(promise.seq).toBe(index);
      expect(Date.parse(promise.checkpointBy) - Date.parse(promise.appendedAt)).toBe(
        maximumMergeDelayMs,
      );
      expect(verifyPromise(promise, identity.publicKey)).toBe(true);
      expect(
        verifyPromise({ ...promise, appendedAt: times[1 - (index % 2)] }, identity.publicKey),
      ).toBe(false);
    });
  });
});
