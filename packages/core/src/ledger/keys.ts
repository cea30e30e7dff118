import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { TruceError } from '../errors.js';
import { concatBytes } from './encoding.js';

/**
 * Ed25519 keys as `node:crypto` KeyObjects. The core never generates keys (that draws
 * randomness): callers generate them and pass them in as KeyObjects, DER bytes (PKCS#8 for
 * private keys, SPKI for public keys), PEM text, or 32 raw public-key bytes.
 */

export type PublicKeyInput = KeyObject | Uint8Array | string;
export type PrivateKeyInput = KeyObject | Uint8Array | string;

// DER prefixes of an Ed25519 SubjectPublicKeyInfo and of a PKCS#8 v1 PrivateKeyInfo (RFC 8410);
// the 32 key bytes follow.
const spkiPrefix = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);
const pkcs8Prefix = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

function keyError(message: string): TruceError {
  return new TruceError('LEDGER_KEY_INVALID', message);
}

function requireEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw keyError(
      `${what} is a ${key.asymmetricKeyType ?? key.type} key; truce signs with Ed25519`,
    );
  }
  return key;
}

/** An Ed25519 public key from a KeyObject (a private one yields its public half), SPKI DER or PEM, or 32 raw bytes. */
export function ed25519PublicKey(input: PublicKeyInput): KeyObject {
  try {
    if (typeof input === 'string') return requireEd25519(createPublicKey(input), 'the public key');
    if (input instanceof Uint8Array) {
      const der = input.length === 32 ? concatBytes(spkiPrefix, input) : input;
      return requireEd25519(
        createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }),
        'the public key',
      );
    }
    const key = input.type === 'private' ? createPublicKey(input) : input;
    if (key.type !== 'public') throw keyError('a secret key is not a public key');
    return requireEd25519(key, 'the public key');
  } catch (error) {
    if (error instanceof TruceError) throw error;
    throw keyError(
      `not an Ed25519 public key (expected a KeyObject, SPKI DER or PEM, or 32 raw bytes): ${(error as Error).message}`,
    );
  }
}

/** An Ed25519 private key from a KeyObject, PKCS#8 DER or PEM. */
export function ed25519PrivateKey(input: PrivateKeyInput): KeyObject {
  try {
    const key =
      typeof input === 'string'
        ? createPrivateKey(input)
        : input instanceof Uint8Array
          ? createPrivateKey({ key: Buffer.from(input), format: 'der', type: 'pkcs8' })
          : input;
    if (key.type !== 'private') throw keyError(`a ${key.type} key is not a private key`);
    return requireEd25519(key, 'the private key');
  } catch (error) {
    if (error instanceof TruceError) throw error;
    throw keyError(
      `not an Ed25519 private key (expected a KeyObject, PKCS#8 DER or PEM): ${(error as Error).message}`,
    );
  }
}

/**
 * The private key of a 32-byte Ed25519 seed (RFC 8032 §5.1.5). For keys that other tools store
 * as seeds (Go's signed-note keys, test vectors); a seed is as secret as the key.
 */
export function ed25519PrivateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw keyError(`an Ed25519 seed is 32 bytes, not ${seed.length}`);
  return ed25519PrivateKey(concatBytes(pkcs8Prefix, seed));
}

// Exporting a KeyObject costs more than the hash it feeds; key objects are reused across many
// envelopes and checkpoints, so their raw bytes are remembered.
const rawKeys = new WeakMap<KeyObject, Uint8Array>();

/** The 32 raw bytes of an Ed25519 public key (RFC 8032 encoding), as notes and key ids use. */
export function rawPublicKey(input: PublicKeyInput): Uint8Array {
  const cached =
    typeof input === 'object' && !(input instanceof Uint8Array) ? rawKeys.get(input) : undefined;
  if (cached) return cached.slice();
  const der = ed25519PublicKey(input).export({ format: 'der', type: 'spki' });
  const raw = new Uint8Array(der.subarray(spkiPrefix.length));
  if (typeof input === 'object' && !(input instanceof Uint8Array)) rawKeys.set(input, raw.slice());
  return raw;
}
