import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TruceError } from '../errors.js';
import { fromHex, fromUtf8, toHex, utf8 } from './encoding.js';
import { ed25519PrivateKeyFromSeed, rawPublicKey } from './keys.js';
import {
  appendSignatures,
  cosignatureMessage,
  formatNote,
  formatSignatureLine,
  formatVerifierKey,
  isValidKeyName,
  maxNoteSignatures,
  noteKeyHash,
  noteSignature,
  noteSigner,
  noteVerifier,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signatureTypes,
  signNote,
  verifierOf,
  verifyNote,
} from './signed-note.js';

const vectors = JSON.parse(
  readFileSync(new URL('./testdata/signed-note/vectors.json', import.meta.url), 'utf8'),
);
const go = vectors.golangModNote;

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(TruceError);
    return (error as TruceError).code;
  }
  return undefined;
}

describe('verifier keys (golang.org/x/mod sumdb/note vectors)', () => {
  it('parses a verifier key and formats it back identically', () => {
    const peter = parseVerifierKey(go.peterVkey);
    expect(peter.name).toBe('PeterNeumann');
    expect(peter.keyHash).toBe(0xc74f20a3);
    expect(peter.type).toBe(signatureTypes.ed25519);
    expect(formatVerifierKey(peter)).toBe(go.peterVkey);
    expect(formatVerifierKey(parseVerifierKey(go.enochVkey))).toBe(go.enochVkey);
  });

  it('rejects every substring and every one-byte change of a verifier key (as Go does)', () => {
    const accepted: string[] = [];
    const vkey: string = go.peterVkey;
    for (let i = 0; i <= vkey.length; i++) {
      for (let j = i + 1; j <= vkey.length; j++) {
        if (i === 0 && j === vkey.length) continue;
        if (codeOf(() => parseVerifierKey(vkey.slice(i, j))) !== 'LEDGER_KEY_INVALID') {
          accepted.push(vkey.slice(i, j));
        }
      }
    }
    for (let i = 0; i < vkey.length; i++) {
      const changed =
        vkey.slice(0, i) + String.fromCharCode(vkey.charCodeAt(i) + 1) + vkey.slice(i + 1);
      if (codeOf(() => parseVerifierKey(changed)) !== 'LEDGER_KEY_INVALID') accepted.push(changed);
    }
    for (const bad of go.badVkeys) {
      if (codeOf(() => parseVerifierKey(bad)) !== 'LEDGER_KEY_INVALID') accepted.push(bad);
    }
    expect(accepted).toEqual([]);
  });

  it('parses signer keys, derives the same key hash, and rejects mangled ones', () => {
    const signer = parseSignerKey(go.peterSkey);
    expect(signer.name).toBe('PeterNeumann');
    expect(signer.keyHash).toBe(0xc74f20a3);
    expect(formatVerifierKey(verifierOf(signer))).toBe(go.peterVkey);
    const skey: string = go.peterSkey;
    let accepted = 0;
    for (let i = 0; i < skey.length; i++) {
      const changed =
        skey.slice(0, i) + String.fromCharCode(skey.charCodeAt(i) + 1) + skey.slice(i + 1);
      if (codeOf(() => parseSignerKey(changed)) !== 'LEDGER_KEY_INVALID') accepted++;
      if (codeOf(() => parseSignerKey(skey.slice(0, i))) !== 'LEDGER_KEY_INVALID') accepted++;
    }
    expect(accepted).toBe(0);
  });

  it('computes key hashes as SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4], per signature type', () => {
    const raw = rawPublicKey(ed25519PrivateKeyFromSeed(new Uint8Array(32)));
    for (const type of [signatureTypes.ed25519, signatureTypes.cosignatureV1]) {
      const digest = createHash('sha256')
        .update(Buffer.concat([Buffer.from('w.example/1\n'), Buffer.of(type), raw]))
        .digest();
      expect(noteKeyHash('w.example/1', type, raw)).toBe(digest.readUInt32BE(0));
    }
    expect(noteKeyHash('a', 1, raw)).not.toBe(noteKeyHash('a', 4, raw));
  });

  it('accepts only valid key names', () => {
    expect(isValidKeyName('sum.golang.org')).toBe(true);
    expect(isValidKeyName('truce.example/gaza-2025')).toBe(true);
    for (const bad of [
      '',
      'a b',
      'a+b',
      'a\tb',
      'a\u00a0b',
      'a\u2003b',
      'a\u3000b',
      'a\ud800',
      'a\u0001',
    ]) {
      expect(isValidKeyName(bad), JSON.stringify(bad)).toBe(false);
    }
    const key = ed25519PrivateKeyFromSeed(new Uint8Array(32));
    expect(codeOf(() => noteSigner('a b', key))).toBe('LEDGER_KEY_INVALID');
    expect(codeOf(() => noteVerifier('a+b', key))).toBe('LEDGER_KEY_INVALID');
  });
});

describe('signed notes (golang.org/x/mod sumdb/note vectors)', () => {
  const peter = parseVerifierKey(go.peterVkey);
  const enoch = parseVerifierKey(go.enochVkey);
  const signed = `${go.text}\n${go.peterSig}`;

  it('signs exactly as Go does (Ed25519 is deterministic)', () => {
    expect(signNote(go.text, parseSignerKey(go.peterSkey))).toBe(signed);
  });

  it('verifies a known key and ignores an unknown one', () => {
    const note = verifyNote(`${go.text}\n${go.peterSig}${go.enochSig}`, [peter]);
    expect(note.text).toBe(go.text);
    expect(note.verified.map((s) => s.name)).toEqual(['PeterNeumann']);
    expect(note.unverified.map((s) => [s.name, s.keyHash])).toEqual([['EnochRoot', 0xaf0cfe78]]);
    const both = verifyNote(`${go.text}\n${go.peterSig}${go.enochSig}`, [peter, enoch]);
    expect(both.verified.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    expect(both.unverified).toEqual([]);
  });

  it('accepts bytes as well as text', () => {
    expect(verifyNote(utf8(signed), [peter]).text).toBe(go.text);
  });

  it('rejects a note with no signature by a known key', () => {
    expect(codeOf(() => verifyNote(`${go.text}\n${go.peterSig}${go.enochSig}`, []))).toBe(
      'LEDGER_SIGNATURE_INVALID',
    );
    expect(codeOf(() => verifyNote(`${go.text}\n${go.enochSig}`, [peter]))).toBe(
      'LEDGER_SIGNATURE_INVALID',
    );
  });

  it('rejects the whole note when a known key signature fails, even after a good one', () => {
    const broken = `${go.peterSig.slice(0, 60)}ABCD${go.peterSig.slice(60)}`;
    expect(codeOf(() => verifyNote(`${go.text}\n${broken}`, [peter]))).toBe(
      'LEDGER_SIGNATURE_INVALID',
    );
    expect(codeOf(() => verifyNote(`${go.text}\n${go.peterSig}${broken}`, [peter]))).toBe(
      'LEDGER_SIGNATURE_INVALID',
    );
    // A repeated good signature is fine and listed once.
    expect(verifyNote(`${go.text}\n${go.peterSig}${go.peterSig}`, [peter]).verified).toHaveLength(
      1,
    );
  });

  it('refuses two different keys with the same name and key hash', () => {
    const impostor = { ...enoch, name: peter.name, keyHash: peter.keyHash };
    expect(codeOf(() => verifyNote(signed, [peter, impostor]))).toBe('LEDGER_KEY_INVALID');
    expect(verifyNote(signed, [peter, peter]).verified).toHaveLength(1);
  });

  it.each([
    ['no signature block', go.text],
    ['a blank line and nothing after', `${go.text}\n`],
    ['a signature without final newline', `${go.text}\n${go.peterSig.slice(0, -1)}`],
    ['a control character', `\u0001${go.text}\n${go.peterSig}`],
    [
      'a name with a space',
      `${go.text}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
    ],
    ['a line that is not a signature', `${go.text}\n${go.peterSig}Unexpected line.\n`],
    ['a hyphen instead of an em dash', `${go.text}\n-${go.peterSig.slice(1)}`],
    ['non-canonical base64', `${go.text}\n${go.peterSig.replace('AM=', 'AN=')}`],
    ['a signature shorter than 5 bytes', `${go.text}\n— PeterNeumann AAAA\n`],
    ['a carriage return', `${go.text.replace('\n', '\r\n')}\n${go.peterSig}`],
    ['too many signatures', `${go.text}\n${go.peterSig.repeat(maxNoteSignatures + 1)}`],
  ])('rejects a malformed note: %s', (_, message) => {
    expect(codeOf(() => verifyNote(message, [peter]))).toBe('LEDGER_CHECKPOINT_INVALID');
    expect(codeOf(() => parseNote(message))).toBe('LEDGER_CHECKPOINT_INVALID');
  });

  it('rejects invalid UTF-8', () => {
    const bytes = utf8(signed);
    expect(codeOf(() => parseNote(Uint8Array.of(0xff, ...bytes)))).toBe(
      'LEDGER_CHECKPOINT_INVALID',
    );
  });

  it('rejects every single-byte change of a signed note', () => {
    const bytes = utf8(signed);
    const accepted: string[] = [];
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x20, 0x80]) {
        const changed = bytes.slice();
        changed[i] = (changed[i] as number) ^ mask;
        if (codeOf(() => verifyNote(changed, [peter])) === undefined)
          accepted.push(`${i} ^ ${mask}`);
      }
    }
    expect(accepted).toEqual([]);
  });

  it('formats and appends signatures, replacing an older one by the same key', () => {
    const note = parseNote(signed);
    expect(formatNote(note)).toBe(signed);
    expect(note.signatures.map(formatSignatureLine).join('')).toBe(go.peterSig);
    const enochSignature = parseNote(`${go.text}\n${go.enochSig}`).signatures;
    const both = appendSignatures(signed, enochSignature);
    expect(both).toBe(`${go.text}\n${go.peterSig}${go.enochSig}`);
    expect(appendSignatures(both, note.signatures)).toBe(
      `${go.text}\n${go.enochSig}${go.peterSig}`,
    );
  });

  it('refuses to sign text that is not a note text', () => {
    const signer = parseSignerKey(go.peterSkey);
    expect(codeOf(() => signNote('no final newline', signer))).toBe('LEDGER_CHECKPOINT_INVALID');
    expect(codeOf(() => signNote('tab\there\n', signer))).toBe('LEDGER_CHECKPOINT_INVALID');
    expect(codeOf(() => signNote('lone \ud800\n', signer))).toBe('LEDGER_CHECKPOINT_INVALID');
  });
});

describe('tlog cosignatures (c2sp.org/tlog-cosignature)', () => {
  const sigsum = vectors.sigsumCheckpoint;
  const seed = fromHex(sigsum.seedHex) as Uint8Array;

  it('reproduce the cosignature line of sigsum-go byte for byte', () => {
    const cosigner = noteSigner(
      sigsum.cosignatureKeyName,
      ed25519PrivateKeyFromSeed(seed),
      signatureTypes.cosignatureV1,
    );
    const signature = noteSignature(sigsum.cosignedBody, cosigner, sigsum.cosignatureTimestamp);
    expect(formatSignatureLine(signature)).toBe(sigsum.cosignatureLines[1]);
  });

  it('verify sigsum-go cosignatures, with their timestamp, ignoring lines of other keys', () => {
    const witness = noteVerifier(
      sigsum.cosignatureKeyName,
      ed25519PrivateKeyFromSeed(seed),
      signatureTypes.cosignatureV1,
    );
    const note = `${sigsum.cosignedBody}\n${sigsum.cosignatureLines.join('')}`;
    const verified = verifyNote(note, [witness]);
    expect(verified.verified).toHaveLength(1);
    expect(verified.verified[0]?.timestamp).toBe(1234);
    expect(verified.unverified).toHaveLength(2);
  });

  it('read the layout of the C2SP example: key hash, then an 8-byte timestamp, then the signature', () => {
    const example = vectors.c2spCosignatureExample;
    const note = parseNote(example.note);
    const [log, witness] = note.signatures;
    expect(log?.keyHash).toBe(0x033de0ae);
    expect(log?.signature).toHaveLength(64);
    expect(witness?.name).toBe('witness.example.com/w1');
    expect(witness?.keyHash).toBe(0x8d66cf3f);
    expect(witness?.signature).toHaveLength(72);
    const timestamp = Buffer.from(witness?.signature.subarray(0, 8) as Uint8Array).readBigUInt64BE(
      0,
    );
    expect(timestamp).toBe(1679315147n);
    expect(cosignatureMessage(Number(timestamp), note.text)).toBe(example.signedMessage);
  });

  it('sign the timestamp: changing it, the text, or the signature type fails', () => {
    const key = ed25519PrivateKeyFromSeed(new Uint8Array(32).fill(9));
    const cosigner = noteSigner('witness.example/w', key, signatureTypes.cosignatureV1);
    const witness = verifierOf(cosigner);
    const body = 'truce.example/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
    const signature = noteSignature(body, cosigner, 1_737_300_000);
    expect(
      verifyNote(formatNote({ text: body, signatures: [signature] }), [witness]).verified[0]
        ?.timestamp,
    ).toBe(1_737_300_000);
    const later = signature.signature.slice();
    later[7] = (later[7] as number) + 1;
    const tampered = formatNote({ text: body, signatures: [{ ...signature, signature: later }] });
    expect(codeOf(() => verifyNote(tampered, [witness]))).toBe('LEDGER_SIGNATURE_INVALID');
    const other = formatNote({ text: body.replace('\n3\n', '\n4\n'), signatures: [signature] });
    expect(codeOf(() => verifyNote(other, [witness]))).toBe('LEDGER_SIGNATURE_INVALID');
    // The same key as a plain Ed25519 note key has another key hash: its signature is unknown.
    const plain = noteVerifier('witness.example/w', key, signatureTypes.ed25519);
    expect(plain.keyHash).not.toBe(witness.keyHash);
    expect(
      codeOf(() => verifyNote(formatNote({ text: body, signatures: [signature] }), [plain])),
    ).toBe('LEDGER_SIGNATURE_INVALID');
  });

  it('need a timestamp that is a whole number of seconds, and a checkpoint-shaped text', () => {
    const cosigner = noteSigner(
      'w',
      ed25519PrivateKeyFromSeed(new Uint8Array(32)),
      signatureTypes.cosignatureV1,
    );
    const body = 'o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
    expect(codeOf(() => noteSignature(body, cosigner))).toBe('LEDGER_CHECKPOINT_INVALID');
    expect(codeOf(() => noteSignature(body, cosigner, -1))).toBe('LEDGER_CHECKPOINT_INVALID');
    expect(codeOf(() => noteSignature(body, cosigner, 1.5))).toBe('LEDGER_CHECKPOINT_INVALID');
    expect(codeOf(() => noteSignature('one line\n', cosigner, 1))).toBe(
      'LEDGER_CHECKPOINT_INVALID',
    );
    expect(toHex(noteSignature(body, cosigner, 2 ** 53 - 1).signature.subarray(0, 8))).toBe(
      '001fffffffffffff',
    );
  });
});

describe('sum.golang.org signed tree heads (a production log)', () => {
  const sum = vectors.sumGolangOrg;
  const verifier = parseVerifierKey(sum.vkey);

  for (const note of sum.notes as string[]) {
    it(`verifies tree size ${note.split('\n')[1]}`, () => {
      const verified = verifyNote(note, [verifier]);
      expect(verified.verified.map((s) => s.name)).toEqual(['sum.golang.org']);
      expect(fromUtf8(utf8(verified.text))?.startsWith('go.sum database tree\n')).toBe(true);
      const changed = note.replace(/\n(\d)/, (_, d: string) => `\n${(Number(d) + 1) % 10}`);
      expect(codeOf(() => verifyNote(changed, [verifier]))).toBe('LEDGER_SIGNATURE_INVALID');
    });
  }
});
