import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ledger, TruceError } from '@truce/core';
import type { Store } from '../store/index.js';
import {
  type CosignatureLine,
  checkpointPath,
  exportFiles,
  exportFormat,
  fileEntry,
  jsonLine,
  type Manifest,
  type ManifestFile,
} from './export-format.js';
import { KeyRegistry } from './key-registry.js';

export interface ExportResult {
  size: number;
  checkpoints: number;
  cosignatures: number;
  files: ManifestFile[];
}

/**
 * Writes the export of the log up to its latest checkpoint into `outDir` (created; refused if it
 * holds anything but an earlier export). Entries appended after that checkpoint are left for the
 * next export: the last checkpoint must cover the whole export.
 */
export async function exportLedger(
  store: Store,
  identity: { origin: string; verifierKey: string },
  outDir: string,
): Promise<ExportResult> {
  const latest = await store.latestCheckpoint();
  if (!latest) {
    throw new TruceError(
      'NOT_FOUND',
      'the log has no checkpoint yet; run `truce ledger init` first',
    );
  }
  prepareFolder(outDir);
  const size = latest.size;
  const files: ManifestFile[] = [];
  const write = (path: string, text: string | Uint8Array) => {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    writeFileSync(join(outDir, path), bytes);
    files.push(fileEntry(path, bytes));
  };

  write(exportFiles.logKey, `${identity.verifierKey}\n`);

  const registry = new KeyRegistry();
  const chunks: Uint8Array[] = [];
  const newline = Uint8Array.of(0x0a);
  for (let seq = 0; seq < size; seq += 1000) {
    for (const stored of await store.entries(seq, Math.min(1000, size - seq))) {
      chunks.push(stored.entry, newline);
      const text = Buffer.from(stored.entry).toString('utf8');
      if (text.includes('"key_re')) {
        const { envelope, event } = registry.admit(JSON.parse(text), stored.seq);
        registry.apply(envelope, event, stored.seq);
      }
    }
  }
  write(exportFiles.entries, Buffer.concat(chunks));

  mkdirSync(join(outDir, exportFiles.checkpoints));
  const checkpoints = (await store.checkpoints()).filter((c) => c.size <= size);
  const cosignatures: CosignatureLine[] = [];
  for (const checkpoint of checkpoints) {
    write(checkpointPath(checkpoint.size), checkpoint.text);
    for (const record of await store.cosignatures(checkpoint.size)) {
      cosignatures.push({
        checkpointSize: record.checkpointSize,
        witness: record.witness,
        line: record.line,
      });
    }
  }
  // By checkpoint size, then witness in code-point order (not the database's collation), the
  // one order verifyExport accepts: a file that verifies has one encoding.
  cosignatures.sort((a, b) =>
    a.checkpointSize !== b.checkpointSize
      ? a.checkpointSize - b.checkpointSize
      : a.witness < b.witness
        ? -1
        : a.witness > b.witness
          ? 1
          : 0,
  );
  write(exportFiles.cosignatures, cosignatures.map(jsonLine).join(''));
  write(exportFiles.keys, jsonLine(registry.listing()));

  const root = ledger.parseCheckpoint(ledger.parseNote(latest.text).text).rootHash;
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const manifest: Manifest = {
    format: exportFormat,
    origin: identity.origin,
    logKey: identity.verifierKey,
    size,
    rootHash: ledger.toBase64(root),
    files,
  };
  writeFileSync(join(outDir, exportFiles.manifest), jsonLine(manifest));
  return { size, checkpoints: checkpoints.length, cosignatures: cosignatures.length, files };
}

function prepareFolder(outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  const known = new Set<string>(Object.values(exportFiles));
  const present = readdirSync(outDir);
  const foreign = present.filter((name) => !known.has(name) && name !== 'README.md');
  if (foreign.length > 0) {
    throw new TruceError(
      'USAGE',
      `${outDir} holds other files (${foreign.slice(0, 3).join(', ')}); export into an empty folder or an earlier export`,
    );
  }
  for (const name of present) {
    if (name !== 'README.md') rmSync(join(outDir, name), { recursive: true, force: true });
  }
}
