import { canonicalize } from '../../../core/src/ledger/canonical-json.js';
import { fromBase64, fromBase64Url, toHex, utf8 } from './bytes.js';
import type { KeyRegisteredPayload, SignedEnvelope } from './envelope.js';
import { noteKeyHash, parseVerifierKey, signatureTypes } from './signed-note.js';
import { importEd25519, sha256, type VerifyKey, verifyEd25519 } from './webcrypto.js';

/**
 * The registry of envelope-signing keys, rebuilt from the key events of the log, by the rules of
 * the server's `KeyRegistry` (packages/server/src/ledger/key-registry.ts), which both admits
 * envelopes and checks them in `truce verify`:
 * - entry 0 registers the operator's key for itself, signed by that key, with a proof of
 *   possession; its organisation is the operator;
 * - a key is registered by the operator or by its own organisation, with a proof of possession,
 *   once; it counts from the position after its registration;
 * - a key is revoked by the operator or by its own organisation, once; the revocation may be
 *   signed by the key it revokes, and envelopes after it do not verify with it;
 * - envelopes of events reported before a key's `validFrom` do not verify with it.
 */

export interface RegisteredKey {
  keyId: string;
  org: string;
  /** The 32 raw Ed25519 public-key bytes. */
  raw: Uint8Array;
  /** As the `key_registered` event carried it. */
  publicKeyText: string;
  registeredAt: number;
  registeredBy: string;
  validFrom?: string;
  revokedAt?: number;
  revokedBy?: string;
  reason?: string;
  /** The hex fingerprint of key ids (first 8 bytes of SHA-256 of the raw key). */
  fingerprint: string;
  key: VerifyKey;
}

/** A key as listed in the report: the same members as an export's keys.json. */
export interface KeyListing {
  keyId: string;
  org: string;
  publicKey: string;
  registeredAt: number;
  registeredBy: string;
  validFrom?: string;
  revokedAt?: number;
  revokedBy?: string;
  reason?: string;
}

export const possessionStatement = 'truce/key-possession/v1';

/** A key ready for use: its raw bytes, WebCrypto key and key-id fingerprint. */
export interface ParsedKey {
  raw: Uint8Array;
  key: VerifyKey;
  fingerprint: string;
}

export async function fingerprintOf(raw: Uint8Array): Promise<string> {
  return toHex((await sha256(raw)).subarray(0, 8));
}

/**
 * The key of a `key_registered` payload: a verifier key string named after `org` (type 0x01), or
 * the canonical base64 of 32 raw bytes (the genesis); or why it is not one.
 */
export async function parseRegisteredKey(org: string, text: string): Promise<ParsedKey | string> {
  let raw: Uint8Array;
  if (/^[^+\s]+\+[0-9a-f]{8}\+/.test(text)) {
    const parsed = await parseVerifierKey(text);
    if (typeof parsed === 'string') return parsed;
    if (parsed.name !== org) {
      return `the verifier key is named ${parsed.name}, but it is registered for ${org}`;
    }
    if (parsed.type !== signatureTypes.ed25519) {
      return 'a registered key is an Ed25519 (type 0x01) key';
    }
    raw = parsed.raw;
  } else {
    const bytes = fromBase64(text);
    if (bytes?.length !== 32) {
      return 'publicKey is neither a verifier key string nor the canonical base64 of 32 raw bytes';
    }
    raw = bytes;
  }
  const key = await importEd25519(raw);
  if (!key) return 'publicKey is not an Ed25519 public key';
  return { raw, key, fingerprint: await fingerprintOf(raw) };
}

const versionTail = utf8(',"v":1}');

/**
 * The bytes an envelope's signature covers: its canonical form without `sig`. `line` is the
 * envelope's canonical line and `bytes`, if given, its UTF-8 bytes (the leaf).
 */
export function signingBytes(
  envelope: SignedEnvelope,
  line: string,
  bytes?: Uint8Array,
): Uint8Array {
  // A canonical envelope ends with `,"sig":"…","v":1}` (members sorted: … org, sig, v), so the
  // signed text is the line with the sig member cut out, as the server builds it the other way.
  // The suffix is ASCII: as many bytes as characters.
  const suffix = `,"sig":"${envelope.sig}","v":1}`;
  if (line.endsWith(suffix)) {
    if (!bytes) return utf8(`${line.slice(0, -suffix.length)},"v":1}`);
    const keep = bytes.length - suffix.length;
    const out = new Uint8Array(keep + versionTail.length);
    out.set(bytes.subarray(0, keep));
    out.set(versionTail, keep);
    return out;
  }
  const { v, id, org, keyId, idempotencyKey, event } = envelope;
  return utf8(canonicalize({ v, id, org, keyId, idempotencyKey, event }));
}

/** Whether the envelope names this key (keyId = org:fingerprint) and its signature verifies. */
export function verifyEnvelope(
  envelope: SignedEnvelope,
  line: string,
  key: { key: VerifyKey; fingerprint: string },
  bytes?: Uint8Array,
): Promise<boolean> {
  if (`${envelope.org}:${key.fingerprint}` !== envelope.keyId) return Promise.resolve(false);
  const signature = fromBase64Url(envelope.sig);
  if (!signature) return Promise.resolve(false);
  return verifyEd25519(key.key, signature, signingBytes(envelope, line, bytes));
}

/** Checks a registration's key id and proof of possession; returns why it fails, if it does. */
export async function possessionProblem(
  payload: KeyRegisteredPayload,
  key: ParsedKey,
): Promise<string | undefined> {
  if (`${payload.org}:${key.fingerprint}` !== payload.keyId) {
    return `key id ${payload.keyId} is not the id of the registered key`;
  }
  const proof = fromBase64Url(payload.proof);
  const bytes = utf8(
    canonicalize({
      statement: possessionStatement,
      org: payload.org,
      keyId: payload.keyId,
      publicKey: payload.publicKey,
    }),
  );
  if (!proof || !(await verifyEd25519(key.key, proof, bytes))) {
    return `the proof of possession of ${payload.keyId} does not verify`;
  }
  return undefined;
}

export class Registry {
  operator: string | undefined;
  readonly keys = new Map<string, RegisteredKey>();
  readonly #cosignHashes = new Map<RegisteredKey, Promise<number>>();

  /** Keys of `org` usable at position `seq` (registered before it, not revoked before it). */
  keysOf(org: string, seq: number): RegisteredKey[] {
    return [...this.keys.values()].filter(
      (key) =>
        key.org === org &&
        key.registeredAt < seq &&
        (key.revokedAt === undefined || seq <= key.revokedAt),
    );
  }

  /** The key hash of `key` as the type 0x04 (cosignature) note key named after its organisation. */
  cosignatureKeyHash(key: RegisteredKey): Promise<number> {
    let hash = this.#cosignHashes.get(key);
    if (!hash) {
      hash = noteKeyHash(key.org, signatureTypes.cosignatureV1, key.raw);
      this.#cosignHashes.set(key, hash);
    }
    return hash;
  }

  register(payload: KeyRegisteredPayload, key: ParsedKey, seq: number, registeredBy: string): void {
    this.operator ??= payload.org;
    this.keys.set(payload.keyId, {
      keyId: payload.keyId,
      org: payload.org,
      raw: key.raw,
      publicKeyText: payload.publicKey,
      registeredAt: seq,
      registeredBy,
      ...(payload.validFrom !== undefined ? { validFrom: payload.validFrom } : {}),
      fingerprint: key.fingerprint,
      key: key.key,
    });
  }

  revoke(keyId: string, seq: number, revokedBy: string, reason: string): void {
    const key = this.keys.get(keyId);
    if (key && key.revokedAt === undefined) {
      key.revokedAt = seq;
      key.revokedBy = revokedBy;
      key.reason = reason;
    }
  }

  listing(): KeyListing[] {
    return [...this.keys.values()].map((key) => ({
      keyId: key.keyId,
      org: key.org,
      publicKey: key.publicKeyText,
      registeredAt: key.registeredAt,
      registeredBy: key.registeredBy,
      ...(key.validFrom !== undefined ? { validFrom: key.validFrom } : {}),
      ...(key.revokedAt !== undefined
        ? { revokedAt: key.revokedAt, revokedBy: key.revokedBy, reason: key.reason }
        : {}),
    }));
  }
}
