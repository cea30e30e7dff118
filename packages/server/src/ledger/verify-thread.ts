import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

/**
 * A signature-verification thread: verifies a batch of Ed25519 signatures, one after the other,
 * and answers with one byte per signature (1: valid). `verifier.ts` sends it the signatures a
 * turn of submissions needs, in one message with transferred buffers, so the dispatch costs the
 * importing thread a copy per signature instead of a job on libuv's pool per signature (about
 * 20 µs of its CPU each, measured: docs/BENCHMARKS.md).
 *
 * This module imports nothing but `node:` modules: it starts in a few milliseconds.
 */

export interface VerifyBatch {
  id: number;
  /** The signed messages, one after the other. */
  bytes: Uint8Array;
  /** Where each message ends in `bytes`. */
  ends: Uint32Array;
  /** 64 bytes a signature. */
  signatures: Uint8Array;
  /** 32 bytes a public key (raw Ed25519), one per signature. */
  keys: Uint8Array;
}

export interface VerifyAnswer {
  id: number;
  /** One byte a signature: 1 when it verified. */
  valid: Uint8Array;
}

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), before the 32 key bytes. */
const spkiPrefix = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);

/** Key objects by raw key (hex); the keys registered in a log are few. */
const keyCache = new Map<string, KeyObject>();
const keyCacheLimit = 4096;

function keyOf(raw: Uint8Array): KeyObject {
  const hex = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('hex');
  let key = keyCache.get(hex);
  if (!key) {
    const der = new Uint8Array(spkiPrefix.length + 32);
    der.set(spkiPrefix);
    der.set(raw, spkiPrefix.length);
    key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
    if (keyCache.size >= keyCacheLimit) keyCache.clear();
    keyCache.set(hex, key);
  }
  return key;
}

export function verifyBatch(batch: Omit<VerifyBatch, 'id'>): Uint8Array {
  const { bytes, ends, signatures, keys } = batch;
  const valid = new Uint8Array(ends.length);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i] ?? start;
    try {
      const ok = verify(
        null,
        bytes.subarray(start, end),
        keyOf(keys.subarray(i * 32, i * 32 + 32)),
        signatures.subarray(i * 64, i * 64 + 64),
      );
      valid[i] = ok ? 1 : 0;
    } catch {
      valid[i] = 0;
    }
    start = end;
  }
  return valid;
}

const port = parentPort;
if (port) {
  port.on('message', (batch: VerifyBatch) => {
    const valid = verifyBatch(batch);
    port.postMessage({ id: batch.id, valid } satisfies VerifyAnswer, [valid.buffer as ArrayBuffer]);
  });
}
