import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledger } from '@truce/core';
import { afterAll, describe, expect, it } from 'vitest';
import { openMemoryStore, openPgliteStore, type Store } from '../store/index.js';
import { exportLedger } from './export-ledger.js';
import { Ledger } from './ledger-service.js';
import {
  newKey,
  registration,
  revocation,
  sampleEvent,
  signedEvent,
  testIdentity,
} from './testing.js';
import { verifyExport } from './verify-export.js';
import { witnessCheckpoint } from './witness.js';

const scratch = mkdtempSync(join(tmpdir(), 'truce-export-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;
const folder = () => join(scratch, `f${folders++}`);

/** A small log: keys, events, a revocation, a rotation, checkpoints and a cosignature. */
async function buildLog(store: Store, events = 6) {
  const identity = testIdentity();
  const service = await Ledger.open(store, identity);
  const qatar = newKey();
  const icrc = newKey();
  await service.submit([
    registration(identity, 'qatar', qatar),
    registration(identity, 'icrc', icrc),
  ]);
  for (let i = 0; i < events; i++) {
    await service.submit([
      signedEvent(sampleEvent(`e-${i}`, i % 2 ? 'qatar' : 'icrc', i), i % 2 ? qatar : icrc),
    ]);
    if (i % 3 === 2) await service.checkpoint();
  }
  const next = newKey();
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
  return { identity, service };
}

describe('export → verify', () => {
  it.each([
    ['memory', () => openMemoryStore()],
    ['PGlite', () => openPgliteStore({ dataDir: folder() })],
  ])(
    'round-trips on the %s store',
    async (_name, open) => {
      const store = await open();
      try {
        const { identity } = await buildLog(store);
        const out = folder();
        const result = await exportLedger(store, identity, out);
        const verified = verifyExport(out, { logKey: identity.verifierKey });
        expect(verified).toMatchObject({
          ok: true,
          size: result.size,
          pinned: true,
          latestCosigners: ['qatar'],
        });
        // Another log key pinned: refused.
        expect(verifyExport(out, { logKey: testIdentity().verifierKey }).ok).toBe(false);
      } finally {
        await store.close();
      }
    },
    60_000,
  );

  it('lists cosignatures in one order and refuses them in another', async () => {
    const store = openMemoryStore();
    const identity = testIdentity();
    const service = await Ledger.open(store, identity);
    const keys = { un: newKey(), egypt: newKey() };
    await service.submit([
      registration(identity, 'un', keys.un),
      registration(identity, 'egypt', keys.egypt),
    ]);
    const checkpoint = await service.checkpoint();
    for (const [org, key] of Object.entries(keys)) {
      const witness = ledger.noteSigner(org, key, ledger.signatureTypes.cosignatureV1);
      await service.cosign(
        ledger.formatSignatureLine(
          ledger.cosignCheckpoint(checkpoint?.text ?? '', witness, 1_737_300_000),
        ),
      );
    }
    await service.close();
    const out = folder();
    await exportLedger(store, identity, out);
    const path = join(out, 'cosignatures.jsonl');
    const lines = readFileSync(path, 'utf8').slice(0, -1).split('\n');
    expect(lines.map((line) => JSON.parse(line).witness)).toEqual(['egypt', 'un']);
    expect(verifyExport(out).ok).toBe(true);
    // The same two valid cosignatures the other way round: a second encoding, refused.
    writeFileSync(path, `${[lines[1], lines[0]].join('\n')}\n`);
    const manifestPath = join(out, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    writeFileSync(manifestPath, `${ledger.canonicalize(manifest)}\n`);
    const swapped = verifyExport(out);
    expect(swapped).toMatchObject({ ok: false, position: 'cosignatures.jsonl:2' });
    expect(swapped.ok === false && swapped.reason).toMatch(/out of order/);
  });

  it('accepts the committed example, examples/ledger', () => {
    const dir = new URL('../../../../examples/ledger', import.meta.url).pathname;
    const result = verifyExport(dir);
    expect(result).toMatchObject({ ok: true });
    expect(result.ok && result.latestCosigners.length).toBeGreaterThan(0);
  });
});

describe('mutations of an export never verify', () => {
  let base = '';
  const files: { path: string; bytes: Buffer }[] = [];

  function exportFiles(dir: string, prefix = ''): string[] {
    return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? exportFiles(dir, join(prefix, entry.name)) : [join(prefix, entry.name)],
    );
  }

  it('builds a small export that verifies', async () => {
    const store = openMemoryStore();
    const { identity } = await buildLog(store, 3);
    base = folder();
    await exportLedger(store, identity, base);
    for (const path of exportFiles(base))
      files.push({ path, bytes: readFileSync(join(base, path)) });
    expect(verifyExport(base).ok).toBe(true);
  });

  it('flipping any single bit of any byte of any file fails', () => {
    let tried = 0;
    for (const file of files) {
      for (let offset = 0; offset < file.bytes.length; offset++) {
        // Every byte of the small files, a spread of bytes in the long ones; both bit ends.
        if (file.bytes.length > 400 && offset % 11 !== 0) continue;
        for (const bit of [0x01, 0x80]) {
          const dir = '';
          const mutated = Buffer.from(file.bytes);
          mutated[offset] = (mutated[offset] as number) ^ bit;
          const result = outcomeWith(dir, file.path, mutated);
          if (result === 'ok')
            throw new Error(`${file.path} byte ${offset} ^ ${bit} still verifies`);
          tried++;
        }
      }
    }
    expect(tried).toBeGreaterThan(500);
    // ~30 s on a quiet machine; a CI machine shared with other work took 158 s once.
  }, 300_000);

  it('reordering, dropping, duplicating or truncating lines fails', () => {
    for (const file of files.filter((f) => f.path.endsWith('.jsonl') && f.bytes.length > 0)) {
      const lines = file.bytes.toString('utf8').slice(0, -1).split('\n');
      const variants: string[][] = [
        lines.slice(1),
        lines.slice(0, -1),
        [...lines, lines.at(-1) as string],
        [lines[0] as string, ...lines],
      ];
      if (lines.length > 1)
        variants.push([lines[1] as string, lines[0] as string, ...lines.slice(2)]);
      for (const variant of variants) {
        const text = variant.length ? `${variant.join('\n')}\n` : '';
        expect(outcomeWith(folder(), file.path, Buffer.from(text))).not.toBe('ok');
      }
      expect(
        outcomeWith(folder(), file.path, file.bytes.subarray(0, file.bytes.length - 1)),
      ).not.toBe('ok');
      expect(
        outcomeWith(folder(), file.path, Buffer.concat([file.bytes, Buffer.from('\n')])),
      ).not.toBe('ok');
    }
  });

  it('a missing file or checkpoint is unreadable or fails', () => {
    for (const file of files) {
      expect(outcomeWith(folder(), file.path, undefined)).not.toBe('ok');
    }
  });

  // One working copy, mutated and restored in place: copying a folder per mutation is too slow.
  let work = '';
  function outcomeWith(
    _dir: string,
    path: string,
    bytes: Buffer | undefined,
  ): 'ok' | 'failed' | 'unreadable' {
    if (!work) {
      work = folder();
      cpSync(base, work, { recursive: true });
    }
    const original = files.find((file) => file.path === path)?.bytes as Buffer;
    if (bytes === undefined) rmSync(join(work, path));
    else writeFileSync(join(work, path), bytes);
    try {
      return verifyExport(work).ok ? 'ok' : 'failed';
    } catch {
      return 'unreadable';
    } finally {
      writeFileSync(join(work, path), original);
    }
  }
});

describe('witness', () => {
  it('cosigns a consistent checkpoint and refuses a fork or a rollback', async () => {
    const store = openMemoryStore();
    const identity = testIdentity();
    const service = await Ledger.open(store, identity);
    const qatar = newKey();
    await service.submit([registration(identity, 'qatar', qatar)]);
    const first = await service.checkpoint();
    const witness = ledger.noteSigner('qatar', qatar, ledger.signatureTypes.cosignatureV1);
    const one = witnessCheckpoint({
      note: first?.text ?? '',
      logKey: identity.verifierKey,
      state: undefined,
      witness,
      timestamp: 1,
    });
    await service.cosign(one.line);
    await service.submit([signedEvent(sampleEvent('e-1', 'qatar'), qatar)]);
    const second = await service.checkpoint();
    const proof = await store.consistencyProof(one.state.size, second?.size ?? 0);
    const two = witnessCheckpoint({
      note: second?.text ?? '',
      proof,
      logKey: identity.verifierKey,
      state: one.state,
      witness,
      timestamp: 2,
    });
    expect(two.state.size).toBe(3);

    // A fork: the same log key signs a checkpoint of another tree of the same length.
    const forged = ledger.signCheckpoint(
      { origin: identity.origin, size: 4, rootHash: new Uint8Array(32).fill(7), extensions: [] },
      identity.signer,
    );
    expect(() =>
      witnessCheckpoint({
        note: forged,
        proof,
        logKey: identity.verifierKey,
        state: two.state,
        witness,
        timestamp: 3,
      }),
    ).toThrow(/not consistent/);
    // A rollback to the first checkpoint.
    expect(() =>
      witnessCheckpoint({
        note: first?.text ?? '',
        logKey: identity.verifierKey,
        state: two.state,
        witness,
        timestamp: 3,
      }),
    ).toThrow(/fewer/);
    // The same size with another root.
    const sameSize = ledger.signCheckpoint(
      { origin: identity.origin, size: 3, rootHash: new Uint8Array(32).fill(9), extensions: [] },
      identity.signer,
    );
    expect(() =>
      witnessCheckpoint({
        note: sameSize,
        logKey: identity.verifierKey,
        state: two.state,
        witness,
        timestamp: 3,
      }),
    ).toThrow(/not consistent/);
    await service.close();
  });
});
