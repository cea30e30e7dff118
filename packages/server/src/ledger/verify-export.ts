import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ledger, TruceError } from '@truce/core';
import {
  type CosignatureLine,
  checkpointPath,
  exportFiles,
  exportFormat,
  fileEntry,
  jsonLine,
  type Manifest,
} from './export-format.js';
import { KeyRegistry } from './key-registry.js';
import { verifyCosignatureLine } from './ledger-service.js';

export interface VerifyOptions {
  /** The log's verifier key as obtained from another channel; else the export's own, unpinned. */
  logKey?: string;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface VerifiedExport {
  ok: true;
  origin: string;
  logKey: string;
  pinned: boolean;
  size: number;
  rootHash: string;
  checkpoints: number[];
  /** Witnesses whose cosignatures of the latest checkpoint verified. */
  latestCosigners: string[];
  cosignatures: number;
  keys: number;
}

export interface FailedExport {
  ok: false;
  /** Where: a file, and a line or sequence number. */
  position: string;
  reason: string;
}

class Failure extends Error {
  constructor(
    readonly position: string,
    reason: string,
  ) {
    super(reason);
  }
}

function unreadable(message: string): TruceError {
  return new TruceError('LEDGER_ENTRY_INVALID', `cannot read the export: ${message}`);
}

function readBytes(dir: string, path: string): Buffer {
  try {
    return readFileSync(join(dir, path));
  } catch (error) {
    throw unreadable(
      `${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

function utf8Text(bytes: Uint8Array, path: string): string {
  const text = ledger.fromUtf8(bytes);
  if (text === undefined) throw new Failure(path, 'not UTF-8');
  return text;
}

/** The lines of a JSON Lines file: each one canonical JSON, the file ending in one newline. */
function canonicalLines(text: string, path: string): { value: unknown; line: string }[] {
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Failure(path, 'the file does not end with a newline');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line, index) => {
      let value: unknown;
      try {
        value = ledger.parseJson(line);
      } catch (error) {
        throw new Failure(`${path}:${index + 1}`, `not JSON: ${(error as Error).message}`);
      }
      if (ledger.canonicalize(value) !== line) {
        throw new Failure(`${path}:${index + 1}`, 'not in canonical (JCS) form');
      }
      return { value, line };
    });
}

/**
 * Verifies an export folder offline, from its files alone: every envelope's signature with the
 * keys registered at that point of the log, the event schema, the tree recomputed from the
 * entries, every checkpoint's signature by the log key and root, consistency between successive
 * checkpoints, that the last one covers every entry, every cosignature, the derived key list and
 * the manifest's hashes. Returns the first failure; throws a TruceError when the folder cannot
 * be read at all.
 */
export function verifyExport(
  dir: string,
  options: VerifyOptions = {},
): VerifiedExport | FailedExport {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw unreadable(`${dir} is not a folder`);
  const manifestBytes = readBytes(dir, exportFiles.manifest);
  let manifest: Manifest;
  try {
    manifest = ledger.parseJson(manifestBytes.toString('utf8')) as unknown as Manifest;
  } catch (error) {
    throw unreadable(`manifest.json is not JSON: ${(error as Error).message}`);
  }
  if (
    typeof manifest !== 'object' ||
    manifest === null ||
    !Array.isArray(manifest.files) ||
    !manifest.files.every((file) => typeof file?.path === 'string')
  ) {
    throw unreadable('manifest.json does not list the export files');
  }
  for (const file of manifest.files) readBytes(dir, file.path);
  try {
    return check(dir, manifest, manifestBytes, options);
  } catch (error) {
    if (error instanceof Failure)
      return { ok: false, position: error.position, reason: error.message };
    throw error;
  }
}

function check(
  dir: string,
  manifest: Manifest,
  manifestBytes: Buffer,
  options: VerifyOptions,
): VerifiedExport {
  const progress = options.onProgress ?? (() => {});
  if (jsonLine(manifest) !== manifestBytes.toString('utf8')) {
    throw new Failure(exportFiles.manifest, 'not in canonical (JCS) form with one final newline');
  }
  if (manifest.format !== exportFormat) {
    throw new Failure(
      exportFiles.manifest,
      `format is ${String(manifest.format)}, not ${exportFormat}`,
    );
  }

  // The log key: the export's own, which must match a pinned one if given.
  const logKeyText = utf8Text(readBytes(dir, exportFiles.logKey), exportFiles.logKey);
  let log: ledger.NoteVerifier;
  try {
    if (!logKeyText.endsWith('\n')) throw new Error('no final newline');
    log = ledger.parseVerifierKey(logKeyText.slice(0, -1));
  } catch (error) {
    throw new Failure(exportFiles.logKey, `not a verifier key: ${(error as Error).message}`);
  }
  if (manifest.logKey !== logKeyText.slice(0, -1) || manifest.origin !== log.name) {
    throw new Failure(exportFiles.manifest, 'the log key or origin differs from log.pub');
  }
  if (options.logKey !== undefined && options.logKey.trim() !== manifest.logKey) {
    throw new Failure(
      exportFiles.logKey,
      `the export's log key is not the pinned one (${options.logKey.trim()})`,
    );
  }

  // Entries: signatures as registered at each position, the tree.
  const entriesText = utf8Text(readBytes(dir, exportFiles.entries), exportFiles.entries);
  const lines = canonicalLines(entriesText, exportFiles.entries);
  const registry = new KeyRegistry();
  const tree = new ledger.MemoryMerkleTree();
  const ids = new Set<string>();
  const idempotency = new Set<string>();
  const step = Math.max(1, Math.floor(lines.length / 100));
  lines.forEach(({ value, line }, seq) => {
    const position = `${exportFiles.entries}:${seq + 1} (seq ${seq})`;
    try {
      const { envelope, event } = registry.admit(value, seq);
      registry.apply(envelope, event, seq);
      if (seq === 0) {
        const genesis = registry.key(envelope.keyId);
        if (
          !genesis ||
          !ledger.bytesEqual(ledger.rawPublicKey(genesis.publicKey), log.rawPublicKey)
        ) {
          throw new Failure(position, 'the genesis entry registers another key than the log key');
        }
      }
      if (ids.has(envelope.id))
        throw new Failure(position, `event id ${envelope.id} appears twice`);
      ids.add(envelope.id);
      const scoped = `${envelope.org}\u0000${envelope.idempotencyKey}`;
      if (idempotency.has(scoped)) {
        throw new Failure(
          position,
          `idempotency key ${envelope.idempotencyKey} of ${envelope.org} appears twice`,
        );
      }
      idempotency.add(scoped);
    } catch (error) {
      if (error instanceof Failure) throw error;
      if (error instanceof TruceError)
        throw new Failure(position, `${error.message} (${error.code})`);
      throw error;
    }
    tree.append(Buffer.from(line, 'utf8'));
    if (seq % step === 0 || seq === lines.length - 1) progress('entries', seq + 1, lines.length);
  });
  if (lines.length === 0)
    throw new Failure(exportFiles.entries, 'the export has no entries, not even the genesis');

  // Checkpoints: each signed by the log key, with the root of the entries, consistent in turn.
  const checkpointFiles = manifest.files
    .map((file) => file.path)
    .filter((path) => path.startsWith(`${exportFiles.checkpoints}/`));
  const onDisk = readdirSync(join(dir, exportFiles.checkpoints)).map(
    (name) => `${exportFiles.checkpoints}/${name}`,
  );
  for (const path of onDisk) {
    if (!checkpointFiles.includes(path))
      throw new Failure(path, 'a checkpoint the manifest does not list');
  }
  const sizes = checkpointFiles.map((path) => {
    const name = path.slice(exportFiles.checkpoints.length + 1);
    if (!/^(0|[1-9][0-9]*)$/.test(name))
      throw new Failure(path, 'a checkpoint file is named by its size');
    return Number(name);
  });
  sizes.sort((a, b) => a - b);
  if (sizes.length === 0)
    throw new Failure(exportFiles.checkpoints, 'the export has no checkpoint');
  const texts = new Map<number, string>();
  let previous: { size: number; root: Uint8Array } | undefined;
  for (const size of sizes) {
    const path = checkpointPath(size);
    const note = utf8Text(readBytes(dir, path), path);
    let verified: ledger.VerifiedCheckpoint;
    try {
      verified = ledger.verifyCheckpoint(note, { log });
    } catch (error) {
      throw new Failure(path, (error as Error).message);
    }
    if (ledger.formatNote(ledger.parseNote(note)) !== note) {
      throw new Failure(path, 'not in the canonical signed-note form');
    }
    const { checkpoint } = verified;
    if (checkpoint.size !== size)
      throw new Failure(path, `the checkpoint is of size ${checkpoint.size}`);
    if (size > tree.size) {
      throw new Failure(path, `the checkpoint covers ${size} entries, the export has ${tree.size}`);
    }
    if (!ledger.bytesEqual(tree.root(size), checkpoint.rootHash)) {
      throw new Failure(
        path,
        `the root of the first ${size} entries is not the checkpoint's: an entry was altered, removed or inserted`,
      );
    }
    if (previous) {
      const proof = tree.consistencyProof(previous.size, size);
      if (
        !ledger.verifyConsistency(previous.size, size, proof, previous.root, checkpoint.rootHash)
      ) {
        throw new Failure(path, `not consistent with the checkpoint of size ${previous.size}`);
      }
    }
    previous = { size, root: checkpoint.rootHash };
    texts.set(size, note);
    progress('checkpoints', texts.size, sizes.length);
  }
  const last = previous as { size: number; root: Uint8Array };
  if (last.size !== tree.size) {
    throw new Failure(
      checkpointPath(last.size),
      `the last checkpoint covers ${last.size} entries, but the export has ${tree.size}: entries were added after it`,
    );
  }
  if (manifest.size !== last.size || manifest.rootHash !== ledger.toBase64(last.root)) {
    throw new Failure(exportFiles.manifest, 'size or root differs from the last checkpoint');
  }

  // Cosignatures: each by a witness organisation's registered key, over its checkpoint.
  const cosignText = utf8Text(readBytes(dir, exportFiles.cosignatures), exportFiles.cosignatures);
  const cosigners = new Map<number, Set<string>>();
  let previousCosignature: CosignatureLine | undefined;
  canonicalLines(cosignText, exportFiles.cosignatures).forEach(({ value }, index) => {
    const position = `${exportFiles.cosignatures}:${index + 1}`;
    const record = value as CosignatureLine;
    const note = texts.get(record?.checkpointSize);
    if (note === undefined || typeof record.line !== 'string') {
      throw new Failure(position, 'names no checkpoint of the export');
    }
    // One order, as `truce export` writes it, so that two files that verify differ in content.
    if (
      previousCosignature &&
      (record.checkpointSize < previousCosignature.checkpointSize ||
        (record.checkpointSize === previousCosignature.checkpointSize &&
          record.witness < previousCosignature.witness))
    ) {
      throw new Failure(
        position,
        'out of order: cosignatures are listed by checkpoint size, then witness',
      );
    }
    previousCosignature = record;
    try {
      const { name } = verifyCosignatureLine(note, record.line, registry, record.checkpointSize);
      if (name !== record.witness)
        throw new Failure(position, `the line is by ${name}, not ${record.witness}`);
    } catch (error) {
      if (error instanceof Failure) throw error;
      throw new Failure(position, (error as Error).message);
    }
    const set = cosigners.get(record.checkpointSize) ?? new Set();
    if (set.has(record.witness))
      throw new Failure(position, `${record.witness} cosigned this checkpoint twice`);
    set.add(record.witness);
    cosigners.set(record.checkpointSize, set);
  });

  // keys.json: what the key events say, nothing else.
  const keysText = utf8Text(readBytes(dir, exportFiles.keys), exportFiles.keys);
  if (keysText !== jsonLine(registry.listing())) {
    throw new Failure(exportFiles.keys, "differs from the keys registered by the log's key events");
  }

  // The manifest: every file's size and hash, and no file missing from it.
  const listed = new Set(manifest.files.map((file) => file.path));
  for (const name of [
    exportFiles.logKey,
    exportFiles.entries,
    exportFiles.cosignatures,
    exportFiles.keys,
  ]) {
    if (!listed.has(name)) throw new Failure(exportFiles.manifest, `${name} is not listed`);
  }
  let previousPath = '';
  for (const file of manifest.files) {
    if (file.path <= previousPath)
      throw new Failure(exportFiles.manifest, 'files are not listed once each, in order');
    previousPath = file.path;
    const actual = fileEntry(file.path, readBytes(dir, file.path));
    if (actual.bytes !== file.bytes || actual.sha256 !== file.sha256) {
      throw new Failure(file.path, 'its size or SHA-256 differs from the manifest');
    }
  }

  return {
    ok: true,
    origin: log.name,
    logKey: manifest.logKey,
    pinned: options.logKey !== undefined,
    size: tree.size,
    rootHash: ledger.toBase64(last.root),
    checkpoints: sizes,
    latestCosigners: [...(cosigners.get(last.size) ?? [])].sort(),
    cosignatures: [...cosigners.values()].reduce((n, set) => n + set.size, 0),
    keys: registry.keys().length,
  };
}
