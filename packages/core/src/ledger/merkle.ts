import * as nodeCrypto from 'node:crypto';
import { TruceError } from '../errors.js';
import { bytesEqual } from './encoding.js';

/**
 * The Merkle tree of RFC 9162 §2.1 (Certificate Transparency 2.0, the same tree as RFC 6962),
 * so that CT, Trillian, Tessera and sumdb verifiers in other languages accept truce's proofs.
 *
 * Storage is described by complete subtrees: a `NodeId` names the hash of the complete, aligned
 * subtree of 2^level leaves starting at leaf `index * 2^level` (level 0 = leaf hashes). Those
 * never change once written, so a store can persist them as leaves arrive (`nodesCompletedBy`)
 * and answer any root or proof from O(log n) of them: the `*Plan` functions say which to fetch,
 * the `*From` functions assemble the answer from them. Hashes of the ragged right edge of a tree
 * are recomputed from complete nodes, never stored, because they change as the tree grows.
 *
 * Indices and sizes are JavaScript numbers: safe integers up to 2^53 - 1.
 */

export const hashSize = 32;

export interface NodeId {
  level: number;
  index: number;
}

// `crypto.hash` (Node ≥ 20.12) hashes one buffer about twice as fast as a Hash object: it
// matters because a proof check is dozens of hashes and the exhaustive tests are a million.
const oneShot = typeof nodeCrypto.hash === 'function' ? nodeCrypto.hash : undefined;

function sha256(data: Uint8Array): Uint8Array {
  const digest = oneShot
    ? oneShot('sha256', data, 'buffer')
    : nodeCrypto.createHash('sha256').update(data).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

/** RFC 9162 §2.1.1: the hash of a leaf, SHA-256(0x00 ‖ entry). */
export function hashLeaf(entry: Uint8Array): Uint8Array {
  const data = new Uint8Array(entry.length + 1);
  data.set(entry, 1);
  return sha256(data);
}

// Hashing is synchronous, so one buffer serves every node hash: verification is mostly this.
const nodeInput = new Uint8Array(1 + 2 * hashSize);
nodeInput[0] = 0x01;

/** RFC 9162 §2.1.1: the hash of an interior node, SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length === hashSize && right.length === hashSize) {
    nodeInput.set(left, 1);
    nodeInput.set(right, 1 + hashSize);
    return sha256(nodeInput);
  }
  const data = new Uint8Array(left.length + right.length + 1);
  data[0] = 0x01;
  data.set(left, 1);
  data.set(right, left.length + 1);
  return sha256(data);
}

const emptyRootHash = sha256(new Uint8Array(0));

/** RFC 9162 §2.1.1: the root of the empty tree, SHA-256 of the empty string. A fresh copy. */
export function emptyRoot(): Uint8Array {
  return emptyRootHash.slice();
}

function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === hashSize;
}

function rangeError(message: string): TruceError {
  return new TruceError('LEDGER_RANGE_INVALID', message);
}

function requireSize(name: string, value: number): void {
  if (!isSize(value)) {
    throw rangeError(`${name} must be an integer from 0 to 2^53 - 1, got ${String(value)}`);
  }
}

function half(value: number): number {
  return Math.floor(value / 2);
}

/** The largest power of two strictly below `n` (n ≥ 2): where RFC 9162 splits a tree. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

type Range = readonly [start: number, end: number];

/**
 * The complete subtrees that make up the RFC 9162 subtree of leaves [start, end), largest
 * (leftmost) first. Every range the RFC's recursion produces starts at a multiple of its largest
 * part, so the parts are the set bits of `end - start`, in order.
 */
function rangeNodes(start: number, end: number): NodeId[] {
  const nodes: NodeId[] = [];
  let remaining = end - start;
  let size = 1;
  let level = 0;
  while (size * 2 <= remaining) {
    size *= 2;
    level++;
  }
  let begin = start;
  while (remaining > 0) {
    if (size <= remaining) {
      if (begin % size !== 0) {
        throw new TruceError('INTERNAL', `range [${start}, ${end}) is not a subtree of the tree`);
      }
      nodes.push({ level, index: begin / size });
      begin += size;
      remaining -= size;
    }
    size /= 2;
    level--;
  }
  return nodes;
}

/** The RFC 9162 hash of a subtree from its complete parts: the ragged right edge folds right. */
function foldRange(hashes: readonly Uint8Array[]): Uint8Array {
  let hash = hashes[hashes.length - 1];
  if (hash === undefined) return emptyRoot();
  for (let i = hashes.length - 2; i >= 0; i--) hash = hashChildren(hashes[i] as Uint8Array, hash);
  return hash;
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]): the subtree each proof element hashes, leaf side first. */
function inclusionRanges(leafIndex: number, treeSize: number): Range[] {
  const ranges: Range[] = [];
  let start = 0;
  let end = treeSize;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (leafIndex < start + k) {
      ranges.push([start + k, end]);
      end = start + k;
    } else {
      ranges.push([start, start + k]);
      start += k;
    }
  }
  return ranges.reverse();
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]) via SUBPROOF: the subtree each element hashes, in order. */
function consistencyRanges(fromSize: number, toSize: number): Range[] {
  const ranges: Range[] = [];
  let start = 0;
  let end = toSize;
  let m = fromSize;
  // SUBPROOF's flag b: whether the subtree [start, end) so far is one the verifier already knows.
  let known = true;
  for (;;) {
    if (m === end - start) {
      if (!known) ranges.push([start, end]);
      break;
    }
    const k = splitPoint(end - start);
    if (m <= k) {
      ranges.push([start + k, end]);
      end = start + k;
    } else {
      ranges.push([start, start + k]);
      start += k;
      m -= k;
      known = false;
    }
  }
  return ranges.reverse();
}

function checkInclusionArguments(leafIndex: number, treeSize: number): void {
  requireSize('leafIndex', leafIndex);
  requireSize('treeSize', treeSize);
  if (leafIndex >= treeSize) {
    throw rangeError(`leaf ${leafIndex} is not in a tree of ${treeSize} leaves`);
  }
}

function checkConsistencyArguments(fromSize: number, toSize: number): void {
  requireSize('fromSize', fromSize);
  requireSize('toSize', toSize);
  if (fromSize > toSize) {
    throw rangeError(`a tree of ${fromSize} leaves cannot be an earlier state of one of ${toSize}`);
  }
}

function lookup(node: (id: NodeId) => Uint8Array, id: NodeId): Uint8Array {
  const hash = node(id);
  if (!isHash(hash)) {
    throw new TruceError(
      'LEDGER_PROOF_INVALID',
      `the node lookup returned no 32-byte hash for level ${id.level}, index ${id.index}: check the store`,
    );
  }
  return hash;
}

function assemble(ranges: readonly Range[], node: (id: NodeId) => Uint8Array): Uint8Array[] {
  return ranges.map(([start, end]) =>
    foldRange(rangeNodes(start, end).map((id) => lookup(node, id))),
  );
}

/**
 * Nodes that became complete when leaf `leafIndex` was appended, bottom-up, excluding level 0
 * (e.g. leafIndex 3 → {1,1},{2,0}). Node {l, i} is hashChildren of {l-1, 2i} and {l-1, 2i+1}.
 */
export function nodesCompletedBy(leafIndex: number): NodeId[] {
  requireSize('leafIndex', leafIndex);
  const nodes: NodeId[] = [];
  const count = leafIndex + 1;
  let span = 2;
  let level = 1;
  while (count % span === 0) {
    nodes.push({ level, index: count / span - 1 });
    span *= 2;
    level++;
  }
  return nodes;
}

/**
 * The hashes of the nodes completed by appending `leafHash` at `leafIndex`, bottom-up, computed
 * from the left siblings `node` returns (which may come from the same batch of appends).
 */
export function nodesCompletedFrom(
  leafIndex: number,
  leafHash: Uint8Array,
  node: (id: NodeId) => Uint8Array,
): { id: NodeId; hash: Uint8Array }[] {
  if (!isHash(leafHash)) throw rangeError('a leaf hash is 32 bytes');
  let hash = leafHash;
  return nodesCompletedBy(leafIndex).map((id) => {
    hash = hashChildren(lookup(node, { level: id.level - 1, index: id.index * 2 }), hash);
    return { id, hash };
  });
}

/** Complete-subtree nodes needed to compute each value; O(log n) of them. */
export function rootPlan(treeSize: number): NodeId[] {
  requireSize('treeSize', treeSize);
  return treeSize === 0 ? [] : rangeNodes(0, treeSize);
}

export function inclusionPlan(leafIndex: number, treeSize: number): NodeId[] {
  checkInclusionArguments(leafIndex, treeSize);
  return inclusionRanges(leafIndex, treeSize).flatMap(([start, end]) => rangeNodes(start, end));
}

export function consistencyPlan(fromSize: number, toSize: number): NodeId[] {
  checkConsistencyArguments(fromSize, toSize);
  if (fromSize === 0 || fromSize === toSize) return [];
  return consistencyRanges(fromSize, toSize).flatMap(([start, end]) => rangeNodes(start, end));
}

/** Assemble from the fetched nodes (lookup throws if a planned node is missing). */
export function rootFrom(treeSize: number, node: (id: NodeId) => Uint8Array): Uint8Array {
  return foldRange(rootPlan(treeSize).map((id) => lookup(node, id)));
}

export function inclusionProofFrom(
  leafIndex: number,
  treeSize: number,
  node: (id: NodeId) => Uint8Array,
): Uint8Array[] {
  checkInclusionArguments(leafIndex, treeSize);
  return assemble(inclusionRanges(leafIndex, treeSize), node);
}

export function consistencyProofFrom(
  fromSize: number,
  toSize: number,
  node: (id: NodeId) => Uint8Array,
): Uint8Array[] {
  checkConsistencyArguments(fromSize, toSize);
  if (fromSize === 0 || fromSize === toSize) return [];
  return assemble(consistencyRanges(fromSize, toSize), node);
}

// Proofs longer than this cannot be right for trees below 2^53 leaves; refusing them early keeps
// a hostile proof from costing more than a few dozen hashes.
const maxProofLength = 128;

function isProof(proof: unknown): proof is readonly Uint8Array[] {
  return Array.isArray(proof) && proof.length <= maxProofLength && proof.every(isHash);
}

/**
 * RFC 9162 §2.1.3.2, step by step. Returns false, never throws, for any malformed input: sizes
 * that are not safe integers, index ≥ size, hashes that are not 32 bytes, a proof of the wrong
 * length.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  leafIndex: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  try {
    if (!isHash(leafHash) || !isHash(root) || !isProof(proof)) return false;
    if (!isSize(leafIndex) || !isSize(treeSize) || leafIndex >= treeSize) return false;
    let fn = leafIndex;
    let sn = treeSize - 1;
    let r = leafHash;
    for (const p of proof) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = hashChildren(p, r);
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      } else {
        r = hashChildren(r, p);
      }
      fn = half(fn);
      sn = half(sn);
    }
    return sn === 0 && bytesEqual(r, root);
  } catch {
    return false;
  }
}

/**
 * RFC 9162 §2.1.4.2, step by step, plus the cases the RFC leaves to the caller, decided so that
 * nothing is proven by an empty proof except what needs no proof:
 * - fromSize > toSize, or either not a safe integer: false;
 * - fromSize == toSize: true only for an empty proof and equal roots (and the empty-tree root if
 *   the size is 0);
 * - fromSize == 0: every tree extends the empty tree, so true only for an empty proof and
 *   fromRoot = SHA-256(""). (transparency-dev/merkle accepts any fromRoot here; truce does not,
 *   because a size-0 checkpoint with another root is itself a forgery.)
 * - otherwise the RFC algorithm, which fails an empty proof.
 */
export function verifyConsistency(
  fromSize: number,
  toSize: number,
  proof: readonly Uint8Array[],
  fromRoot: Uint8Array,
  toRoot: Uint8Array,
): boolean {
  try {
    if (!isHash(fromRoot) || !isHash(toRoot) || !isProof(proof)) return false;
    if (!isSize(fromSize) || !isSize(toSize) || fromSize > toSize) return false;
    if (fromSize === 0) {
      return (
        proof.length === 0 &&
        bytesEqual(fromRoot, emptyRootHash) &&
        (toSize > 0 || bytesEqual(toRoot, emptyRootHash))
      );
    }
    if (fromSize === toSize) return proof.length === 0 && bytesEqual(fromRoot, toRoot);
    if (proof.length === 0) return false;
    const path = isPowerOfTwo(fromSize) ? [fromRoot, ...proof] : proof;
    let fn = fromSize - 1;
    let sn = toSize - 1;
    while (fn % 2 === 1) {
      fn = half(fn);
      sn = half(sn);
    }
    let fr = path[0] as Uint8Array;
    let sr = fr;
    for (let i = 1; i < path.length; i++) {
      const c = path[i] as Uint8Array;
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        fr = hashChildren(c, fr);
        sr = hashChildren(c, sr);
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      } else {
        sr = hashChildren(sr, c);
      }
      fn = half(fn);
      sn = half(sn);
    }
    return sn === 0 && bytesEqual(fr, fromRoot) && bytesEqual(sr, toRoot);
  } catch {
    return false;
  }
}

/**
 * In-memory tree (tests, export verification, browser-like verifier): append, root, proofs.
 * Keeps every complete node, 2n hashes for n leaves.
 */
export class MemoryMerkleTree {
  readonly #levels: Uint8Array[][] = [[]];

  /** A tree of the given entries, in order. */
  static of(entries: Iterable<Uint8Array>): MemoryMerkleTree {
    const tree = new MemoryMerkleTree();
    for (const entry of entries) tree.append(entry);
    return tree;
  }

  get size(): number {
    return (this.#levels[0] as Uint8Array[]).length;
  }

  /** Appends an entry (hashed as a leaf) and returns its leaf index. */
  append(entry: Uint8Array): number {
    return this.appendLeafHash(hashLeaf(entry));
  }

  /** Appends a leaf by its hash, for callers that only have leaf hashes. */
  appendLeafHash(leafHash: Uint8Array): number {
    if (!isHash(leafHash)) throw rangeError('a leaf hash is 32 bytes');
    const index = this.size;
    (this.#levels[0] as Uint8Array[]).push(leafHash.slice());
    for (const { id, hash } of nodesCompletedFrom(index, leafHash, this.node)) {
      let level = this.#levels[id.level];
      if (!level) {
        level = [];
        this.#levels[id.level] = level;
      }
      level.push(hash);
    }
    return index;
  }

  /** The hash of a complete subtree; throws `LEDGER_RANGE_INVALID` if it is not complete yet. */
  readonly node = (id: NodeId): Uint8Array => {
    const hash =
      isSize(id.level) && isSize(id.index) ? this.#levels[id.level]?.[id.index] : undefined;
    if (!hash) {
      throw rangeError(
        `node level ${id.level}, index ${id.index} is not a complete subtree of this tree of ${this.size} leaves`,
      );
    }
    return hash;
  };

  leafHash(index: number): Uint8Array {
    return this.node({ level: 0, index });
  }

  root(size: number = this.size): Uint8Array {
    this.#checkSize(size);
    return rootFrom(size, this.node);
  }

  inclusionProof(index: number, size: number = this.size): Uint8Array[] {
    this.#checkSize(size);
    return inclusionProofFrom(index, size, this.node);
  }

  consistencyProof(from: number, to: number = this.size): Uint8Array[] {
    this.#checkSize(to);
    return consistencyProofFrom(from, to, this.node);
  }

  #checkSize(size: number): void {
    requireSize('size', size);
    if (size > this.size) {
      throw rangeError(`this tree has ${this.size} leaves, not ${size}`);
    }
  }
}

/**
 * The root and every leaf's inclusion proof of a whole tree at once, from its leaf hashes: the
 * RFC 9162 tree built bottom-up (a level's last node without a sibling moves up unchanged,
 * which is the same tree as §2.1.1's split at the largest power of two). 2n hashes for all n
 * proofs, where n calls of `inclusionProof` would walk the tree n times: for signing a batch of
 * receipts, each with its path.
 */
export function treeWithProofs(leafHashes: readonly Uint8Array[]): {
  root: Uint8Array;
  proofs: Uint8Array[][];
} {
  if (leafHashes.length === 0) return { root: sha256(new Uint8Array()), proofs: [] };
  const levels: (readonly Uint8Array[])[] = [leafHashes];
  for (let level = leafHashes; level.length > 1; ) {
    const up: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) up.push(hashChildren(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) up.push(level[level.length - 1]!);
    levels.push(up);
    level = up;
  }
  const proofs = leafHashes.map((_, leaf) => {
    const path: Uint8Array[] = [];
    let index = leaf;
    for (let depth = 0; depth < levels.length - 1; depth++) {
      const sibling = levels[depth]![index ^ 1];
      if (sibling !== undefined) path.push(sibling);
      index >>= 1;
    }
    return path;
  });
  return { root: levels[levels.length - 1]![0]!, proofs };
}
