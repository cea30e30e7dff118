import { concatBytes, fromBase64, isWellFormed, toBase64, utf8 } from './bytes.js';
import { importEd25519, sha256, type VerifyKey, verifyEd25519 } from './webcrypto.js';

/**
 * C2SP signed notes and checkpoints (c2sp.org/signed-note, c2sp.org/tlog-checkpoint,
 * c2sp.org/tlog-cosignature), parsed with exactly the rules of the core's `signed-note.ts` and
 * `checkpoint.ts`, verified with WebCrypto. Parsers return a reason string instead of throwing.
 */

export const signatureTypes = { ed25519: 0x01, cosignatureV1: 0x04 } as const;
export type SignatureType = (typeof signatureTypes)[keyof typeof signatureTypes];

export const maxNoteSignatures = 100;

export interface NoteSignature {
  name: string;
  /** The 32-bit key hash, unsigned. */
  keyHash: number;
  /** The bytes after the key hash (for cosignatures: timestamp ‖ signature). */
  signature: Uint8Array;
}

export interface Note {
  /** The signed text, ending in a newline. */
  text: string;
  signatures: NoteSignature[];
}

export interface NoteKey {
  name: string;
  keyHash: number;
  type: SignatureType;
  raw: Uint8Array;
}

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions: string[];
}

const emDashSpace = '\u2014 ';
const unicodeSpace = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: signed notes forbid these characters
const forbiddenControl = /[\u0000-\u0009\u000b-\u001f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: checkpoint lines are printable text
const controlCharacter = /[\u0000-\u001f]/;
const decimal = /^(?:0|[1-9][0-9]*)$/;

export function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/** Key names are non-empty, well-formed, without Unicode spaces or "+". */
export function isValidKeyName(name: string): boolean {
  return (
    name.length > 0 &&
    isWellFormed(name) &&
    !unicodeSpace.test(name) &&
    !name.includes('+') &&
    !forbiddenControl.test(name)
  );
}

function isSignatureType(value: number): value is SignatureType {
  return value === signatureTypes.ed25519 || value === signatureTypes.cosignatureV1;
}

/** SHA-256(key name ‖ 0x0A ‖ type ‖ raw public key)[:4], big-endian. */
export async function noteKeyHash(
  name: string,
  type: SignatureType,
  raw: Uint8Array,
): Promise<number> {
  const digest = await sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, type), raw));
  return new DataView(digest.buffer, digest.byteOffset, 4).getUint32(0);
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

/** A verifier key string `<name>+<8 hex digits>+<base64(type ‖ 32-byte key)>`, or why not. */
export async function parseVerifierKey(vkey: string): Promise<NoteKey | string> {
  const [name, hash16, key64] = splitKey(vkey, 3) ?? [];
  const key = key64 === undefined ? undefined : fromBase64(key64);
  if (
    name === undefined ||
    !isValidKeyName(name) ||
    hash16 === undefined ||
    !/^[0-9a-f]{8}$/.test(hash16) ||
    !key ||
    key.length === 0
  ) {
    return `not a verifier key (expected <name>+<8 hex digits>+<base64 key>): ${vkey}`;
  }
  const type = key[0] as number;
  if (!isSignatureType(type)) return `verifier key ${name} has unsupported type ${type}`;
  const raw = key.slice(1);
  if (raw.length !== 32) return `verifier key ${name} is not a 32-byte Ed25519 key`;
  const keyHash = await noteKeyHash(name, type, raw);
  if (Number.parseInt(hash16, 16) !== keyHash) {
    return `verifier key ${name} has a key hash that does not match its key`;
  }
  return { name, keyHash, type, raw };
}

/** Parses a signed note without verifying it, or says why it is malformed. */
export function parseNote(text: string): Note | string {
  if (!isWellFormed(text)) return 'not well-formed Unicode';
  if (forbiddenControl.test(text)) return 'contains a control character other than newline';
  const split = text.lastIndexOf('\n\n');
  if (split < 0) return 'no blank line before the signatures';
  const body = text.slice(0, split + 1);
  const block = text.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) {
    return 'the signatures must follow the blank line, each ending in a newline';
  }
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > maxNoteSignatures) return `more than ${maxNoteSignatures} signatures`;
  const signatures: NoteSignature[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line.startsWith(emDashSpace)) return `signature line ${i + 1} does not start with "— "`;
    const rest = line.slice(emDashSpace.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const bytes = fromBase64(space < 0 ? '' : rest.slice(space + 1));
    if (!isValidKeyName(name)) return `signature line ${i + 1} has an invalid key name`;
    if (!bytes || bytes.length < 5) {
      return `signature line ${i + 1} is not canonical base64 of a key hash and signature`;
    }
    const keyHash = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
    signatures.push({ name, keyHash, signature: bytes.slice(4) });
  }
  return { text: body, signatures };
}

/** A note as text: the text, a blank line, one line per signature (the inverse of parseNote). */
export function formatNote(note: Note): string {
  const lines = note.signatures.map((s) => {
    const hash = new Uint8Array(4);
    new DataView(hash.buffer).setUint32(0, s.keyHash);
    return `${emDashSpace}${s.name} ${toBase64(concatBytes(hash, s.signature))}\n`;
  });
  return `${note.text}\n${lines.join('')}`;
}

function checkLine(line: string, what: string): string | undefined {
  if (line.length === 0) return `the ${what} is empty`;
  if (controlCharacter.test(line) || !isWellFormed(line)) {
    return `the ${what} contains a control character or a lone surrogate`;
  }
  return undefined;
}

/** Parses a checkpoint body (`<origin>\n<size>\n<base64 root>\n[extensions]`), or why not. */
export function parseCheckpoint(text: string): Checkpoint | string {
  if (!text.endsWith('\n')) return 'the text must end with a newline';
  const [origin, size, root, ...extensions] = text.slice(0, -1).split('\n');
  if (origin === undefined || size === undefined || root === undefined) {
    return 'a checkpoint has an origin, a tree size and a root hash line';
  }
  const bad = checkLine(origin, 'origin');
  if (bad) return bad;
  if (!decimal.test(size) || !Number.isSafeInteger(Number(size))) {
    return `the tree size ${JSON.stringify(size)} is not a decimal number without leading zeros`;
  }
  const rootHash = fromBase64(root);
  if (rootHash?.length !== 32) {
    return 'the root hash is not the canonical base64 of 32 bytes';
  }
  for (const line of extensions) {
    const badLine = checkLine(line, 'extension line');
    if (badLine) return badLine;
  }
  return { origin, size: Number(size), rootHash, extensions };
}

/** Whether `signature` is `key`'s type 0x01 signature of `text`. */
export async function verifyNoteSignature(
  text: string,
  signature: NoteSignature,
  key: VerifyKey,
): Promise<boolean> {
  if (signature.signature.length !== 64) return false;
  return verifyEd25519(key, signature.signature, utf8(text));
}

/**
 * The timestamp of a valid tlog cosignature/v1 (type 0x04) by `key` of the checkpoint `text`,
 * or `undefined` if it does not verify.
 */
export async function verifyCosignature(
  text: string,
  signature: NoteSignature,
  key: VerifyKey,
): Promise<number | undefined> {
  if (signature.signature.length !== 8 + 64) return undefined;
  const time = new DataView(
    signature.signature.buffer,
    signature.signature.byteOffset,
    8,
  ).getBigUint64(0);
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  if (text.split('\n').length < 4) return undefined;
  const timestamp = Number(time);
  const message = utf8(`cosignature/v1\ntime ${timestamp}\n${text}`);
  return (await verifyEd25519(key, signature.signature.subarray(8), message))
    ? timestamp
    : undefined;
}

/** Imports a note key's Ed25519 key for WebCrypto. */
export function importNoteKey(key: NoteKey): Promise<VerifyKey | undefined> {
  return importEd25519(key.raw);
}

export function sameKey(a: NoteSignature, b: { name: string; keyHash: number }): boolean {
  return a.name === b.name && a.keyHash === b.keyHash;
}
