import { createHash } from 'node:crypto';
import { ledger } from '@truce/core';

/**
 * The export folder (docs/LEDGER.md): everything needed to verify the log offline.
 *
 *   manifest.json       JCS: format, origin, log key, size, root, every file's size and SHA-256
 *   log.pub             the log's verifier key string (pin it from another channel)
 *   entries.jsonl       the signed envelopes in sequence order, one JCS line each (= leaf bytes)
 *   checkpoints/<size>  the signed checkpoints, C2SP signed notes, one per size
 *   cosignatures.jsonl  JCS {checkpointSize, witness, line}: witnesses' cosignature lines
 *   keys.json           JCS: the key registry derived from the key events (a convenience, checked)
 *
 * Every JSON file is canonical (JCS) and ends in one newline, so a verifier compares bytes: no
 * two files that verify differ only in spacing.
 */

export const exportFormat = 'truce-export/v1';

export const exportFiles = {
  manifest: 'manifest.json',
  logKey: 'log.pub',
  entries: 'entries.jsonl',
  checkpoints: 'checkpoints',
  cosignatures: 'cosignatures.jsonl',
  keys: 'keys.json',
} as const;

export interface ManifestFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof exportFormat;
  origin: string;
  logKey: string;
  size: number;
  /** Base64 of the root hash of `size` entries, as in the checkpoint. */
  rootHash: string;
  files: ManifestFile[];
}

export interface CosignatureLine {
  checkpointSize: number;
  witness: string;
  line: string;
}

export function jsonLine(value: unknown): string {
  return `${ledger.canonicalize(value)}\n`;
}

export function fileEntry(path: string, bytes: Uint8Array): ManifestFile {
  return { path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function checkpointPath(size: number): string {
  return `${exportFiles.checkpoints}/${size}`;
}
