import { ledger, TruceError } from '@truce/core';

type NodeId = ledger.NodeId;

/**
 * Reads a set of tree nodes at once. Level 0 is the leaf hash of the entry at `index`; higher
 * levels are the stored complete subtrees. Must return every node asked for.
 */
export type ReadNodes = (ids: readonly NodeId[]) => Promise<Map<string, Uint8Array>>;

export const nodeKey = (id: NodeId): string => `${id.level}:${id.index}`;

/** Positions and sizes are safe non-negative integers; anything else is the caller's mistake. */
export function checkedSize(name: string, value: number): void {
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

/**
 * Proofs and roots from the planned O(log n) nodes, never a rebuild. For a given tree size it
 * is one read: the planned nodes plus the tree's last leaf, whose presence proves the tree is
 * that large; only when something is missing does it read the size, to say why. Shared by
 * every store so that they all answer the same way.
 */
export class TreeReads {
  readonly #read: ReadNodes;
  readonly #treeSize: () => Promise<number>;

  constructor(read: ReadNodes, treeSize: () => Promise<number>) {
    this.#read = read;
    this.#treeSize = treeSize;
  }

  async root(size?: number): Promise<Uint8Array> {
    return this.#answer(size, ledger.rootPlan, ledger.rootFrom);
  }

  async inclusionProof(seq: number, size?: number): Promise<Uint8Array[]> {
    checkedSize('seq', seq);
    return this.#answer(
      size,
      (n) => {
        if (seq >= n) {
          throw new TruceError(
            'NOT_FOUND',
            `Entry ${seq} is not in the tree of size ${n}; ask for a tree that contains it.`,
          );
        }
        return ledger.inclusionPlan(seq, n);
      },
      (n, node) => ledger.inclusionProofFrom(seq, n, node),
    );
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
    return this.#answer(
      toSize,
      (n) => ledger.consistencyPlan(fromSize, n),
      (n, node) => ledger.consistencyProofFrom(fromSize, n, node),
    );
  }

  async #answer<T>(
    size: number | undefined,
    plan: (n: number) => NodeId[],
    assemble: (n: number, node: (id: NodeId) => Uint8Array) => T,
  ): Promise<T> {
    let n: number;
    let knownInTree = false;
    if (size === undefined) {
      n = await this.#treeSize();
      knownInTree = true;
    } else {
      checkedSize('size', size);
      n = size;
    }
    const wanted = [...plan(n), ...(n > 0 ? [{ level: 0, index: n - 1 }] : [])];
    const nodes = await this.#read(wanted);
    if (!knownInTree && !wanted.every((id) => nodes.has(nodeKey(id)))) {
      const treeSize = await this.#treeSize();
      if (n > treeSize) {
        throw new TruceError(
          'NOT_FOUND',
          `The ledger has ${treeSize} entries; there is no tree of size ${n} yet.`,
        );
      }
    }
    return assemble(n, lookup(nodes));
  }
}
