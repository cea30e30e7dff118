import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../../core/src/ledger/canonical-json.js';
import { toBase64 } from './bytes.js';
import { noteKeyHash } from './signed-note.js';
import {
  changeChar,
  jsonl,
  ledger,
  linesOf,
  newKey,
  sampleFile,
  sampleInput,
  smallLog,
} from './testing.js';
import { type ProblemCode, type VerifyInput, type VerifyReport, verifyLedger } from './verify.js';

const codes = (report: VerifyReport): ProblemCode[] => report.problems.map((p) => p.code);

async function expectRejected(input: VerifyInput, code: ProblemCode, seq?: number) {
  const report = await verifyLedger(input);
  expect(report.ok).toBe(false);
  expect(codes(report)).toContain(code);
  if (seq !== undefined) {
    expect(report.problems.find((p) => p.code === code)?.seq).toBe(seq);
  }
  return report;
}

describe('the sample export, examples/ledger', () => {
  const input = sampleInput();
  const entries = linesOf(input.entries);

  it('verifies, with the keys and cosigners the export lists', async () => {
    const report = await verifyLedger(input);
    expect(report.problems).toEqual([]);
    const manifest = JSON.parse(sampleFile('manifest.json')) as { size: number; rootHash: string };
    expect(report).toMatchObject({
      ok: true,
      origin: 'truce.example/gaza-2025',
      size: manifest.size,
      rootHash: manifest.rootHash,
      checkpoint: { origin: 'truce.example/gaza-2025', size: manifest.size },
      checked: { entries: manifest.size, signatures: manifest.size, keys: 8, cosignatures: 3 },
      cosigners: ['egypt', 'qatar', 'united-states'],
      problemsOmitted: 0,
    });
    // The registry rebuilt in the browser is byte for byte the export's keys.json.
    expect(`${canonicalize(report.keys)}\n`).toBe(sampleFile('keys.json'));
  });

  it('verifies from bytes, in small chunks, reporting progress up to the total', async () => {
    const progress: [number, number][] = [];
    const report = await verifyLedger({
      ...input,
      entries: new TextEncoder().encode(input.entries),
      checkpoint: new TextEncoder().encode(input.checkpoint),
      cosignatures: linesOf(input.cosignatures).map((l) => JSON.parse(l)),
      exportSize: 128,
      chunkSize: 10,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(report.ok).toBe(true);
    expect(progress.length).toBeGreaterThan(12);
    expect(progress.at(-1)).toEqual([128, 128]);
    for (let i = 1; i < progress.length; i++) {
      expect((progress[i] as [number, number])[0]).toBeGreaterThanOrEqual(
        (progress[i - 1] as [number, number])[0],
      );
    }
  });

  it('accepts the log key with or without its newline, and no cosignatures', async () => {
    const { cosignatures: _, ...rest } = input;
    const report = await verifyLedger({ ...rest, logKey: input.logKey.trim() });
    expect(report).toMatchObject({ ok: true, cosigners: [], checked: { cosignatures: 0 } });
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('closed'));
    await expect(verifyLedger({ ...input, signal: controller.signal })).rejects.toThrow('closed');
  });

  it('throws only for programmer errors', async () => {
    await expect(verifyLedger({ ...input, entries: 42 as unknown as string })).rejects.toThrow(
      TypeError,
    );
    const report = await verifyLedger({ logKey: '', checkpoint: '', entries: '' });
    expect(codes(report)).toEqual(['LOG_KEY_INVALID', 'CHECKPOINT_MALFORMED', 'ENTRIES_EMPTY']);
  });

  it('rejects one byte changed in an event', async () => {
    const changed = [...entries];
    changed[39] = (changed[39] as string).replace('"count":91', '"count":92');
    expect(changed[39]).not.toBe(entries[39]);
    const report = await expectRejected(
      { ...input, entries: jsonl(changed) },
      'ENTRY_SIGNATURE_INVALID',
      39,
    );
    expect(codes(report)).toEqual(['ENTRY_SIGNATURE_INVALID', 'ROOT_MISMATCH']);
    expect(report.checked.entries).toBe(127);
  });

  it('rejects one byte changed in a signature', async () => {
    const changed = [...entries];
    const line = changed[50] as string;
    changed[50] = changeChar(line, line.indexOf('"sig":"') + 7 + 20);
    const report = await expectRejected(
      { ...input, entries: jsonl(changed) },
      'ENTRY_SIGNATURE_INVALID',
      50,
    );
    expect(codes(report)).toEqual(['ENTRY_SIGNATURE_INVALID', 'ROOT_MISMATCH']);
  });

  it('rejects a signature that is not canonical base64url', async () => {
    const changed = [...entries];
    const line = changed[50] as string;
    // The last of 86 characters carries 2 bits that must be zero: 'A' → 'B' sets one.
    const end = line.indexOf('","v":1}');
    changed[50] = `${line.slice(0, end - 1)}${line[end - 1] === 'A' ? 'B' : 'A'}${line.slice(end)}`;
    const report = await verifyLedger({ ...input, entries: jsonl(changed) });
    expect(report.ok).toBe(false);
    expect(codes(report)).toContain('ROOT_MISMATCH');
  });

  it("rejects one byte changed in the checkpoint's root", async () => {
    const [origin, size, root, ...rest] = input.checkpoint.split('\n');
    const checkpoint = [origin, size, changeChar(root as string, 10), ...rest].join('\n');
    const report = await expectRejected({ ...input, checkpoint }, 'CHECKPOINT_SIGNATURE_INVALID');
    expect(codes(report)).toContain('ROOT_MISMATCH');
  });

  it("rejects one byte changed in the checkpoint's signature", async () => {
    const at = input.checkpoint.indexOf('\u2014 ');
    const line = input.checkpoint.slice(at);
    const base64At = at + line.indexOf(' ', 2) + 1;
    // Past the 4-byte key hash (6 base64 characters): the Ed25519 signature itself.
    await expectRejected(
      { ...input, checkpoint: changeChar(input.checkpoint, base64At + 30) },
      'CHECKPOINT_SIGNATURE_INVALID',
    );
    // In the key hash: no longer a signature by the pinned key.
    await expectRejected(
      { ...input, checkpoint: changeChar(input.checkpoint, base64At + 1) },
      'CHECKPOINT_UNSIGNED',
    );
  });

  it('rejects a wrong pinned key, even one with the log’s name', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
    const name = 'truce.example/gaza-2025';
    const hash = (await noteKeyHash(name, 1, raw)).toString(16).padStart(8, '0');
    const logKey = `${name}+${hash}+${toBase64(Uint8Array.of(1, ...raw))}`;
    const report = await expectRejected({ ...input, logKey }, 'CHECKPOINT_UNSIGNED');
    expect(codes(report)).toEqual(['CHECKPOINT_UNSIGNED', 'GENESIS_NOT_LOG_KEY']);
    // Another log's key, and no key at all.
    await expectRejected({ ...input, logKey: smallLog().logKey }, 'CHECKPOINT_UNSIGNED');
    await expectRejected({ ...input, logKey: 'truce.example/gaza-2025' }, 'LOG_KEY_INVALID');
  });

  it('rejects a truncated entries file', async () => {
    const report = await expectRejected(
      { ...input, entries: jsonl(entries.slice(0, -1)) },
      'SIZE_MISMATCH',
    );
    expect(codes(report)).toEqual(['SIZE_MISMATCH']);
    const cut = await expectRejected(
      { ...input, entries: input.entries.slice(0, -100) },
      'ENTRIES_UNTERMINATED',
    );
    expect(codes(cut)).toEqual(['ENTRIES_UNTERMINATED', 'ENTRY_NOT_JSON', 'ROOT_MISMATCH']);
    await expectRejected({ ...input, entries: '' }, 'ENTRIES_EMPTY');
  });

  it('reads bytes exactly: malformed UTF-8 and a cut-off last line are reported', async () => {
    const bytes = new TextEncoder().encode(input.entries);
    const broken = bytes.slice();
    broken[bytes.indexOf(0x0a) + 20] = 0xff; // inside line 2 (seq 1)
    const report = await expectRejected({ ...input, entries: broken }, 'ENTRY_NOT_JSON', 1);
    expect(report.problems[0]?.message).toMatch(/UTF-8/);
    const cut = await expectRejected(
      { ...input, entries: bytes.subarray(0, bytes.length - 1) },
      'ENTRIES_UNTERMINATED',
      127,
    );
    // The last line is whole but for its newline: it still verifies; the file is still refused.
    expect(codes(cut)).toEqual(['ENTRIES_UNTERMINATED']);
    expect(cut.checked.entries).toBe(128);
  });

  it('rejects a duplicated line', async () => {
    const atEnd = await expectRejected(
      { ...input, entries: jsonl([...entries, entries[60] as string]) },
      'DUPLICATE_EVENT_ID',
      128,
    );
    // The first 128 entries are still the checkpoint's: the root of those matches.
    expect(codes(atEnd)).toEqual([
      'SIZE_MISMATCH',
      'DUPLICATE_EVENT_ID',
      'DUPLICATE_IDEMPOTENCY_KEY',
    ]);
    const inside = [...entries];
    inside.splice(61, 0, entries[60] as string);
    const report = await expectRejected(
      { ...input, entries: jsonl(inside) },
      'DUPLICATE_EVENT_ID',
      61,
    );
    expect(codes(report)).toContain('ROOT_MISMATCH');
  });

  it('rejects two lines swapped', async () => {
    const swapped = [...entries];
    [swapped[40], swapped[41]] = [entries[41] as string, entries[40] as string];
    const report = await expectRejected({ ...input, entries: jsonl(swapped) }, 'ROOT_MISMATCH');
    expect(codes(report)).toEqual(['ROOT_MISMATCH']);
    // A key's registration moved after its first use.
    const moved = [...entries];
    const [registration] = moved.splice(28, 1); // un's key (seq 28)
    moved.push(registration as string);
    const late = await verifyLedger({ ...input, entries: jsonl(moved) });
    expect(codes(late)).toContain('KEY_UNKNOWN');
  });

  it('rejects a line that is not canonical JSON, and a malformed envelope', async () => {
    const spaced = [...entries];
    spaced[70] = (spaced[70] as string).replace('{"event":', '{ "event":');
    await expectRejected({ ...input, entries: jsonl(spaced) }, 'ENTRY_NOT_CANONICAL', 70);
    const extra = [...entries];
    extra[70] = (extra[70] as string).replace('{"event":', '{"a":1,"event":');
    await expectRejected({ ...input, entries: jsonl(extra) }, 'ENTRY_MALFORMED', 70);
  });

  it('rejects cosignatures that do not verify or name the wrong witness', async () => {
    const lines = linesOf(input.cosignatures);
    const bad = lines.map((l) => changeChar(l, l.indexOf('==\\n') - 20));
    await expectRejected({ ...input, cosignatures: jsonl(bad) }, 'COSIGNATURE_INVALID');
    const renamed = lines.map((l) => l.replace('"witness":"egypt"', '"witness":"qatar"'));
    await expectRejected({ ...input, cosignatures: jsonl(renamed) }, 'COSIGNATURE_INVALID');
    const unknown = [
      {
        line: '\u2014 hamas HnWuKgAAAABrCC4gzMBsn2Ug3fMb49XzKbXl70eY1zJe5Id7ZMoYIvVsIQeyq/9km0I1QeHckYMPzeaDKmlgmrCdVE1olw9kTL3NBw==',
      },
    ];
    await expectRejected({ ...input, cosignatures: unknown }, 'COSIGNATURE_UNKNOWN_WITNESS');
  });
});

describe('keys as the log registers and revokes them', () => {
  it('accepts a well-formed small log, with a cosignature in the note itself', async () => {
    const log = smallLog();
    const qatar = newKey();
    const lines = [log.genesis, log.register('qatar', qatar), log.event('e-1', 'qatar', qatar)];
    const checkpoint = log.checkpoint(lines);
    const cosigned = `${checkpoint}${log.cosign(checkpoint, 'qatar', qatar)}`;
    const report = await verifyLedger({
      logKey: log.logKey,
      checkpoint: cosigned,
      entries: jsonl(lines),
    });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, cosigners: ['qatar'], checked: { keys: 2 } });
  });

  it("accepts the operator's audit anchors and rejects anyone else's, as the ledger does", async () => {
    const log = smallLog();
    const qatar = newKey();
    const anchorBy = (org: string, key: ReturnType<typeof newKey>, id: string) =>
      ledger.canonicalize(
        ledger.signEnvelope(
          {
            v: 1,
            id,
            org,
            keyId: ledger.keyIdFor(org, key),
            idempotencyKey: id,
            event: {
              id,
              type: 'audit_anchored',
              occurredAt: '2025-01-20T10:00:00Z',
              reportedAt: '2025-01-20T10:10:00Z',
              source: org,
              payload: { chainSeq: 7, hash: 'a'.repeat(64) },
            },
          },
          key,
        ),
      );
    const lines = [
      log.genesis,
      log.register('qatar', qatar),
      anchorBy(log.operator.org, log.operator.key, 'audit-anchor-7'),
    ];
    const report = await verifyLedger({
      logKey: log.logKey,
      checkpoint: log.checkpoint(lines),
      entries: jsonl(lines),
    });
    expect(report.problems).toEqual([]);
    const forged = [...lines, anchorBy('qatar', qatar, 'audit-anchor-forged')];
    const rejected = await expectRejected(
      { logKey: log.logKey, checkpoint: log.checkpoint(forged), entries: jsonl(forged) },
      'EVENT_INVALID',
      3,
    );
    expect(rejected.problems[0]?.message).toMatch(/only the log operator/);
  });

  it('rejects an entry signed by a revoked key', async () => {
    const log = smallLog();
    const qatar = newKey();
    const keyId = ledger.keyIdFor('qatar', qatar);
    const lines = [
      log.genesis,
      log.register('qatar', qatar),
      log.event('e-1', 'qatar', qatar),
      log.revoke(log.operator.org, keyId),
      log.event('e-2', 'qatar', qatar),
    ];
    const checkpoint = log.checkpoint(lines);
    const report = await expectRejected(
      {
        logKey: log.logKey,
        checkpoint,
        entries: jsonl(lines),
        cosignatures: [{ line: log.cosign(checkpoint, 'qatar', qatar) }],
      },
      'KEY_REVOKED',
      4,
    );
    // Revoked within the checkpoint: its cosignature no longer counts either.
    expect(codes(report)).toEqual(['KEY_REVOKED', 'COSIGNATURE_UNKNOWN_WITNESS']);
    expect(report.keys.find((k) => k.keyId === keyId)).toMatchObject({ revokedAt: 3 });
  });

  it('accepts a revocation signed by the key it revokes, and a rotation', async () => {
    const log = smallLog();
    const qatar = newKey();
    const next = newKey();
    const lines = [
      log.genesis,
      log.register('qatar', qatar),
      log.register('qatar', next, { by: 'qatar' }),
      log.revoke('qatar', ledger.keyIdFor('qatar', qatar)),
      log.event('e-1', 'qatar', next),
    ];
    const report = await verifyLedger({
      logKey: log.logKey,
      checkpoint: log.checkpoint(lines),
      entries: jsonl(lines),
    });
    expect(report.problems).toEqual([]);
  });

  it('rejects an entry signed by an unregistered key', async () => {
    const log = smallLog();
    const lines = [log.genesis, log.event('e-1', 'icrc', newKey())];
    await expectRejected(
      { logKey: log.logKey, checkpoint: log.checkpoint(lines), entries: jsonl(lines) },
      'KEY_UNKNOWN',
      1,
    );
  });

  it('rejects an event reported before its key is valid', async () => {
    const log = smallLog();
    const qatar = newKey();
    const lines = [
      log.genesis,
      log.register('qatar', qatar, { validFrom: '2025-01-20T12:00:00Z' }),
      log.event('e-1', 'qatar', qatar, '2025-01-20T13:00:00+02:00'),
      log.event('e-2', 'qatar', qatar, '2025-01-20T15:00:00+02:00'),
    ];
    const report = await expectRejected(
      { logKey: log.logKey, checkpoint: log.checkpoint(lines), entries: jsonl(lines) },
      'KEY_NOT_YET_VALID',
      2,
    );
    expect(codes(report)).toEqual(['KEY_NOT_YET_VALID']);
  });

  it("rejects a registration by another organisation than the operator or the key's", async () => {
    const log = smallLog();
    const icrc = newKey();
    const lines = [
      log.genesis,
      log.register('icrc', icrc),
      log.register('qatar', newKey(), { by: 'icrc' }),
    ];
    await expectRejected(
      { logKey: log.logKey, checkpoint: log.checkpoint(lines), entries: jsonl(lines) },
      'KEY_EVENT_INVALID',
      2,
    );
  });

  it('rejects a log whose first entry is not the genesis', async () => {
    const log = smallLog();
    const qatar = newKey();
    const lines = [log.register('qatar', qatar), log.event('e-1', 'qatar', qatar)];
    const report = await expectRejected(
      { logKey: log.logKey, checkpoint: log.checkpoint(lines), entries: jsonl(lines) },
      'GENESIS_INVALID',
      0,
    );
    expect(codes(report)).toEqual(['GENESIS_INVALID']);
  });
});
