import { ledger, TruceError } from '@truce/core';

type NodeId = ledger.NodeId;

/**
 * Reads a set of tree nodes at once. Level 0 is the leaf hash of the entry at `index`; higher
 * levels are the stored complete subtrees. Must return every node asked for.
 */
export type ReadNodes = (ids: readonly NodeId[]) => Promise<Map<string, Uint8Array>>;

export const nodeKey = (id: NodeId): string => `${id.level}:${id.index}`;

function checkedSize(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TruceError('USAGE', `${name} must be a non-negative integer, not ${value}.`);
  }
}

function lookup(nodes: Map<string, Uint8Array>): (id: NodeId) => Uint8Array {
  return (id) => {
    const hash = nodes.get(nodeKey(id));
    if (hash === undefined) {
      // Every committed entry's nodes are written in its transaction: a gap is corruption.
      throw new TruceError(
        'INTERNAL',
        `Tree node ${nodeKey(id)} is missing from the store; run \`truce verify\` on an export.`,
      );
    }
    return hash;
  };
}

function beyondTree(size: number, treeSize: number): TruceError {
  return new TruceError(
    'NOT_FOUND',
    `The ledger has ${treeSize} entries; there is no tree of size ${size} yet.`,
  );
}

/**
 * Proofs and roots from the planned O(log n) nodes: one read per call, never a rebuild.
 * Shared by every store so that they all answer the same way.
 */
export class TreeReads {
  readonly #read: ReadNodes;
  readonly #treeSize: () => Promise<number>;

  constructor(read: ReadNodes, treeSize: () => Promise<number>) {
    this.#read = read;
    this.#treeSize = treeSize;
  }

  async root(size?: number): Promise<Uint8Array> {
    const n = await this.#sizeOrCurrent(size);
    const nodes = await this.#read(ledger.rootPlan(n));
    return ledger.rootFrom(n, lookup(nodes));
  }

  async inclusionProof(seq: number, size?: number): Promise<Uint8Array[]> {
    const n = await this.#sizeOrCurrent(size);
    checkedSize('seq', seq);
    if (seq >= n) {
      throw new TruceError(
        'NOT_FOUND',
        `Entry ${seq} is not in the tree of size ${n}; ask for a tree that contains it.`,
      );
    }
    const nodes = await this.#read(ledger.inclusionPlan(seq, n));
    return ledger.inclusionProofFrom(seq, n, lookup(nodes));
  }

  async consistencyProof(fromSize: number, toSize: number): Promise<Uint8Array[]> {
    checkedSize('fromSize', fromSize);
    checkedSize('toSize', toSize);
    if (fromSize > toSize) {
      throw new TruceError(
        'USAGE',
        `A consistency proof goes from a smaller tree to a larger one, not ${fromSize} → ${toSize}.`,
      );
    }
    const treeSize = await this.#treeSize();
    if (toSize > treeSize) throw beyondTree(toSize, treeSize);
    const nodes = await this.#read(ledger.consistencyPlan(fromSize, toSize));
    return ledger.consistencyProofFrom(fromSize, toSize, lookup(nodes));
  }

  async #sizeOrCurrent(size: number | undefined): Promise<number> {
    const treeSize = await this.#treeSize();
    if (size === undefined) return treeSize;
    checkedSize('size', size);
    if (size > treeSize) throw beyondTree(size, treeSize);
    return size;
  }
}
