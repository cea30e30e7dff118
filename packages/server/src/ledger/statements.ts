import { type KeyObject, sign, verify } from 'node:crypto';
import { ledger, TruceError } from '@truce/core';

/**
 * Statements the ledger signs besides checkpoints, each the RFC 8785 (JCS) bytes of a JSON
 * object whose `statement` member names its kind and version. The member is what separates
 * them from envelopes (which refuse unknown members) and from notes (which are not JSON), so
 * one key can sign all three without a signature for one being valid as another.
 */

/** Receipts before batching (one signature per entry); still verified, no longer issued. */
export const receiptStatementV1 = 'truce/receipt/v1';
/** A receipt: one leaf of a signed batch of receipts. */
export const receiptStatement = 'truce/receipt/v2';
/** What the log key signs for a batch of receipts: the root of their Merkle tree. */
export const receiptBatchStatement = 'truce/receipt-batch/v1';
export const possessionStatement = 'truce/key-possession/v1';

/** How long the log promises to take, at most, to cover an appended entry by a checkpoint. */
export const maximumMergeDelayMs = 1000;

/** Where a receipt sits in its signed batch: an RFC 9162 inclusion proof (hex hashes). */
export interface ReceiptBatchProof {
  /** Leaf index of this receipt in the batch. */
  index: number;
  /** Number of receipts in the batch (the tree size). */
  size: number;
  /** Hex of the batch tree's root (RFC 9162 MTH over the receipts' leaf bytes). */
  root: string;
  /** Hex hashes of the audit path from this receipt's leaf to `root`. */
  path: string[];
}

/**
 * The log's signed promise to include an entry in a checkpoint by `checkpointBy` (like an RFC
 * 6962 SCT). The log signs receipts in batches (one signature per turn of its event loop, not
 * per entry): the receipt is a leaf of the batch's Merkle tree, `batch` proves it is in the tree,
 * and `sig` is Ed25519 by the log key over the JCS bytes of
 * `{statement: 'truce/receipt-batch/v1', origin, size, root}`, as unpadded base64url.
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
  batch: ReceiptBatchProof;
  sig: string;
}

export type UnsignedPromise = Omit<InclusionPromise, 'sig' | 'batch'>;

/** What a receipt asks for: the store's receipt of an entry. */
export type PromiseFields = Omit<UnsignedPromise, 'statement' | 'checkpointBy'>;

const utf8 = new TextEncoder();

/** A string JCS writes exactly as JSON.stringify does: well-formed Unicode. */
const isJcsString = (value: unknown): value is string =>
  typeof value === 'string' && ledger.isWellFormed(value);

/**
 * The receipt's leaf in its batch tree: the JCS bytes of its members but `batch` and `sig`.
 * Written directly when every member has the expected type (the members in JCS order, strings
 * as JSON.stringify writes them, `seq` as a safe non-negative integer: what JCS produces, tested
 * against it); anything else goes through the general canonicaliser, which refuses what JCS
 * cannot represent.
 */
export function promiseLeafBytes(promise: UnsignedPromise): Uint8Array {
  const { statement, origin, seq, leafHash, appendedAt, checkpointBy } = promise;
  if (
    Number.isSafeInteger(seq) &&
    seq >= 0 &&
    isJcsString(statement) &&
    isJcsString(origin) &&
    isJcsString(leafHash) &&
    isJcsString(appendedAt) &&
    isJcsString(checkpointBy)
  ) {
    return utf8.encode(
      `{"appendedAt":${JSON.stringify(appendedAt)},"checkpointBy":${JSON.stringify(checkpointBy)},"leafHash":${JSON.stringify(leafHash)},"origin":${JSON.stringify(origin)},"seq":${seq},"statement":${JSON.stringify(statement)}}`,
    );
  }
  return ledger.canonicalBytes({ statement, origin, seq, leafHash, appendedAt, checkpointBy });
}

/** The bytes the log key signs for a batch of receipts. */
export function receiptBatchBytes(origin: string, size: number, root: string): Uint8Array {
  return ledger.canonicalBytes({ statement: receiptBatchStatement, origin, size, root });
}

function unsignedPromise(fields: PromiseFields, checkpointBy: string): UnsignedPromise {
  return {
    statement: receiptStatement,
    origin: fields.origin,
    seq: fields.seq,
    leafHash: fields.leafHash,
    appendedAt: fields.appendedAt,
    checkpointBy,
  };
}

/**
 * The promises of a batch of receipts, signed with one signature. All receipts must name the
 * same origin. `sign` returns the signature of the batch statement's bytes.
 */
async function signBatch(
  batch: readonly PromiseFields[],
  signBytes: (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>,
): Promise<InclusionPromise[]> {
  const first = batch[0];
  if (!first) return [];
  if (batch.some((fields) => fields.origin !== first.origin)) {
    throw new TruceError('INTERNAL', 'a batch of receipts is signed for one origin');
  }
  // The receipts of one batch share one or a few store transactions, hence appendedAt values.
  const deadlines = new Map<string, string>();
  const checkpointBy = (appendedAt: string): string => {
    let deadline = deadlines.get(appendedAt);
    if (deadline === undefined) {
      deadline = new Date(Date.parse(appendedAt) + maximumMergeDelayMs).toISOString();
      deadlines.set(appendedAt, deadline);
    }
    return deadline;
  };
  const unsigned = batch.map((fields) => unsignedPromise(fields, checkpointBy(fields.appendedAt)));
  // The whole batch tree at once: 2n hashes for the root and every receipt's path.
  const tree = ledger.treeWithProofs(
    unsigned.map((promise) => ledger.hashLeaf(promiseLeafBytes(promise))),
  );
  const root = ledger.toHex(tree.root);
  const sig = ledger.toBase64Url(
    await signBytes(receiptBatchBytes(first.origin, unsigned.length, root)),
  );
  // The paths share their nodes (one array per node): hex each once.
  const hexOf = new Map<Uint8Array, string>();
  const hex = (hash: Uint8Array): string => {
    let text = hexOf.get(hash);
    if (text === undefined) {
      text = ledger.toHex(hash);
      hexOf.set(hash, text);
    }
    return text;
  };
  const size = unsigned.length;
  return unsigned.map((promise, index) => ({
    ...promise,
    batch: { index, size, root, path: tree.proofs[index]!.map(hex) },
    sig,
  }));
}

/** Signs the promises of a batch of receipts with one signature (on the calling thread). */
export function signPromises(
  batch: readonly PromiseFields[],
  logKey: KeyObject,
): Promise<InclusionPromise[]> {
  return signBatch(batch, (bytes) => sign(null, bytes, logKey));
}

/**
 * `signPromises` with the signature computed on libuv's thread pool, so that the main thread
 * (which runs PGlite) goes on with other work meanwhile. Same bytes, same signature.
 */
export function signPromisesOffThread(
  batch: readonly PromiseFields[],
  logKey: KeyObject,
): Promise<InclusionPromise[]> {
  return signBatch(
    batch,
    (bytes) =>
      new Promise((resolve, reject) => {
        sign(null, bytes, logKey, (error, signature) => {
          if (error) reject(error);
          else resolve(signature);
        });
      }),
  );
}

function verifyV1(p: Record<string, unknown>, logKey: KeyObject, signature: Uint8Array): boolean {
  const { statement, origin, seq, leafHash, appendedAt, checkpointBy } = p;
  const bytes = ledger.canonicalBytes({
    statement,
    origin,
    seq,
    leafHash,
    appendedAt,
    checkpointBy,
  });
  return verify(null, bytes, logKey, signature);
}

/**
 * Whether the promise is well formed and signed by the log key: its leaf is in the batch tree
 * (RFC 9162 inclusion proof) whose root the log key signed. Also accepts the receipts issued
 * before batching (`truce/receipt/v1`, one signature each). Never throws.
 */
export function verifyPromise(promise: unknown, logPublicKey: ledger.PublicKeyInput): boolean {
  try {
    const p = promise as InclusionPromise;
    if (typeof p?.sig !== 'string') return false;
    const signature = ledger.fromBase64Url(p.sig);
    if (signature?.length !== 64) return false;
    const logKey = ledger.ed25519PublicKey(logPublicKey);
    if ((p.statement as string) === receiptStatementV1) {
      return verifyV1(p as unknown as Record<string, unknown>, logKey, signature);
    }
    if (p.statement !== receiptStatement || typeof p.origin !== 'string') return false;
    const { index, size, root, path } = p.batch ?? {};
    if (typeof root !== 'string' || !Array.isArray(path)) return false;
    const hashes = path.map((hash) =>
      typeof hash === 'string' ? ledger.fromHex(hash) : undefined,
    );
    const rootHash = ledger.fromHex(root);
    if (!rootHash || hashes.some((hash) => !hash)) return false;
    // Hex only in lower case, so that one receipt has one spelling.
    if (ledger.toHex(rootHash) !== root) return false;
    if (hashes.some((hash, i) => ledger.toHex(hash as Uint8Array) !== path[i])) return false;
    const leaf = ledger.hashLeaf(promiseLeafBytes(p));
    if (!ledger.verifyInclusion(leaf, index, size, hashes as Uint8Array[], rootHash)) return false;
    return verify(null, receiptBatchBytes(p.origin, size, root), logKey, signature);
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
