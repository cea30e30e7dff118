import { createHash, type KeyObject, sign, verify } from 'node:crypto';
import { TruceError } from '../errors.js';
import {
  bytesEqual,
  concatBytes,
  fromBase64,
  fromUtf8,
  isWellFormed,
  toBase64,
  utf8,
} from './encoding.js';
import {
  ed25519PrivateKey,
  ed25519PrivateKeyFromSeed,
  ed25519PublicKey,
  type PrivateKeyInput,
  type PublicKeyInput,
  rawPublicKey,
} from './keys.js';

/**
 * C2SP signed notes (c2sp.org/signed-note, the format of golang.org/x/mod/sumdb/note): a text
 * ending in a newline, a blank line, then one or more lines `— <key name> base64(key hash ‖
 * signature)`. Checkpoints are signed notes (see checkpoint.ts).
 *
 * Two signature types are supported, the two truce uses:
 * - 0x01, Ed25519 over the note text (the log's checkpoint signature);
 * - 0x04, c2sp.org/tlog-cosignature v1: an 8-byte big-endian timestamp followed by Ed25519 over
 *   `cosignature/v1\ntime <timestamp>\n` ‖ note text (a witness's cosignature).
 * The key hash is SHA-256(key name ‖ 0x0A ‖ type ‖ 32-byte public key)[:4], big-endian.
 *
 * Parsing follows Go's note.Open, with two deliberate differences that only make it stricter:
 * base64 must be canonical (so no two signature lines stand for the same bytes), and every
 * signature from a known key is checked, not only the first one per key.
 */

export const signatureTypes = { ed25519: 0x01, cosignatureV1: 0x04 } as const;
export type SignatureType = (typeof signatureTypes)[keyof typeof signatureTypes];

/** Notes with more signatures are refused, as Go does; the spec requires accepting at least 16. */
export const maxNoteSignatures = 100;

export interface NoteSignature {
  name: string;
  /** The 32-bit key hash (key ID), as an unsigned number. */
  keyHash: number;
  /** The bytes after the key hash: the signature (for cosignatures: timestamp ‖ signature). */
  signature: Uint8Array;
}

export interface Note {
  /** The signed text, ending in a newline. */
  text: string;
  signatures: NoteSignature[];
}

export interface NoteVerifier {
  name: string;
  keyHash: number;
  type: SignatureType;
  publicKey: KeyObject;
  rawPublicKey: Uint8Array;
}

export interface NoteSigner {
  name: string;
  keyHash: number;
  type: SignatureType;
  privateKey: KeyObject;
}

export interface VerifiedSignature extends NoteSignature {
  verifier: NoteVerifier;
  /** For cosignatures: when the witness signed, in seconds since the Unix epoch. */
  timestamp?: number;
}

export interface VerifiedNote {
  text: string;
  /** Signatures by the given verifiers, all checked, one per key. */
  verified: VerifiedSignature[];
  /** Signatures by keys that were not given: ignored, as the spec requires. */
  unverified: NoteSignature[];
}

const emDashSpace = '\u2014 ';
const unicodeSpace = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: signed notes forbid these characters
const forbiddenControl = /[\u0000-\u0009\u000b-\u001f]/;

function malformed(reason: string): TruceError {
  return new TruceError('LEDGER_CHECKPOINT_INVALID', `malformed signed note: ${reason}`);
}

function keyError(message: string): TruceError {
  return new TruceError('LEDGER_KEY_INVALID', message);
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/** Key names are non-empty, well-formed, without Unicode spaces or "+" (as in Go's isValidName). */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    isWellFormed(name) &&
    !unicodeSpace.test(name) &&
    !name.includes('+') &&
    !forbiddenControl.test(name)
  );
}

function requireKeyName(name: string): void {
  if (!isValidKeyName(name)) {
    throw keyError(
      `key name ${JSON.stringify(name)} is not valid: it must be non-empty, without spaces or "+"`,
    );
  }
}

function isSignatureType(value: number): value is SignatureType {
  return value === signatureTypes.ed25519 || value === signatureTypes.cosignatureV1;
}

/** SHA-256(key name ‖ 0x0A ‖ type ‖ raw public key)[:4] as a big-endian uint32. */
export function noteKeyHash(name: string, type: SignatureType, publicKey: Uint8Array): number {
  const digest = createHash('sha256')
    .update(utf8(name))
    .update(Uint8Array.of(0x0a, type))
    .update(publicKey)
    .digest();
  return digest.readUInt32BE(0);
}

/** A verifier for signatures of `type` by the key `name`. */
export function noteVerifier(
  name: string,
  publicKey: PublicKeyInput,
  type: SignatureType = signatureTypes.ed25519,
): NoteVerifier {
  requireKeyName(name);
  if (!isSignatureType(type)) throw keyError(`signature type ${type} is not supported`);
  const key = ed25519PublicKey(publicKey);
  const raw = rawPublicKey(key);
  return { name, type, publicKey: key, rawPublicKey: raw, keyHash: noteKeyHash(name, type, raw) };
}

/** A signer of `type` for the key `name`. Type 0x04 makes tlog cosignatures. */
export function noteSigner(
  name: string,
  privateKey: PrivateKeyInput,
  type: SignatureType = signatureTypes.ed25519,
): NoteSigner {
  requireKeyName(name);
  if (!isSignatureType(type)) throw keyError(`signature type ${type} is not supported`);
  const key = ed25519PrivateKey(privateKey);
  return { name, type, privateKey: key, keyHash: noteKeyHash(name, type, rawPublicKey(key)) };
}

/** The verifier that checks what `signer` signs. */
export function verifierOf(signer: NoteSigner): NoteVerifier {
  return noteVerifier(signer.name, signer.privateKey, signer.type);
}

/**
 * A verifier key string, `<name>+<key hash, 8 hex digits>+<base64(type ‖ public key)>`, the
 * "vkey" of golang.org/x/mod/sumdb/note and c2sp.org/signed-note: how public keys are handed to
 * parties and witnesses.
 */
export function formatVerifierKey(
  verifier: Pick<NoteVerifier, 'name' | 'type' | 'rawPublicKey'>,
): string {
  requireKeyName(verifier.name);
  const hash = noteKeyHash(verifier.name, verifier.type, verifier.rawPublicKey);
  const key = toBase64(concatBytes(Uint8Array.of(verifier.type), verifier.rawPublicKey));
  return `${verifier.name}+${hex32(hash)}+${key}`;
}

function splitKey(text: string, parts: number): string[] | undefined {
  const out: string[] = [];
  let rest = text;
  for (let i = 0; i < parts - 1; i++) {
    const at = rest.indexOf('+');
    if (at < 0) return undefined;
    out.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  out.push(rest);
  return out;
}

/** Parses a verifier key string; throws `LEDGER_KEY_INVALID` unless every part is right. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const parts = typeof vkey === 'string' ? splitKey(vkey, 3) : undefined;
  const [name, hash16, key64] = parts ?? [];
  const key = key64 === undefined ? undefined : fromBase64(key64);
  if (
    name === undefined ||
    !isValidKeyName(name) ||
    hash16 === undefined ||
    !/^[0-9a-f]{8}$/.test(hash16) ||
    !key ||
    key.length === 0
  ) {
    throw keyError(
      `not a verifier key (expected <name>+<8 hex digits>+<base64 key>): ${String(vkey)}`,
    );
  }
  const type = key[0] as number;
  if (!isSignatureType(type)) throw keyError(`verifier key ${name} has unsupported type ${type}`);
  const raw = key.subarray(1);
  if (raw.length !== 32) throw keyError(`verifier key ${name} is not a 32-byte Ed25519 key`);
  if (Number.parseInt(hash16, 16) !== noteKeyHash(name, type, raw)) {
    throw keyError(`verifier key ${name} has a key hash that does not match its key`);
  }
  return noteVerifier(name, raw, type);
}

/**
 * Parses Go's signer key string `PRIVATE+KEY+<name>+<hash>+<base64(type ‖ 32-byte seed)>`, so
 * keys made with golang.org/x/mod/sumdb/note work too. It is as secret as the key.
 */
export function parseSignerKey(skey: string): NoteSigner {
  const parts = typeof skey === 'string' ? splitKey(skey, 5) : undefined;
  const [private1, private2, name, hash16, key64] = parts ?? [];
  const key = key64 === undefined ? undefined : fromBase64(key64);
  if (
    private1 !== 'PRIVATE' ||
    private2 !== 'KEY' ||
    name === undefined ||
    !isValidKeyName(name) ||
    hash16 === undefined ||
    !/^[0-9a-f]{8}$/.test(hash16) ||
    !key ||
    key.length !== 33
  ) {
    throw keyError('not a signer key (expected PRIVATE+KEY+<name>+<8 hex digits>+<base64 seed>)');
  }
  const type = key[0] as number;
  if (!isSignatureType(type)) throw keyError(`signer key ${name} has unsupported type ${type}`);
  const signer = noteSigner(name, ed25519PrivateKeyFromSeed(key.subarray(1)), type);
  if (signer.keyHash !== Number.parseInt(hash16, 16)) {
    throw keyError(`signer key ${name} has a key hash that does not match its key`);
  }
  return signer;
}

/** `cosignature/v1\ntime <t>\n` ‖ note text: what a tlog cosignature signs (c2sp.org/tlog-cosignature). */
export function cosignatureMessage(timestamp: number, text: string): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new TruceError(
      'LEDGER_CHECKPOINT_INVALID',
      `a cosignature timestamp is whole seconds since the Unix epoch, got ${String(timestamp)}`,
    );
  }
  return `cosignature/v1\ntime ${timestamp}\n${text}`;
}

function checkText(text: string): void {
  if (typeof text !== 'string' || !text.endsWith('\n')) {
    throw malformed('the text must end with a newline');
  }
  if (!isWellFormed(text)) throw malformed('the text is not well-formed Unicode');
  if (forbiddenControl.test(text)) throw malformed('the text contains a control character');
}

function timestampBytes(timestamp: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(timestamp));
  return bytes;
}

/**
 * A signature of the note text by `signer`. Cosigners (type 0x04) need the time of signing, in
 * seconds since the Unix epoch: the core reads no clock, so the caller passes it.
 */
export function noteSignature(text: string, signer: NoteSigner, timestamp?: number): NoteSignature {
  checkText(text);
  if (signer.type === signatureTypes.ed25519) {
    const signature = sign(null, utf8(text), signer.privateKey);
    return { name: signer.name, keyHash: signer.keyHash, signature: new Uint8Array(signature) };
  }
  if (timestamp === undefined) {
    throw new TruceError('LEDGER_CHECKPOINT_INVALID', 'a cosignature needs the time of signing');
  }
  if (text.split('\n').length < 4) {
    throw malformed('a cosigned note is a checkpoint of at least three lines');
  }
  const message = cosignatureMessage(timestamp, text);
  const signature = sign(null, utf8(message), signer.privateKey);
  return {
    name: signer.name,
    keyHash: signer.keyHash,
    signature: concatBytes(timestampBytes(timestamp), signature),
  };
}

/** One signature line, `— <name> <base64>\n`. */
export function formatSignatureLine(signature: NoteSignature): string {
  if (!isValidKeyName(signature.name))
    throw malformed(`invalid key name ${JSON.stringify(signature.name)}`);
  if (
    !Number.isInteger(signature.keyHash) ||
    signature.keyHash < 0 ||
    signature.keyHash > 0xffffffff
  ) {
    throw malformed('a key hash is a 32-bit unsigned number');
  }
  if (signature.signature.length === 0) throw malformed('empty signature');
  const hash = new Uint8Array(4);
  new DataView(hash.buffer).setUint32(0, signature.keyHash);
  return `${emDashSpace}${signature.name} ${toBase64(concatBytes(hash, signature.signature))}\n`;
}

/** A note as text: the text, a blank line, one line per signature. */
export function formatNote(note: Note): string {
  checkText(note.text);
  if (note.signatures.length === 0) throw malformed('a signed note has at least one signature');
  if (note.signatures.length > maxNoteSignatures) {
    throw malformed(`more than ${maxNoteSignatures} signatures`);
  }
  return `${note.text}\n${note.signatures.map(formatSignatureLine).join('')}`;
}

/** Signs a text: the text, a blank line and the signature line. */
export function signNote(text: string, signer: NoteSigner, timestamp?: number): string {
  return formatNote({ text, signatures: [noteSignature(text, signer, timestamp)] });
}

/**
 * Adds signatures to a signed note, replacing any existing signature by the same key (same name
 * and key hash), as Go's note.Sign does: a witness re-cosigning replaces its older cosignature.
 */
export function appendSignatures(note: string, signatures: readonly NoteSignature[]): string {
  const parsed = parseNote(note);
  const key = (s: NoteSignature) => `${s.name}+${hex32(s.keyHash)}`;
  const replaced = new Set(signatures.map(key));
  const kept = parsed.signatures.filter((s) => !replaced.has(key(s)));
  return formatNote({ text: parsed.text, signatures: [...kept, ...signatures] });
}

/** Parses a signed note without verifying it; throws `LEDGER_CHECKPOINT_INVALID` if malformed. */
export function parseNote(message: string | Uint8Array): Note {
  const text = typeof message === 'string' ? message : fromUtf8(message);
  if (text === undefined) throw malformed('not valid UTF-8');
  if (typeof text !== 'string') throw malformed('a note is text');
  if (!isWellFormed(text)) throw malformed('not well-formed Unicode');
  if (forbiddenControl.test(text))
    throw malformed('contains a control character other than newline');
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const body = text.slice(0, split + 1);
  const block = text.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) {
    throw malformed('the signatures must follow the blank line, each ending in a newline');
  }
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > maxNoteSignatures)
    throw malformed(`more than ${maxNoteSignatures} signatures`);
  const signatures = lines.map((line, i): NoteSignature => {
    if (!line.startsWith(emDashSpace)) {
      throw malformed(`signature line ${i + 1} does not start with "— "`);
    }
    const rest = line.slice(emDashSpace.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const encoded = space < 0 ? '' : rest.slice(space + 1);
    const bytes = fromBase64(encoded);
    if (!isValidKeyName(name)) throw malformed(`signature line ${i + 1} has an invalid key name`);
    if (!bytes || bytes.length < 5) {
      throw malformed(
        `signature line ${i + 1} is not canonical base64 of a key hash and signature`,
      );
    }
    const keyHash = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
    return { name, keyHash, signature: bytes.slice(4) };
  });
  return { text: body, signatures };
}

function checkSignature(
  text: string,
  signature: NoteSignature,
  verifier: NoteVerifier,
): VerifiedSignature | undefined {
  if (verifier.type === signatureTypes.ed25519) {
    if (signature.signature.length !== 64) return undefined;
    return verify(null, utf8(text), verifier.publicKey, signature.signature)
      ? { ...signature, verifier }
      : undefined;
  }
  if (signature.signature.length !== 8 + 64) return undefined;
  const time = new DataView(
    signature.signature.buffer,
    signature.signature.byteOffset,
    8,
  ).getBigUint64(0);
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  const timestamp = Number(time);
  if (text.split('\n').length < 4) return undefined;
  const message = utf8(cosignatureMessage(timestamp, text));
  return verify(null, message, verifier.publicKey, signature.signature.subarray(8))
    ? { ...signature, verifier, timestamp }
    : undefined;
}

/**
 * Parses and verifies a signed note against known keys. Signatures by unknown keys are ignored
 * (key rotation, other witnesses); every signature by a known key must verify, and at least one
 * must be present. Throws `LEDGER_CHECKPOINT_INVALID` if malformed, `LEDGER_SIGNATURE_INVALID` if
 * a known key's signature fails or none is present, `LEDGER_KEY_INVALID` if two verifiers share
 * a name and key hash.
 */
export function verifyNote(
  message: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
): VerifiedNote {
  const note = parseNote(message);
  const byKey = new Map<string, NoteVerifier>();
  for (const verifier of verifiers) {
    const key = `${verifier.name}+${hex32(verifier.keyHash)}`;
    const existing = byKey.get(key);
    if (existing && !bytesEqual(existing.rawPublicKey, verifier.rawPublicKey)) {
      throw keyError(`two different verifier keys are named ${key}; remove one`);
    }
    byKey.set(key, verifier);
  }
  const verified = new Map<string, VerifiedSignature>();
  const unverified: NoteSignature[] = [];
  for (const signature of note.signatures) {
    const key = `${signature.name}+${hex32(signature.keyHash)}`;
    const verifier = byKey.get(key);
    if (!verifier) {
      unverified.push(signature);
      continue;
    }
    const checked = checkSignature(note.text, signature, verifier);
    if (!checked) {
      throw new TruceError(
        'LEDGER_SIGNATURE_INVALID',
        `the signature by ${key} does not verify: the note was altered or not signed by this key`,
      );
    }
    if (!verified.has(key)) verified.set(key, checked);
  }
  if (verified.size === 0) {
    const known = [...byKey.keys()].join(', ') || 'none given';
    throw new TruceError(
      'LEDGER_SIGNATURE_INVALID',
      `the note has no signature by a known key (known: ${known})`,
    );
  }
  return { text: note.text, verified: [...verified.values()], unverified };
}
