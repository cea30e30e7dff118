import { ledger } from '@truce/core';

/** A complete subtree's hash: 2^level leaves starting at leaf index·2^level. */
export interface TreeNode {
  level: number;
  index: number;
  hash: Uint8Array;
}

/**
 * The right edge of a tree of `size` leaves: the roots of the complete subtrees its size
 * decomposes into, largest first (Trillian and Tessera call it a compact range). Appending a
 * leaf needs nothing else, so the sequencer keeps this in memory instead of reading the tree.
 */
export class CompactRange {
  #size: number;
  readonly #nodes: TreeNode[];

  constructor(size: number, nodes: readonly TreeNode[]) {
    const expected = CompactRange.nodeIds(size);
    if (
      nodes.length !== expected.length ||
      nodes.some(
        (node, i) => node.level !== expected[i]?.level || node.index !== expected[i]?.index,
      )
    ) {
      throw new Error(`compact range of size ${size} needs nodes ${JSON.stringify(expected)}`);
    }
    this.#size = size;
    this.#nodes = nodes.map((node) => ({ ...node }));
  }

  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /** The ids of the nodes a range of `size` leaves holds, largest subtree first. */
  static nodeIds(size: number): { level: number; index: number }[] {
    const ids: { level: number; index: number }[] = [];
    let offset = 0;
    // Arithmetic rather than bit operators: sizes may pass 2^31.
    for (let level = Math.floor(Math.log2(Math.max(size, 1))) + 1; level >= 0; level--) {
      const width = 2 ** level;
      if (Math.floor(size / width) % 2 === 1) {
        ids.push({ level, index: offset / width });
        offset += width;
      }
    }
    return ids;
  }

  get size(): number {
    return this.#size;
  }

  /** Appends a leaf hash; returns the nodes (level ≥ 1) it completed, bottom-up. */
  append(leafHash: Uint8Array): TreeNode[] {
    this.#nodes.push({ level: 0, index: this.#size, hash: leafHash });
    this.#size += 1;
    const completed: TreeNode[] = [];
    for (;;) {
      const right = this.#nodes.at(-1);
      const left = this.#nodes.at(-2);
      if (right === undefined || left === undefined || left.level !== right.level) break;
      this.#nodes.splice(-2, 2);
      const parent = {
        level: left.level + 1,
        index: left.index / 2,
        hash: ledger.hashChildren(left.hash, right.hash),
      };
      this.#nodes.push(parent);
      completed.push(parent);
    }
    return completed;
  }

  clone(): CompactRange {
    return new CompactRange(this.#size, this.#nodes);
  }
}
