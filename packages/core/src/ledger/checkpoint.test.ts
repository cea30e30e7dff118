import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TruceError } from '../errors.js';
import {
  type Checkpoint,
  cosignCheckpoint,
  formatCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
} from './checkpoint.js';
import { fromBase64, fromHex, toBase64, utf8 } from './encoding.js';
import { ed25519PrivateKeyFromSeed, rawPublicKey } from './keys.js';
import { emptyRoot, MemoryMerkleTree, verifyConsistency } from './merkle.js';
import {
  appendSignatures,
  formatNote,
  formatVerifierKey,
  noteSigner,
  noteVerifier,
  parseNote,
  parseVerifierKey,
  signatureTypes,
  verifierOf,
} from './signed-note.js';

const vectors = JSON.parse(
  readFileSync(new URL('./testdata/signed-note/vectors.json', import.meta.url), 'utf8'),
);

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(TruceError);
    return (error as TruceError).code;
  }
  return undefined;
}

const origin = 'truce.example/gaza-2025';
const logKey = ed25519PrivateKeyFromSeed(new Uint8Array(32).fill(0x10));
const log = noteSigner(origin, logKey);
const logVerifier = verifierOf(log);
const witnesses = ['icrc', 'egypt', 'qatar'].map((party, i) =>
  noteSigner(
    `${party}.witness.example`,
    ed25519PrivateKeyFromSeed(new Uint8Array(32).fill(0x20 + i)),
    signatureTypes.cosignatureV1,
  ),
);
const witnessVerifiers = witnesses.map(verifierOf);

describe('checkpoint bodies (c2sp.org/tlog-checkpoint)', () => {
  const root = createHash('sha256').update('root').digest();
  const checkpoint: Checkpoint = { origin, size: 20852163, rootHash: root, extensions: [] };

  it('are origin, size and base64 root hash lines, each ending in a newline', () => {
    const text = formatCheckpoint(checkpoint);
    expect(text).toBe(`${origin}\n20852163\n${root.toString('base64')}\n`);
    expect(parseCheckpoint(text)).toEqual({ ...checkpoint, rootHash: new Uint8Array(root) });
  });

  it('parse the C2SP example', () => {
    const body = parseNote(vectors.c2spCosignatureExample.note).text;
    const parsed = parseCheckpoint(body);
    expect(parsed.origin).toBe('example.com/behind-the-sofa');
    expect(parsed.size).toBe(20852163);
    expect(toBase64(parsed.rootHash)).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    expect(formatCheckpoint(parsed)).toBe(body);
  });

  it('keep extension lines, and the empty tree', () => {
    const withExtensions = { ...checkpoint, extensions: ['— gaza truce', 'phase 1'] };
    expect(parseCheckpoint(formatCheckpoint(withExtensions))).toEqual({
      ...withExtensions,
      rootHash: new Uint8Array(root),
    });
    const empty = { origin, size: 0, rootHash: emptyRoot(), extensions: [] };
    expect(formatCheckpoint(empty)).toBe(
      `${origin}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n`,
    );
  });

  it.each([
    ['no final newline', `${origin}\n1\n${root.toString('base64')}`],
    ['two lines', `${origin}\n1\n`],
    ['an empty origin', `\n1\n${root.toString('base64')}\n`],
    ['a size with a leading zero', `${origin}\n01\n${root.toString('base64')}\n`],
    ['a negative size', `${origin}\n-1\n${root.toString('base64')}\n`],
    ['a size in exponent form', `${origin}\n1e3\n${root.toString('base64')}\n`],
    ['a size beyond 2^53 - 1', `${origin}\n9007199254740993\n${root.toString('base64')}\n`],
    ['a root of 31 bytes', `${origin}\n1\n${root.subarray(1).toString('base64')}\n`],
    ['a root in base64url', `${origin}\n1\n${root.toString('base64url')}\n`],
    ['a root with a space', `${origin}\n1\n ${root.toString('base64')}\n`],
    ['an empty extension line', `${origin}\n1\n${root.toString('base64')}\n\nx\n`],
    ['a carriage return', `${origin}\r\n1\n${root.toString('base64')}\n`],
  ])('refuse %s', (_, text) => {
    expect(codeOf(() => parseCheckpoint(text))).toBe('LEDGER_CHECKPOINT_INVALID');
  });

  it('are not formatted from invalid fields', () => {
    expect(codeOf(() => formatCheckpoint({ ...checkpoint, origin: 'a\nb' }))).toBe(
      'LEDGER_CHECKPOINT_INVALID',
    );
    expect(codeOf(() => formatCheckpoint({ ...checkpoint, size: -1 }))).toBe(
      'LEDGER_CHECKPOINT_INVALID',
    );
    expect(codeOf(() => formatCheckpoint({ ...checkpoint, size: 2 ** 53 }))).toBe(
      'LEDGER_CHECKPOINT_INVALID',
    );
    expect(codeOf(() => formatCheckpoint({ ...checkpoint, rootHash: new Uint8Array(31) }))).toBe(
      'LEDGER_CHECKPOINT_INVALID',
    );
    expect(codeOf(() => formatCheckpoint({ ...checkpoint, extensions: [''] }))).toBe(
      'LEDGER_CHECKPOINT_INVALID',
    );
  });
});

describe('signed checkpoints', () => {
  it('reproduce and verify the sigsum-go signed checkpoint (seed 0x11, origin from the key)', () => {
    const sigsum = vectors.sigsumCheckpoint;
    const key = ed25519PrivateKeyFromSeed(fromHex(sigsum.seedHex) as Uint8Array);
    const keyOrigin = `sigsum.org/v1/tree/${createHash('sha256').update(rawPublicKey(key)).digest('hex')}`;
    const note: string = sigsum.signedCheckpoint;
    expect(note.startsWith(`${keyOrigin}\n`)).toBe(true);
    const verified = verifyCheckpoint(note, { log: noteVerifier(keyOrigin, key) });
    expect(verified.checkpoint.size).toBe(10);
    expect(signCheckpoint(verified.checkpoint, noteSigner(keyOrigin, key))).toBe(note);
  });

  it('verify the sum.golang.org checkpoints, whose origin is not the key name', () => {
    const sum = vectors.sumGolangOrg;
    const verifier = parseVerifierKey(sum.vkey);
    for (const note of sum.notes as string[]) {
      const { checkpoint } = verifyCheckpoint(note, {
        log: verifier,
        origin: 'go.sum database tree',
      });
      expect(checkpoint.size).toBe(Number(note.split('\n')[1]));
      expect(codeOf(() => verifyCheckpoint(note, { log: verifier }))).toBe(
        'LEDGER_CHECKPOINT_INVALID',
      );
    }
  });

  it('go from a tree to a signed, cosigned and verified checkpoint, as truce witness will', () => {
    const tree = new MemoryMerkleTree();
    for (let i = 0; i < 5; i++) tree.append(utf8(`event ${i}`));
    const first = signCheckpoint(
      { origin, size: tree.size, rootHash: tree.root(), extensions: [] },
      log,
    );
    for (let i = 5; i < 12; i++) tree.append(utf8(`event ${i}`));
    const second = signCheckpoint(
      { origin, size: tree.size, rootHash: tree.root(), extensions: [] },
      log,
    );

    // A witness: check the log's signature, check consistency with the last checkpoint it saw,
    // then cosign with the current time.
    const seen = verifyCheckpoint(first, { log: logVerifier }).checkpoint;
    const latest = verifyCheckpoint(second, { log: logVerifier }).checkpoint;
    const proof = tree.consistencyProof(seen.size, latest.size);
    expect(verifyConsistency(seen.size, latest.size, proof, seen.rootHash, latest.rootHash)).toBe(
      true,
    );
    const cosignatures = witnesses
      .slice(0, 2)
      .map((w, i) => cosignCheckpoint(second, w, 1_737_300_000 + i));

    const cosigned = appendSignatures(second, cosignatures);
    const result = verifyCheckpoint(cosigned, { log: logVerifier, witnesses: witnessVerifiers });
    expect(result.checkpoint.size).toBe(12);
    expect(result.cosignatures).toEqual([
      { name: 'icrc.witness.example', timestamp: 1_737_300_000 },
      { name: 'egypt.witness.example', timestamp: 1_737_300_001 },
    ]);
    // Without the witnesses' keys their cosignatures are merely unverified.
    expect(verifyCheckpoint(cosigned, { log: logVerifier }).cosignatures).toEqual([]);

    // Re-cosigning replaces the witness's older cosignature.
    const again = appendSignatures(cosigned, [
      cosignCheckpoint(cosigned, witnesses[0]!, 1_737_300_100),
    ]);
    expect(parseNote(again).signatures).toHaveLength(3);
    expect(
      verifyCheckpoint(again, { log: logVerifier, witnesses: witnessVerifiers }).cosignatures,
    ).toEqual([
      { name: 'egypt.witness.example', timestamp: 1_737_300_001 },
      { name: 'icrc.witness.example', timestamp: 1_737_300_100 },
    ]);
  });

  it('reject a cosignature of another checkpoint, even by a known witness', () => {
    const a = signCheckpoint(
      { origin, size: 1, rootHash: new Uint8Array(32).fill(1), extensions: [] },
      log,
    );
    const b = signCheckpoint(
      { origin, size: 1, rootHash: new Uint8Array(32).fill(2), extensions: [] },
      log,
    );
    const cosignatureOfA = cosignCheckpoint(a, witnesses[0]!, 1);
    const mixed = appendSignatures(b, [cosignatureOfA]);
    expect(
      codeOf(() => verifyCheckpoint(mixed, { log: logVerifier, witnesses: witnessVerifiers })),
    ).toBe('LEDGER_SIGNATURE_INVALID');
  });

  it('require the log signature: witnesses alone do not make a checkpoint', () => {
    const body = formatCheckpoint({
      origin,
      size: 1,
      rootHash: new Uint8Array(32),
      extensions: [],
    });
    const onlyWitness = formatNote({
      text: body,
      signatures: [cosignCheckpoint(body, witnesses[0]!, 1)],
    });
    const options = { log: logVerifier, witnesses: witnessVerifiers };
    expect(codeOf(() => verifyCheckpoint(onlyWitness, options))).toBe('LEDGER_SIGNATURE_INVALID');
  });

  it('reject every single-byte change of a cosigned checkpoint', () => {
    const tree = MemoryMerkleTree.of([utf8('a'), utf8('b'), utf8('c')]);
    const signed = signCheckpoint(
      { origin, size: 3, rootHash: tree.root(), extensions: ['phase 1'] },
      log,
    );
    const cosigned = appendSignatures(signed, [
      cosignCheckpoint(signed, witnesses[2]!, 1_737_300_000),
    ]);
    const bytes = utf8(cosigned);
    const accepted: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const changed = bytes.slice();
      changed[i] = (changed[i] as number) ^ 0x01;
      const result = (() => {
        try {
          return verifyCheckpoint(changed, { log: logVerifier, witnesses: witnessVerifiers });
        } catch {
          return undefined;
        }
      })();
      // A change to the witness's line may only make its cosignature unknown, never another one.
      if (result && result.cosignatures.length === 1 && result.checkpoint.size === 3)
        accepted.push(i);
    }
    expect(accepted).toEqual([]);
  });

  it('refuse the wrong kind of key for each role, and a body that is not a checkpoint', () => {
    const body = formatCheckpoint({ origin, size: 0, rootHash: emptyRoot(), extensions: [] });
    expect(codeOf(() => cosignCheckpoint(body, log, 1))).toBe('LEDGER_KEY_INVALID');
    expect(codeOf(() => signCheckpoint(parseCheckpoint(body), witnesses[0]!))).toBe(
      'LEDGER_KEY_INVALID',
    );
    expect(codeOf(() => cosignCheckpoint('not\na checkpoint\n', witnesses[0]!, 1))).toBe(
      'LEDGER_CHECKPOINT_INVALID',
    );
  });

  it('hand out keys as verifier key strings that parse back to the same verifier', () => {
    for (const verifier of [logVerifier, ...witnessVerifiers]) {
      const vkey = formatVerifierKey(verifier);
      const parsed = parseVerifierKey(vkey);
      expect(parsed.keyHash).toBe(verifier.keyHash);
      expect(parsed.type).toBe(verifier.type);
      expect(toBase64(parsed.rawPublicKey)).toBe(toBase64(verifier.rawPublicKey));
    }
    expect(formatVerifierKey(witnessVerifiers[0]!)).toMatch(
      /^icrc\.witness\.example\+[0-9a-f]{8}\+B[A-P]/,
    );
    expect(fromBase64(formatVerifierKey(logVerifier).split('+')[2] as string)?.[0]).toBe(0x01);
  });
});
