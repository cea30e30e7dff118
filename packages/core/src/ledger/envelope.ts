import { createHash, type KeyObject, sign, verify } from 'node:crypto';
import { slug } from '../agreement/schema.js';
import { type ErrorDetail, TruceError } from '../errors.js';
import { eventId } from '../events/schema.js';
import { canonicalBytes, canonicalize, type JsonValue } from './canonical-json.js';
import { fromBase64Url, isWellFormed, toBase64Url, toHex } from './encoding.js';
import {
  ed25519PrivateKey,
  ed25519PublicKey,
  type PrivateKeyInput,
  type PublicKeyInput,
  rawPublicKey,
} from './keys.js';
import { hashLeaf } from './merkle.js';

/**
 * The signed envelope: one event as reported by one organisation, the unit appended to the log.
 *
 *   { v: 1, id, org, keyId, idempotencyKey, event, sig }
 *
 * - `sig` is Ed25519 (RFC 8032) over the RFC 8785 canonical JSON bytes of the envelope without
 *   `sig`, written as unpadded base64url (RFC 4648 §5: 86 characters, safe in JSON, URLs and file
 *   names). It must be the canonical encoding of the 64 signature bytes.
 * - `keyId` is `<org>:<first 8 bytes of SHA-256 of the 32-byte raw public key, in hex>`, so a key id
 *   names its organisation and a verifier can check that the key it was given is the one the
 *   envelope claims (`keyIdFor`). Org ids are slugs, which cannot contain ":".
 * - The Merkle leaf is the canonical JSON of the whole signed envelope (`envelopeEntryBytes`):
 *   the log commits to the signature too, so an export can be verified leaf by leaf.
 *
 * The event itself is opaque JSON here; its schema is checked where events are parsed.
 */

export const envelopeVersion = 1;

export interface UnsignedEnvelope<E extends JsonValue = JsonValue> {
  v: typeof envelopeVersion;
  /** The event id. */
  id: string;
  /** The reporting organisation (a slug). */
  org: string;
  keyId: string;
  /** Chosen by the client so a retried append is recognised as the same append. */
  idempotencyKey: string;
  event: E;
}

export interface SignedEnvelope<E extends JsonValue = JsonValue> extends UnsignedEnvelope<E> {
  sig: string;
}

const keyIdHashBytes = 8;
const maxIdempotencyKeyLength = 256;
// biome-ignore lint/suspicious/noControlCharactersInRegex: idempotency keys are printable text
const controlCharacter = /[\u0000-\u001f\u007f]/;

// Verifying an envelope derives the key id of the key it is given; keys are reused for many
// envelopes, so the hash part is remembered per KeyObject.
const fingerprints = new WeakMap<KeyObject, string>();

function fingerprint(publicKey: PublicKeyInput): string {
  const cached =
    typeof publicKey === 'object' && !(publicKey instanceof Uint8Array)
      ? fingerprints.get(publicKey)
      : undefined;
  if (cached) return cached;
  const digest = createHash('sha256').update(rawPublicKey(publicKey)).digest();
  const hex = toHex(digest.subarray(0, keyIdHashBytes));
  if (typeof publicKey === 'object' && !(publicKey instanceof Uint8Array))
    fingerprints.set(publicKey, hex);
  return hex;
}

/** `<org>:<hex of the first 8 bytes of SHA-256(raw public key)>`. */
export function keyIdFor(org: string, publicKey: PublicKeyInput): string {
  if (!slug.safeParse(org).success) {
    throw new TruceError(
      'LEDGER_KEY_INVALID',
      `organisation id ${JSON.stringify(org)} is not a slug (lower-case letters, digits, ".", "_", "-")`,
    );
  }
  return `${org}:${fingerprint(publicKey)}`;
}

function envelopeProblems(value: unknown, signed: boolean, checkEvent = true): ErrorDetail[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ message: 'an envelope is a JSON object' }];
  }
  const record = value as Record<string, unknown>;
  const problems: ErrorDetail[] = [];
  const expected = [
    'v',
    'id',
    'org',
    'keyId',
    'idempotencyKey',
    'event',
    ...(signed ? ['sig'] : []),
  ];
  for (const key of Object.keys(record)) {
    if (!expected.includes(key)) {
      problems.push({
        path: key,
        message: `unknown member; an envelope has ${expected.join(', ')}`,
      });
    }
  }
  for (const key of expected) {
    if (!(key in record) || record[key] === undefined)
      problems.push({ path: key, message: 'missing' });
  }
  if ('v' in record && record.v !== envelopeVersion) {
    problems.push({
      path: 'v',
      message: `unsupported envelope version; this truce reads v ${envelopeVersion}`,
    });
  }
  if ('id' in record && !eventId.safeParse(record.id).success) {
    problems.push({ path: 'id', message: 'not an event id (letters, digits, ".", "_", ":", "-")' });
  }
  const orgOk = 'org' in record && slug.safeParse(record.org).success;
  if ('org' in record && !orgOk)
    problems.push({ path: 'org', message: 'not an organisation slug' });
  if ('keyId' in record) {
    const keyId = record.keyId;
    if (typeof keyId !== 'string' || !/^[a-z0-9][a-z0-9._-]*:[0-9a-f]{16}$/.test(keyId)) {
      problems.push({ path: 'keyId', message: 'not a key id (<org>:<16 hex digits>)' });
    } else if (orgOk && !keyId.startsWith(`${record.org as string}:`)) {
      problems.push({
        path: 'keyId',
        message: `the key belongs to another organisation than ${String(record.org)}`,
      });
    }
  }
  if ('idempotencyKey' in record) {
    const key = record.idempotencyKey;
    if (
      typeof key !== 'string' ||
      key.length === 0 ||
      key.length > maxIdempotencyKeyLength ||
      controlCharacter.test(key) ||
      !isWellFormed(key)
    ) {
      problems.push({
        path: 'idempotencyKey',
        message: `1 to ${maxIdempotencyKeyLength} printable characters`,
      });
    }
  }
  if (checkEvent && 'event' in record && record.event !== undefined) {
    try {
      canonicalize(record.event);
    } catch (error) {
      problems.push({ path: 'event', message: (error as Error).message });
    }
  }
  if (signed && 'sig' in record) {
    const sig = record.sig;
    if (typeof sig !== 'string' || fromBase64Url(sig)?.length !== 64) {
      problems.push({
        path: 'sig',
        message: 'not a canonical unpadded base64url Ed25519 signature',
      });
    }
  }
  return problems;
}

function invalid(problems: ErrorDetail[]): TruceError {
  const summary = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ');
  return new TruceError('LEDGER_ENTRY_INVALID', `invalid envelope: ${summary}`, problems);
}

/** Checks the shape of a signed envelope (not its signature); throws `LEDGER_ENTRY_INVALID`. */
export function parseEnvelope(value: unknown): SignedEnvelope {
  const problems = envelopeProblems(value, true);
  if (problems.length > 0) throw invalid(problems);
  return value as SignedEnvelope;
}

function unsignedPart(envelope: UnsignedEnvelope): UnsignedEnvelope {
  const { v, id, org, keyId, idempotencyKey, event } = envelope;
  return { v, id, org, keyId, idempotencyKey, event };
}

/** The bytes the signature covers: canonical JSON of the envelope without `sig`. */
export function envelopeSigningBytes(envelope: UnsignedEnvelope): Uint8Array {
  const problems = envelopeProblems(unsignedPart(envelope), false);
  if (problems.length > 0) throw invalid(problems);
  return canonicalBytes(unsignedPart(envelope));
}

/**
 * Signs an envelope. The private key must be the one `keyId` names (`LEDGER_KEY_INVALID`
 * otherwise): an envelope that could never verify is refused here rather than in the log.
 */
export function signEnvelope<E extends JsonValue>(
  unsigned: UnsignedEnvelope<E>,
  privateKey: PrivateKeyInput,
): SignedEnvelope<E> {
  const bytes = envelopeSigningBytes(unsigned);
  const key = ed25519PrivateKey(privateKey);
  const expected = keyIdFor(unsigned.org, key);
  if (expected !== unsigned.keyId) {
    throw new TruceError(
      'LEDGER_KEY_INVALID',
      `this private key has key id ${expected}, but the envelope names ${unsigned.keyId}; sign with the key registered as ${unsigned.keyId}`,
    );
  }
  const sig = toBase64Url(sign(null, bytes, key));
  const { v, id, org, keyId, idempotencyKey, event } = unsigned;
  return { v, id, org, keyId, idempotencyKey, event, sig };
}

/**
 * Whether the envelope is well formed, names this public key (`keyId` = keyIdFor(org, key)),
 * and its signature verifies. Never throws: anything malformed is simply not verified.
 */
export function verifyEnvelope(envelope: unknown, publicKey: PublicKeyInput): boolean {
  try {
    // The event is checked by canonicalising it below, once.
    if (envelopeProblems(envelope, true, false).length > 0) return false;
    const signed = envelope as SignedEnvelope;
    const key: KeyObject = ed25519PublicKey(publicKey);
    if (keyIdFor(signed.org, key) !== signed.keyId) return false;
    const signature = fromBase64Url(signed.sig);
    if (!signature) return false;
    return verify(null, canonicalBytes(unsignedPart(signed)), key, signature);
  } catch {
    return false;
  }
}

/** The bytes that become a Merkle leaf: canonical JSON of the full signed envelope. */
export function envelopeEntryBytes(envelope: SignedEnvelope): Uint8Array {
  const checked = parseEnvelope(envelope);
  const { v, id, org, keyId, idempotencyKey, event, sig } = checked;
  return canonicalBytes({ v, id, org, keyId, idempotencyKey, event, sig });
}

/** The Merkle leaf hash of a signed envelope. */
export function envelopeLeafHash(envelope: SignedEnvelope): Uint8Array {
  return hashLeaf(envelopeEntryBytes(envelope));
}
