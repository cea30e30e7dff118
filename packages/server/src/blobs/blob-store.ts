import { createHash } from 'node:crypto';
import { TruceError } from '@truce/core';

/**
 * Files the cell keeps beside its ledger — evidence of incidents, zone layers — addressed by the
 * SHA-256 of their bytes. Signed events quote the digest, so a file cannot be swapped after it
 * was cited: whoever holds the bytes can hash them and compare. The store only holds bytes;
 * who uploaded what is in the `blobs` table (store/migrations.ts, version 6).
 */
export interface BlobStore {
  /** Keeps the bytes if their SHA-256 is `sha256`; EVIDENCE_HASH_MISMATCH otherwise. */
  put(
    sha256: string,
    bytes: Uint8Array,
  ): Promise<{ sha256: string; size: number; created: boolean }>;
  /** The bytes, or undefined when no such file is kept. */
  get(sha256: string): Promise<Uint8Array | undefined>;
  has(sha256: string): Promise<boolean>;
}

export const sha256Pattern = /^[0-9a-f]{64}$/;

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Refuses bytes that are not what the uploader said they were (a truncated or swapped file). */
export function requireDigest(expected: string, bytes: Uint8Array): void {
  if (!sha256Pattern.test(expected)) {
    throw new TruceError('VALIDATION_FAILED', 'a SHA-256 is 64 lower-case hexadecimal digits', [
      { path: 'sha256', message: `got "${expected.slice(0, 80)}"` },
    ]);
  }
  const actual = sha256Of(bytes);
  if (actual !== expected) {
    throw new TruceError(
      'EVIDENCE_HASH_MISMATCH',
      `the file's SHA-256 is ${actual}, not ${expected}: it changed or was cut short on the way; hash the file again and upload it again`,
      [{ path: 'sha256', message: `expected ${expected}, received bytes hash to ${actual}` }],
    );
  }
}
