import { sha256, sha256All } from './webcrypto.js';

/**
 * The RFC 9162 §2.1.1 Merkle tree hash with WebCrypto: leaves SHA-256(0x00 ‖ entry), interior
 * nodes SHA-256(0x01 ‖ left ‖ right), the empty tree SHA-256("").
 *
 * The RFC defines MTH recursively, splitting n leaves at k, the largest power of two below n.
 * Computed here level by level instead: pair neighbours, and carry an odd last node up to the
 * next level unchanged. That builds the same tree (the left subtree of every node is the perfect
 * tree of k leaves, and the carried node is exactly the RFC's right-hand remainder), and it lets
 * each level's hashes be requested from WebCrypto at once. Tested against the recursive
 * definition and the core's MemoryMerkleTree.
 */

export const hashSize = 32;

/** How many digests are requested from WebCrypto at once (between pauses, in rootOf). */
const batch = 2048;

/** The leaf hashes of `entries`, SHA-256(0x00 ‖ entry) each. */
export async function leafHashes(entries: readonly Uint8Array[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let from = 0; from < entries.length; from += batch) {
    const inputs = entries.slice(from, from + batch).map((entry) => {
      const data = new Uint8Array(entry.length + 1);
      data.set(entry, 1);
      return data;
    });
    out.push(...(await sha256All(inputs)));
  }
  return out;
}

/** The RFC 9162 root of a tree whose leaf hashes are `leaves`, in order. */
export async function rootOf(
  leaves: readonly Uint8Array[],
  pause?: () => Promise<void>,
): Promise<Uint8Array> {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  let level: readonly Uint8Array[] = leaves;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    const pairs = Math.floor(level.length / 2);
    for (let from = 0; from < pairs; from += batch) {
      const inputs: Uint8Array[] = [];
      for (let i = from; i < Math.min(pairs, from + batch); i++) {
        const data = new Uint8Array(1 + 2 * hashSize);
        data[0] = 0x01;
        data.set(level[2 * i] as Uint8Array, 1);
        data.set(level[2 * i + 1] as Uint8Array, 1 + hashSize);
        inputs.push(data);
      }
      next.push(...(await sha256All(inputs)));
      await pause?.();
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Uint8Array);
    level = next;
  }
  return level[0] as Uint8Array;
}
