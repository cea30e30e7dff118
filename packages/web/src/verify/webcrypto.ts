/**
 * The only cryptography the browser verifier uses: WebCrypto's SHA-256 and Ed25519, reached
 * through `globalThis.crypto.subtle` (browsers, and Node ≥ 20 for the tests). Typed here by the
 * few members used, so the module type-checks with the DOM library or with Node's types alike.
 */

type Ed25519Algorithm = { name: 'Ed25519' };

/** An opaque WebCrypto `CryptoKey`. */
export type VerifyKey = { readonly type: string };

interface Subtle {
  digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer>;
  importKey(
    format: 'raw',
    keyData: Uint8Array,
    algorithm: Ed25519Algorithm,
    extractable: boolean,
    keyUsages: 'verify'[],
  ): Promise<VerifyKey>;
  verify(
    algorithm: Ed25519Algorithm,
    key: VerifyKey,
    signature: Uint8Array,
    data: Uint8Array,
  ): Promise<boolean>;
}

const ed25519: Ed25519Algorithm = { name: 'Ed25519' };

/** Thrown when the runtime has no WebCrypto, or no Ed25519 in it: not a problem of the ledger. */
export class UnsupportedEnvironmentError extends Error {
  override name = 'UnsupportedEnvironmentError';
}

function subtle(): Subtle {
  const found = (globalThis as { crypto?: { subtle?: unknown } }).crypto?.subtle;
  if (!found) {
    throw new UnsupportedEnvironmentError(
      'this browser has no WebCrypto (crypto.subtle); open the page over https in a current browser',
    );
  }
  return found as Subtle;
}

// The RFC 8032 §7.1 test vector 1: a key and a signature any Ed25519 implementation accepts.
const probeKey = Uint8Array.from(
  'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'
    .match(/../g)
    ?.map((hex) => Number.parseInt(hex, 16)) ?? [],
);
const probeSignature = Uint8Array.from(
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'
    .match(/../g)
    ?.map((hex) => Number.parseInt(hex, 16)) ?? [],
);

let support: Promise<{ ok: true } | { ok: false; reason: string }> | undefined;

/**
 * Whether this runtime can verify: WebCrypto with SHA-256 and Ed25519 (Chrome/Edge ≥ 137,
 * Firefox ≥ 129, Safari ≥ 17, Node ≥ 20). Checked once with RFC 8032's first test vector.
 */
export function checkSupport(): Promise<{ ok: true } | { ok: false; reason: string }> {
  support ??= (async () => {
    try {
      const s = subtle();
      await s.digest('SHA-256', new Uint8Array(0));
      const key = await s.importKey('raw', probeKey, ed25519, false, ['verify']);
      const ok = await s.verify(ed25519, key, probeSignature, new Uint8Array(0));
      return ok
        ? { ok: true as const }
        : { ok: false as const, reason: 'WebCrypto rejected the Ed25519 test vector' };
    } catch (error) {
      return {
        ok: false as const,
        reason: `this browser cannot verify Ed25519 signatures with WebCrypto (${(error as Error).message}); use a current Chrome, Edge, Firefox or Safari`,
      };
    }
  })();
  return support;
}

/** Throws UnsupportedEnvironmentError unless `checkSupport` passes. */
export async function requireSupport(): Promise<void> {
  const result = await checkSupport();
  if (!result.ok) throw new UnsupportedEnvironmentError(result.reason);
}

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', data));
}

/** SHA-256 of each input, all requested at once (WebCrypto runs them off the main thread). */
export function sha256All(inputs: readonly Uint8Array[]): Promise<Uint8Array[]> {
  const s = subtle();
  return Promise.all(
    inputs.map((input) => s.digest('SHA-256', input).then((digest) => new Uint8Array(digest))),
  );
}

/** An Ed25519 public key from its 32 raw bytes, or `undefined` if WebCrypto refuses them. */
export async function importEd25519(raw: Uint8Array): Promise<VerifyKey | undefined> {
  if (raw.length !== 32) return undefined;
  try {
    return await subtle().importKey('raw', raw, ed25519, false, ['verify']);
  } catch {
    return undefined;
  }
}

/** Whether `signature` is a valid Ed25519 signature of `message` by `key`; never throws. */
export async function verifyEd25519(
  key: VerifyKey,
  signature: Uint8Array,
  message: Uint8Array,
): Promise<boolean> {
  if (signature.length !== 64) return false;
  try {
    return await subtle().verify(ed25519, key, signature, message);
  } catch {
    return false;
  }
}
