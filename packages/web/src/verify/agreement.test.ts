import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileEntry, jsonLine, type Manifest } from '../../../server/src/ledger/export-format.js';
import { verifyExport } from '../../../server/src/ledger/verify-export.js';
import { changeChar, jsonl, linesOf, sampleDir, sampleInput } from './testing.js';
import { verifyLedger } from './verify.js';

/**
 * The browser verifier and `truce verify` (packages/server/src/ledger/verify-export.ts) must
 * agree. Each mutation is written into a copy of the sample export whose manifest is updated to
 * the mutated files, so that the Node verifier fails for the mutation itself, not for a stale
 * manifest hash.
 */

const scratch = mkdtempSync(join(tmpdir(), 'truce-web-verify-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let copies = 0;

function exportWith(files: Record<string, string>): string {
  const dir = join(scratch, `x${copies++}`);
  cpSync(sampleDir, dir, { recursive: true });
  const manifestPath = join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  for (const [path, text] of Object.entries(files)) {
    writeFileSync(join(dir, path), text);
    manifest.files = manifest.files.map((file) =>
      file.path === path ? fileEntry(path, new TextEncoder().encode(text)) : file,
    );
  }
  writeFileSync(manifestPath, jsonLine(manifest));
  return dir;
}

const input = sampleInput();
const entries = linesOf(input.entries);
const checkpointPath = 'checkpoints/128';

const mutations: [string, Record<string, string>][] = [
  ['the sample itself', {}],
  [
    'a byte of an event',
    {
      'entries.jsonl': jsonl(
        entries.map((l, i) => (i === 39 ? l.replace('"count":91', '"count":92') : l)),
      ),
    },
  ],
  [
    'a byte of a signature',
    {
      'entries.jsonl': jsonl(
        entries.map((l, i) => (i === 50 ? changeChar(l, l.indexOf('"sig":"') + 27) : l)),
      ),
    },
  ],
  ['the last line dropped', { 'entries.jsonl': jsonl(entries.slice(0, -1)) }],
  ['a line duplicated', { 'entries.jsonl': jsonl([...entries, entries[60] as string]) }],
  [
    'two lines swapped',
    {
      'entries.jsonl': jsonl(
        entries.map((l, i) => (i === 40 ? entries[41] : i === 41 ? entries[40] : l) as string),
      ),
    },
  ],
  [
    "a byte of the checkpoint's root",
    {
      [checkpointPath]: input.checkpoint.replace(
        /\n([A-Za-z0-9+/]{10})/,
        (_, head: string) => `\n${changeChar(head, 5)}`,
      ),
    },
  ],
  [
    "a byte of the checkpoint's signature",
    { [checkpointPath]: changeChar(input.checkpoint, input.checkpoint.length - 30) },
  ],
];

describe('the browser verifier agrees with truce verify', () => {
  it.each(mutations)('on %s', async (name, files) => {
    const dir = exportWith(files);
    const node = verifyExport(dir, { logKey: input.logKey.trim() });
    const read = (path: string) => readFileSync(join(dir, path), 'utf8');
    const browser = await verifyLedger({
      logKey: read('log.pub'),
      checkpoint: read(checkpointPath),
      entries: read('entries.jsonl'),
      cosignatures: read('cosignatures.jsonl'),
    });
    expect(browser.ok, `${name}: ${JSON.stringify(node)}`).toBe(node.ok);
    expect(node.ok).toBe(name === 'the sample itself');
    if (node.ok) {
      expect(browser).toMatchObject({
        size: node.size,
        rootHash: node.rootHash,
        cosigners: node.latestCosigners,
        checked: { keys: node.keys },
      });
    }
  });
});
