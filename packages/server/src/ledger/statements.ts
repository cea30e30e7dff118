import { type KeyObject, sign, verify } from 'node:crypto';
import { ledger, TruceError } from '@truce/core';

/**
 * Statements the ledger signs besides checkpoints, each the RFC 8785 (JCS) bytes of a JSON
 * object whose `statement` member names its kind and version. The member is what separates
 * them from envelopes (which refuse unknown members) and from notes (which are not JSON), so
 * one key can sign all three without a signature for one being valid as another.
 */

export const receiptStatement = 'truce/receipt/v1';
export const possessionStatement = 'truce/key-possession/v1';

/** How long the log promises to take, at most, to cover an appended entry by a checkpoint. */
export const maximumMergeDelayMs = 1000;

/**
 * The log's signed promise to include an entry in a checkpoint by `checkpointBy` (like an RFC
 * 6962 SCT). `sig` is Ed25519 by the log key over the JCS bytes of the other members, as
 * unpadded base64url.
 */
export interface InclusionPromise {
  statement: typeof receiptStatement;
  /** The log's origin: the checkpoint line and the log key's name. */
  origin: string;
  seq: number;
  /** Hex of SHA-256(0x00‖entry). */
  leafHash: string;
  appendedAt: string;
  checkpointBy: string;
  sig: string;
}

export type UnsignedPromise = Omit<InclusionPromise, 'sig'>;

export function promiseBytes(promise: UnsignedPromise): Uint8Array {
  const { statement, origin, seq, leafHash, appendedAt, checkpointBy } = promise;
  return ledger.canonicalBytes({ statement, origin, seq, leafHash, appendedAt, checkpointBy });
}

export function signPromise(
  fields: Omit<UnsignedPromise, 'statement' | 'checkpointBy'>,
  logKey: KeyObject,
): InclusionPromise {
  const checkpointBy = new Date(Date.parse(fields.appendedAt) + maximumMergeDelayMs).toISOString();
  const unsigned: UnsignedPromise = { statement: receiptStatement, ...fields, checkpointBy };
  return { ...unsigned, sig: ledger.toBase64Url(sign(null, promiseBytes(unsigned), logKey)) };
}

/**
 * `signPromise` with the signature computed on libuv's thread pool, so that the main thread
 * (which runs PGlite) goes on with other work meanwhile. Same bytes, same signature.
 */
export function signPromiseOffThread(
  fields: Omit<UnsignedPromise, 'statement' | 'checkpointBy'>,
  logKey: KeyObject,
): Promise<InclusionPromise> {
  const checkpointBy = new Date(Date.parse(fields.appendedAt) + maximumMergeDelayMs).toISOString();
  const unsigned: UnsignedPromise = { statement: receiptStatement, ...fields, checkpointBy };
  return new Promise((resolve, reject) => {
    sign(null, promiseBytes(unsigned), logKey, (error, signature) => {
      if (error) reject(error);
      else resolve({ ...unsigned, sig: ledger.toBase64Url(signature) });
    });
  });
}

/** Whether the promise is well formed and signed by the log key. Never throws. */
export function verifyPromise(promise: unknown, logPublicKey: ledger.PublicKeyInput): boolean {
  try {
    const p = promise as InclusionPromise;
    if (p.statement !== receiptStatement || typeof p.sig !== 'string') return false;
    const signature = ledger.fromBase64Url(p.sig);
    if (signature?.length !== 64) return false;
    return verify(null, promiseBytes(p), ledger.ed25519PublicKey(logPublicKey), signature);
  } catch {
    return false;
  }
}

/** What a new key signs to prove that whoever registers it holds it. */
export function possessionBytes(org: string, keyId: string, publicKey: string): Uint8Array {
  return ledger.canonicalBytes({ statement: possessionStatement, org, keyId, publicKey });
}

export function proveKeyPossession(
  org: string,
  keyId: string,
  publicKey: string,
  privateKey: ledger.PrivateKeyInput,
): string {
  const key = ledger.ed25519PrivateKey(privateKey);
  return ledger.toBase64Url(sign(null, possessionBytes(org, keyId, publicKey), key));
}

/** The Ed25519 public key of a `key_registered` payload: a verifier key named `org`, or base64 of 32 bytes. */
export function parseRegisteredKey(org: string, publicKey: string): KeyObject {
  if (/^[^+\s]+\+[0-9a-f]{8}\+/.test(publicKey)) {
    const verifier = ledger.parseVerifierKey(publicKey);
    if (verifier.name !== org) {
      throw new TruceError(
        'LEDGER_KEY_INVALID',
        `the verifier key is named ${verifier.name}, but it is registered for ${org}; name it after the organisation`,
      );
    }
    if (verifier.type !== ledger.signatureTypes.ed25519) {
      throw new TruceError('LEDGER_KEY_INVALID', 'a registered key is an Ed25519 (type 0x01) key');
    }
    return verifier.publicKey;
  }
  const raw = ledger.fromBase64(publicKey);
  if (raw?.length !== 32) {
    throw new TruceError(
      'LEDGER_KEY_INVALID',
      'publicKey is neither a verifier key string nor the canonical base64 of 32 raw bytes',
    );
  }
  return ledger.ed25519PublicKey(raw);
}

/** The verifier key string of an organisation's key, as `key_registered` carries it. */
export function orgVerifierKey(org: string, key: ledger.PublicKeyInput): string {
  return ledger.formatVerifierKey({
    name: org,
    type: ledger.signatureTypes.ed25519,
    rawPublicKey: ledger.rawPublicKey(key),
  });
}
