import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledger } from '@truce/core';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalize } from '../../../core/src/ledger/canonical-json.js';
import { fileEntry, jsonLine, type Manifest } from '../../../server/src/ledger/export-format.js';
import { exportLedger } from '../../../server/src/ledger/export-ledger.js';
import { Ledger } from '../../../server/src/ledger/ledger-service.js';
import {
  newKey,
  registration,
  revocation,
  sampleEvent,
  signedEvent,
  testIdentity,
} from '../../../server/src/ledger/testing.js';
import { verifyExport } from '../../../server/src/ledger/verify-export.js';
import { openMemoryStore } from '../../../server/src/store/index.js';
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

describe('on a log the server wrote', () => {
  it('with a rotation, a revocation and a cosignature, both verifiers accept it', async () => {
    const store = openMemoryStore();
    const identity = testIdentity();
    const service = await Ledger.open(store, identity);
    const qatar = newKey();
    const icrc = newKey();
    const next = newKey();
    await service.submit([
      registration(identity, 'qatar', qatar),
      registration(identity, 'icrc', icrc),
    ]);
    for (let i = 0; i < 4; i++) {
      await service.submit([
        signedEvent(sampleEvent(`e-${i}`, i % 2 ? 'qatar' : 'icrc', i), i % 2 ? qatar : icrc),
      ]);
    }
    await service.checkpoint();
    await service.submit([
      registration({ ...identity, operator: 'icrc', privateKey: icrc }, 'icrc', next),
    ]);
    await service.submit([revocation({ org: 'icrc', key: icrc }, ledger.keyIdFor('icrc', icrc))]);
    await service.submit([signedEvent(sampleEvent('e-after', 'icrc'), next)]);
    const checkpoint = await service.checkpoint();
    const witness = ledger.noteSigner('qatar', qatar, ledger.signatureTypes.cosignatureV1);
    await service.cosign(
      ledger.formatSignatureLine(
        ledger.cosignCheckpoint(checkpoint?.text ?? '', witness, 1_737_300_000),
      ),
    );
    await service.close();
    const dir = join(scratch, `x${copies++}`);
    const { size } = await exportLedger(store, identity, dir);
    await store.close();

    const node = verifyExport(dir, { logKey: identity.verifierKey });
    const read = (path: string) => readFileSync(join(dir, path), 'utf8');
    const browser = await verifyLedger({
      logKey: identity.verifierKey,
      checkpoint: read(`checkpoints/${size}`),
      entries: read('entries.jsonl'),
      cosignatures: read('cosignatures.jsonl'),
    });
    expect(browser.problems).toEqual([]);
    expect(node).toMatchObject({ ok: true, size, latestCosigners: ['qatar'] });
    expect(browser).toMatchObject({
      ok: true,
      size,
      rootHash: node.ok ? node.rootHash : '',
      cosigners: ['qatar'],
    });
    expect(`${canonicalize(browser.keys)}\n`).toBe(read('keys.json'));
  });
});
