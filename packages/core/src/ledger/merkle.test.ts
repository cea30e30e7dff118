import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TruceError } from '../errors.js';
import { fromBase64, fromHex, toHex } from './encoding.js';
import {
  consistencyPlan,
  consistencyProofFrom,
  emptyRoot,
  hashChildren,
  hashLeaf,
  inclusionPlan,
  inclusionProofFrom,
  MemoryMerkleTree,
  type NodeId,
  nodesCompletedBy,
  nodesCompletedFrom,
  rootFrom,
  rootPlan,
  treeWithProofs,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';

const testdata = new URL('./testdata/merkle/', import.meta.url);

function hex(text: string): Uint8Array {
  const bytes = fromHex(text);
  if (!bytes) throw new Error(`bad hex ${text}`);
  return bytes;
}

function b64(text: string): Uint8Array {
  // The vectors include a deliberately empty "garbage" node.
  return text === '' ? new Uint8Array(0) : (fromBase64(text) ?? new Uint8Array(0));
}

function rangeCode(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(TruceError);
    return (error as TruceError).code;
  }
  return undefined;
}

interface Vectors {
  hasher: Record<string, string>;
  leaves: string[];
  roots: string[];
  inclusionProofs: { leaf: number; size: number; proof: string[] }[];
  consistencyProofs: { size1: number; size2: number; proof: string[] }[];
  inclusionPlans: { size: number; index: number; nodes: GoNode[] }[];
  inclusionPlanErrors: [number, number][];
  consistencyPlans: { size1: number; size2: number; nodes: GoNode[] }[];
  consistencyPlanErrors: [number, number][];
}

const vectors = JSON.parse(
  readFileSync(new URL('transparency-dev-vectors.json', testdata), 'utf8'),
) as Vectors;
const leaves = vectors.leaves.map(hex);
const roots = vectors.roots.map(hex);
const someHash = hex('abacaba000000000000000000000000000000000000000000060061e00123456');

/** Node ids of a Go plan, flattened: Go's rehashed groups are a nested list in the vectors. */
type GoNode = [number, number] | [number, number][];

function flatIds(nodes: GoNode[]): string[] {
  return nodes
    .flatMap((n) => (Array.isArray(n[0]) ? (n as [number, number][]) : [n as [number, number]]))
    .map(([level, index]) => `${level}/${index}`)
    .sort();
}

function ids(nodes: NodeId[]): string[] {
  return nodes.map((n) => `${n.level}/${n.index}`).sort();
}

function flip(
  proof: readonly Uint8Array[],
  node: number,
  byte: number,
  mask: number,
): Uint8Array[] {
  return proof.map((p, i) => {
    if (i !== node) return p;
    const copy = p.slice();
    copy[byte] = (copy[byte] as number) ^ mask;
    return copy;
  });
}

describe('RFC 6962 hasher (transparency-dev/merkle rfc6962_test.go)', () => {
  it('hashes the empty tree, leaves and nodes as the RFC says', () => {
    expect(toHex(emptyRoot())).toBe(vectors.hasher.emptyRoot);
    expect(toHex(hashLeaf(new Uint8Array(0)))).toBe(vectors.hasher.emptyLeaf);
    expect(toHex(hashLeaf(new TextEncoder().encode('L123456')))).toBe(vectors.hasher.leafL123456);
    const enc = new TextEncoder();
    expect(toHex(hashChildren(enc.encode('N123'), enc.encode('N456')))).toBe(
      vectors.hasher.childrenN123N456,
    );
  });

  it('separates leaves from nodes (second-preimage resistance) and orders children', () => {
    const a = hashLeaf(Uint8Array.of(1));
    const b = hashLeaf(Uint8Array.of(2));
    const node = hashChildren(a, b);
    expect(node).not.toEqual(hashLeaf(new Uint8Array([...a, ...b])));
    expect(node).not.toEqual(hashChildren(b, a));
  });

  it('returns a fresh empty root each time', () => {
    const root = emptyRoot();
    root[0] = 0;
    expect(toHex(emptyRoot())).toBe(vectors.hasher.emptyRoot);
  });
});

describe('transparency-dev/merkle proof vectors', () => {
  const tree = MemoryMerkleTree.of(leaves);

  it('computes the root of every size', () => {
    for (let size = 1; size <= 8; size++)
      expect(toHex(tree.root(size))).toBe(vectors.roots[size - 1]);
    expect(tree.root(0)).toEqual(emptyRoot());
  });

  for (const { leaf, size, proof } of vectors.inclusionProofs) {
    const index = leaf - 1;
    it(`inclusion of leaf ${index} in ${size}: same proof, verifies, and Go's corruptions fail`, () => {
      const expected = proof.map(hex);
      expect(tree.inclusionProof(index, size).map(toHex)).toEqual(proof);
      const leafHash = hashLeaf(leaves[index] as Uint8Array);
      const root = roots[size - 1] as Uint8Array;
      expect(verifyInclusion(leafHash, index, size, expected, root)).toBe(true);

      // corruptInclusionProof of verify_test.go, with the uint64 arithmetic of Go spelled out.
      const probes: [string, Uint8Array, number, number, Uint8Array[], Uint8Array][] = [
        ['leafIndex - 1', leafHash, index - 1, size, expected, root],
        ['leafIndex + 1', leafHash, index + 1, size, expected, root],
        ['leafIndex ^ 2', leafHash, index ^ 2, size, expected, root],
        ['treeSize * 2', leafHash, index, size * 2, expected, root],
        ['treeSize / 2', leafHash, index, Math.floor(size / 2), expected, root],
        ['wrong leaf', new TextEncoder().encode('WrongLeaf'), index, size, expected, root],
        ['empty root', leafHash, index, size, expected, emptyRoot()],
        ['random root', leafHash, index, size, expected, someHash],
        ['trailing garbage', leafHash, index, size, [...expected, new Uint8Array(0)], root],
        ['trailing root', leafHash, index, size, [...expected, root], root],
        ['preceding garbage', leafHash, index, size, [new Uint8Array(0), ...expected], root],
        ['preceding root', leafHash, index, size, [root, ...expected], root],
      ];
      for (let i = 0; i < expected.length; i++) {
        probes.push([
          `modified proof[${i}] bit 3`,
          leafHash,
          index,
          size,
          flip(expected, i, 0, 8),
          root,
        ]);
      }
      if (expected.length > 0) {
        probes.push(['removed component', leafHash, index, size, expected.slice(0, -1), root]);
      }
      if (expected.length > 1) {
        const inserted = [expected[0] as Uint8Array, someHash, ...expected.slice(1)];
        probes.push(['inserted component', leafHash, index, size, inserted, root]);
      }
      const accepted = probes
        .filter(([, l, i, s, p, r]) => verifyInclusion(l, i, s, p, r))
        .map(([desc]) => desc);
      expect(accepted).toEqual([]);
    });
  }

  for (const { size1, size2, proof } of vectors.consistencyProofs) {
    it(`consistency ${size1} → ${size2}: same proof, verifies, and Go's corruptions fail`, () => {
      const expected = proof.map(hex);
      expect(tree.consistencyProof(size1, size2).map(toHex)).toEqual(proof);
      const root1 = roots[size1 - 1] as Uint8Array;
      const root2 = roots[size2 - 1] as Uint8Array;
      expect(verifyConsistency(size1, size2, expected, root1, root2)).toBe(true);
      if (expected.length === 0) return;

      const wrongRoot = new TextEncoder().encode('WrongRoot');
      const probes: [string, number, number, Uint8Array[], Uint8Array, Uint8Array][] = [
        ['size1 - 1', size1 - 1, size2, expected, root1, root2],
        ['size1 + 1', size1 + 1, size2, expected, root1, root2],
        ['size1 ^ 2', size1 ^ 2, size2, expected, root1, root2],
        ['size2 * 2', size1, size2 * 2, expected, root1, root2],
        ['size2 / 2', size1, Math.floor(size2 / 2), expected, root1, root2],
        ['wrong root1', size1, size2, expected, wrongRoot, root2],
        ['wrong root2', size1, size2, expected, root1, wrongRoot],
        ['swapped roots', size1, size2, expected, root2, root1],
        ['empty proof', size1, size2, [], root1, root2],
        ['trailing garbage', size1, size2, [...expected, new Uint8Array(0)], root1, root2],
        ['trailing root1', size1, size2, [...expected, root1], root1, root2],
        ['trailing root2', size1, size2, [...expected, root2], root1, root2],
        ['preceding garbage', size1, size2, [new Uint8Array(0), ...expected], root1, root2],
        ['preceding root1', size1, size2, [root1, ...expected], root1, root2],
        ['preceding root2', size1, size2, [root2, ...expected], root1, root2],
        [
          'preceding proof[0]',
          size1,
          size2,
          [expected[0] as Uint8Array, ...expected],
          root1,
          root2,
        ],
        ['truncated proof', size1, size2, expected.slice(0, -1), root1, root2],
      ];
      for (let i = 0; i < expected.length; i++) {
        probes.push([
          `modified proof[${i}] bit 4`,
          size1,
          size2,
          flip(expected, i, 0, 16),
          root1,
          root2,
        ]);
      }
      const accepted = probes
        .filter(([, s1, s2, p, r1, r2]) => verifyConsistency(s1, s2, p, r1, r2))
        .map(([desc]) => desc);
      expect(accepted).toEqual([]);
    });
  }

  it('matches the JSON vector files of transparency-dev/merkle testdata/', () => {
    let count = 0;
    for (const kind of ['inclusion', 'consistency']) {
      const base = new URL(`transparency-dev/${kind}/`, testdata);
      for (const dir of readdirSync(base)) {
        for (const file of readdirSync(new URL(`${dir}/`, base))) {
          const v = JSON.parse(readFileSync(new URL(`${dir}/${file}`, base), 'utf8'));
          const proof = ((v.proof ?? []) as string[]).map(b64);
          const ok =
            kind === 'inclusion'
              ? verifyInclusion(b64(v.leafHash), v.leafIdx, v.treeSize, proof, b64(v.root))
              : verifyConsistency(v.size1, v.size2, proof, b64(v.root1), b64(v.root2));
          expect(ok, `${kind}/${dir}/${file}: ${v.desc}`).toBe(!v.wantErr);
          count++;
        }
      }
    }
    expect(count).toBe(13);
  });
});

describe('plans (transparency-dev/merkle proof_test.go)', () => {
  for (const { size, index, nodes } of vectors.inclusionPlans) {
    it(`inclusion of ${index} in ${size} needs the same stored nodes as Go's`, () => {
      expect(ids(inclusionPlan(index, size))).toEqual(flatIds(nodes));
    });
  }
  for (const { size1, size2, nodes } of vectors.consistencyPlans) {
    it(`consistency ${size1} → ${size2} needs the same stored nodes as Go's`, () => {
      expect(ids(consistencyPlan(size1, size2))).toEqual(flatIds(nodes));
    });
  }

  it('refuses the arguments Go refuses', () => {
    for (const [index, size] of vectors.inclusionPlanErrors) {
      expect(rangeCode(() => inclusionPlan(index, size))).toBe('LEDGER_RANGE_INVALID');
    }
    for (const [size1, size2] of vectors.consistencyPlanErrors) {
      expect(rangeCode(() => consistencyPlan(size1, size2))).toBe('LEDGER_RANGE_INVALID');
    }
  });

  it.each([
    ['negative', () => rootPlan(-1)],
    ['fractional', () => inclusionPlan(0.5, 2)],
    ['NaN', () => consistencyPlan(Number.NaN, 3)],
    ['above 2^53', () => rootPlan(2 ** 53)],
    ['index beyond size', () => inclusionProofFrom(3, 3, () => new Uint8Array(32))],
    ['from beyond to', () => consistencyProofFrom(4, 3, () => new Uint8Array(32))],
  ])('refuses %s sizes with LEDGER_RANGE_INVALID', (_, action) => {
    expect(rangeCode(action)).toBe('LEDGER_RANGE_INVALID');
  });

  it('passes on the lookup error for a missing node, and refuses a lookup that is not a hash', () => {
    expect(() =>
      rootFrom(3, () => {
        throw new Error('not stored');
      }),
    ).toThrow('not stored');
    expect(rangeCode(() => rootFrom(3, () => new Uint8Array(31)))).toBe('LEDGER_PROOF_INVALID');
  });

  it('nodesCompletedBy lists the complete subtrees a leaf closes', () => {
    expect(nodesCompletedBy(0)).toEqual([]);
    expect(nodesCompletedBy(1)).toEqual([{ level: 1, index: 0 }]);
    expect(nodesCompletedBy(2)).toEqual([]);
    expect(nodesCompletedBy(3)).toEqual([
      { level: 1, index: 1 },
      { level: 2, index: 0 },
    ]);
    expect(nodesCompletedBy(2 ** 53 - 2)).toHaveLength(0);
    expect(nodesCompletedBy(2 ** 52 - 1)).toHaveLength(52);
    expect(rangeCode(() => nodesCompletedBy(-1))).toBe('LEDGER_RANGE_INVALID');
  });
});

describe('every tree up to 256 leaves', () => {
  const maxSize = 256;
  const tree = new MemoryMerkleTree();
  for (let i = 0; i < maxSize; i++) tree.append(Uint8Array.of(i, i >> 4, 0x5a));
  const rootOf = Array.from({ length: maxSize + 1 }, (_, n) => tree.root(n));

  // One pass per kind of proof: each proof is assembled from its plan alone (a lookup outside
  // the plan throws), so these also check that plans name only complete nodes, O(log n) of them.
  function planned(what: string, plan: NodeId[], size: number, limit: number, problems: string[]) {
    if (plan.length > limit) problems.push(`${what}: ${plan.length} nodes`);
    const allowed = new Set<number>();
    for (const id of plan) {
      if ((id.index + 1) * 2 ** id.level > size) {
        problems.push(`${what}: incomplete ${id.level}/${id.index}`);
      }
      allowed.add(id.level * 4096 + id.index);
    }
    return (id: NodeId) => {
      if (!allowed.has(id.level * 4096 + id.index)) {
        throw new Error(`${what}: unplanned ${id.level}/${id.index}`);
      }
      return tree.node(id);
    };
  }

  it('every consistency proof (0 ≤ m ≤ n ≤ 256) is assembled from its plan and verifies', () => {
    const problems: string[] = [];
    for (let n = 0; n <= maxSize; n++) {
      const root = rootOf[n] as Uint8Array;
      const limit = 3 * Math.log2(Math.max(n, 1)) + 2;
      for (let m = 0; m <= n; m++) {
        const what = `consistency ${m}→${n}`;
        const proof = consistencyProofFrom(
          m,
          n,
          planned(what, consistencyPlan(m, n), n, limit, problems),
        );
        if (!verifyConsistency(m, n, proof, rootOf[m] as Uint8Array, root))
          problems.push(`${what} fails`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every inclusion proof (leaf < n ≤ 256) and root is assembled from its plan and verifies', () => {
    const problems: string[] = [];
    for (let n = 0; n <= maxSize; n++) {
      const root = rootOf[n] as Uint8Array;
      const limit = 2 * Math.log2(Math.max(n, 1)) + 1;
      const rootLookup = planned(`root ${n}`, rootPlan(n), n, limit, problems);
      if (toHex(rootFrom(n, rootLookup)) !== toHex(root)) problems.push(`root ${n} differs`);
      for (let i = 0; i < n; i++) {
        const what = `inclusion ${i} in ${n}`;
        const proof = inclusionProofFrom(
          i,
          n,
          planned(what, inclusionPlan(i, n), n, limit, problems),
        );
        if (!verifyInclusion(tree.leafHash(i), i, n, proof, root)) problems.push(`${what} fails`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('treeWithProofs gives the root of every size and the inclusion proof of every leaf, as the tree does', () => {
    const key = (proof: readonly Uint8Array[]) => proof.map(toHex).join();
    const leaves = Array.from({ length: maxSize }, (_, i) => tree.leafHash(i));
    const problems: string[] = [];
    for (let n = 0; n <= maxSize; n++) {
      const { root, proofs } = treeWithProofs(leaves.slice(0, n));
      if (toHex(root) !== toHex(rootOf[n] as Uint8Array)) problems.push(`root ${n}`);
      if (proofs.length !== n) problems.push(`${proofs.length} proofs for ${n} leaves`);
      proofs.forEach((proof, i) => {
        if (key(proof) !== key(tree.inclusionProof(i, n))) problems.push(`inclusion ${i} in ${n}`);
      });
    }
    expect(problems).toEqual([]);
  });

  it('MemoryMerkleTree gives the proofs assembled from plans', () => {
    const key = (proof: readonly Uint8Array[]) => proof.map(toHex).join();
    for (const n of [1, 2, 3, 7, 8, 13, 100, 255, 256]) {
      for (let m = 0; m <= n; m += 1 + (n >> 4)) {
        expect(key(tree.consistencyProof(m, n))).toBe(key(consistencyProofFrom(m, n, tree.node)));
        if (m < n) {
          expect(key(tree.inclusionProof(m, n))).toBe(key(inclusionProofFrom(m, n, tree.node)));
        }
      }
    }
  });

  it('nodesCompletedBy and nodesCompletedFrom agree with the tree', () => {
    const copy = new MemoryMerkleTree();
    for (let i = 0; i < maxSize; i++) {
      const completed = nodesCompletedFrom(i, tree.leafHash(i), tree.node);
      expect(completed.map((c) => c.id)).toEqual(nodesCompletedBy(i));
      for (const { id, hash } of completed) expect(hash).toEqual(tree.node(id));
      copy.appendLeafHash(tree.leafHash(i));
    }
    expect(copy.root()).toEqual(tree.root());
  });

  it('rejects a changed byte in any proof node: every byte up to 12 leaves, every node up to 48', () => {
    const accepted: string[] = [];
    // Every byte position goes through SHA-256 alike; beyond small trees, one byte per node.
    const bytesOf = (n: number, node: number) =>
      n <= 12 ? Array.from({ length: 32 }, (_, b) => b) : [(node * 7 + n) % 32];
    for (let n = 1; n <= 48; n++) {
      const root = rootOf[n] as Uint8Array;
      for (let m = 1; m < n; m++) {
        const proof = tree.consistencyProof(m, n);
        for (let node = 0; node < proof.length; node++) {
          for (const byte of bytesOf(n, node)) {
            const bad = flip(proof, node, byte, 1 << (byte % 8));
            if (verifyConsistency(m, n, bad, rootOf[m] as Uint8Array, root)) {
              accepted.push(`consistency ${m}→${n} node ${node} byte ${byte}`);
            }
          }
        }
      }
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i, n);
        for (let node = 0; node < proof.length; node++) {
          for (const byte of bytesOf(n, node)) {
            const bad = flip(proof, node, byte, 0x80 >> (byte % 8));
            if (verifyInclusion(tree.leafHash(i), i, n, bad, root)) {
              accepted.push(`inclusion ${i} in ${n} node ${node} byte ${byte}`);
            }
          }
        }
      }
    }
    expect(accepted).toEqual([]);
  });

  it('rejects a changed byte anywhere in any proof up to 256 leaves (sampled)', () => {
    const args = [
      fc.integer({ min: 2, max: maxSize }),
      fc.nat(),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
    ] as const;
    fc.assert(
      fc.property(...args, (n, a, b, mask) => {
        const m = 1 + (a % (n - 1));
        const proof = tree.consistencyProof(m, n);
        const bad = flip(proof, b % proof.length, b % 32, mask);
        const [r1, r2] = [rootOf[m] as Uint8Array, rootOf[n] as Uint8Array];
        expect(verifyConsistency(m, n, bad, r1, r2)).toBe(false);
        const i = a % n;
        const inclusion = tree.inclusionProof(i, n);
        const badInclusion = flip(inclusion, b % inclusion.length, (a + b) % 32, mask);
        expect(verifyInclusion(tree.leafHash(i), i, n, badInclusion, r2)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects changed sizes, indices, roots, and dropped, added, reordered or duplicated nodes', () => {
    const same = (a: readonly Uint8Array[], b: readonly Uint8Array[]) =>
      a.length === b.length && a.every((x, i) => toHex(x) === toHex(b[i] as Uint8Array));
    const arbitraryPair = fc
      .tuple(fc.integer({ min: 1, max: maxSize }), fc.integer({ min: 1, max: maxSize }))
      .map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [number, number]);
    fc.assert(
      fc.property(
        arbitraryPair,
        fc.integer({ min: 1, max: maxSize }),
        fc.nat(),
        ([m, n], other, seed) => {
          const proof = tree.consistencyProof(m, n);
          const r1 = rootOf[m] as Uint8Array;
          const r2 = rootOf[n] as Uint8Array;
          const extra = tree.leafHash(seed % maxSize);
          const altered: Uint8Array[][] = [
            [...proof, extra],
            [extra, ...proof],
            [...proof, r1],
          ];
          if (proof.length > 0) {
            const at = seed % proof.length;
            altered.push(proof.slice(1), proof.slice(0, -1), [...proof, proof[at] as Uint8Array]);
            altered.push([...proof.slice(0, at), extra, ...proof.slice(at + 1)]);
          }
          if (proof.length > 1) altered.push([...proof].reverse());
          for (const p of altered) {
            if (!same(p, proof)) expect(verifyConsistency(m, n, p, r1, r2)).toBe(false);
          }
          if (m !== n) expect(verifyConsistency(m, n, proof, r2, r1)).toBe(false);
          // Claiming other sizes, even with the true roots of those sizes, needs their own proof.
          for (const [a, b] of [
            [other, n],
            [m, other],
          ] as const) {
            if (a > b || (a === m && b === n)) continue;
            const ok = verifyConsistency(
              a,
              b,
              proof,
              rootOf[a] as Uint8Array,
              rootOf[b] as Uint8Array,
            );
            expect(ok, `${m}→${n} proof claimed as ${a}→${b}`).toBe(
              same(tree.consistencyProof(a, b), proof),
            );
          }

          const index = seed % n;
          const inclusion = tree.inclusionProof(index, n);
          const leafHash = tree.leafHash(index);
          const alteredInclusion: Uint8Array[][] = [
            [...inclusion, extra],
            [extra, ...inclusion],
          ];
          if (inclusion.length > 0)
            alteredInclusion.push(inclusion.slice(0, -1), inclusion.slice(1));
          if (inclusion.length > 1) alteredInclusion.push([...inclusion].reverse());
          for (const p of alteredInclusion) {
            if (!same(p, inclusion)) expect(verifyInclusion(leafHash, index, n, p, r2)).toBe(false);
          }
          for (const [i, size] of [
            [other - 1, n],
            [index, other],
          ] as const) {
            if (i >= size || (i === index && size === n)) continue;
            const ok = verifyInclusion(leafHash, i, size, inclusion, rootOf[size] as Uint8Array);
            expect(ok, `inclusion of ${index} in ${n} claimed as ${i} in ${size}`).toBe(false);
          }
          expect(verifyInclusion(extra, index, n, inclusion, r2)).toBe(extra === leafHash);
          expect(verifyInclusion(leafHash, index, n, inclusion, r1)).toBe(m === n);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('edge cases: nothing is proven by a malformed or empty proof', () => {
  const tree = MemoryMerkleTree.of(leaves);
  const root1 = tree.root(1);
  const root3 = tree.root(3);
  const empty = emptyRoot();

  it('consistency from the empty tree: only with an empty proof and the empty root', () => {
    expect(verifyConsistency(0, 3, [], empty, root3)).toBe(true);
    expect(verifyConsistency(0, 0, [], empty, empty)).toBe(true);
    expect(verifyConsistency(0, 3, [], root1, root3)).toBe(false);
    expect(verifyConsistency(0, 3, [root1], empty, root3)).toBe(false);
    expect(verifyConsistency(0, 0, [], empty, root1)).toBe(false);
    expect(verifyConsistency(0, 0, [], root1, root1)).toBe(false);
  });

  it('consistency of a tree with itself: only with an empty proof and equal roots', () => {
    expect(verifyConsistency(3, 3, [], root3, root3)).toBe(true);
    expect(verifyConsistency(3, 3, [], root3, root1)).toBe(false);
    expect(verifyConsistency(3, 3, [root3], root3, root3)).toBe(false);
    expect(verifyConsistency(1, 1, [], root1, root1)).toBe(true);
  });

  it('consistency that goes back in time, or with an empty proof, fails', () => {
    expect(verifyConsistency(3, 1, [], root3, root1)).toBe(false);
    expect(verifyConsistency(3, 1, tree.consistencyProof(1, 3), root3, root1)).toBe(false);
    expect(verifyConsistency(1, 3, [], root1, root3)).toBe(false);
    expect(verifyConsistency(2, 4, [], tree.root(2), tree.root(4))).toBe(false);
  });

  it('inclusion needs index < size', () => {
    expect(verifyInclusion(tree.leafHash(0), 0, 1, [], root1)).toBe(true);
    expect(verifyInclusion(tree.leafHash(0), 0, 0, [], empty)).toBe(false);
    expect(verifyInclusion(tree.leafHash(0), 1, 1, [], root1)).toBe(false);
    expect(verifyInclusion(tree.leafHash(2), 3, 3, tree.inclusionProof(2, 3), root3)).toBe(false);
  });

  it('returns false, never throws, for any input at all', () => {
    fc.assert(
      fc.property(
        fc.anything(),
        fc.anything(),
        fc.anything(),
        fc.anything(),
        fc.anything(),
        (a, b, c, d, e) => {
          const call = (f: (...args: never[]) => boolean, ...args: unknown[]) =>
            (f as (...a: unknown[]) => boolean)(...args);
          expect(call(verifyInclusion, a, b, c, d, e)).toBe(false);
          expect(call(verifyConsistency, a, b, c, d, e)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
    const weird = [Number.NaN, -1, 1.5, 2 ** 53, Number.POSITIVE_INFINITY, '3', 3n, null];
    for (const size of weird) {
      const s = size as number;
      expect(verifyInclusion(tree.leafHash(0), 0, s, tree.inclusionProof(0, 3), root3)).toBe(false);
      expect(verifyInclusion(tree.leafHash(0), s, 3, tree.inclusionProof(0, 3), root3)).toBe(false);
      expect(verifyConsistency(s, 3, tree.consistencyProof(1, 3), root1, root3)).toBe(false);
      expect(verifyConsistency(1, s, tree.consistencyProof(1, 3), root1, root3)).toBe(false);
    }
    const proxy = new Proxy([], {
      get() {
        throw new Error('hostile proof');
      },
    });
    expect(verifyInclusion(tree.leafHash(0), 0, 3, proxy, root3)).toBe(false);
    expect(verifyConsistency(1, 3, proxy, root1, root3)).toBe(false);
    expect(verifyInclusion(tree.leafHash(0), 0, 3, Array(200).fill(root1), root3)).toBe(false);
  });

  it('rejects hashes of the wrong length anywhere', () => {
    const proof = tree.inclusionProof(1, 3);
    const short = root3.subarray(0, 31);
    expect(verifyInclusion(tree.leafHash(1), 1, 3, proof, short)).toBe(false);
    expect(verifyInclusion(short, 1, 3, proof, root3)).toBe(false);
    expect(verifyInclusion(tree.leafHash(1), 1, 3, [...proof.slice(0, -1), short], root3)).toBe(
      false,
    );
    const consistency = tree.consistencyProof(1, 3);
    expect(verifyConsistency(1, 3, consistency, root1, new Uint8Array(33))).toBe(false);
  });
});

describe('trees of up to 2^53 - 1 leaves', () => {
  // A tree whose leaves are all equal has the same hash for every node of a level, so proofs for
  // astronomically large trees can be computed and checked: this exercises the index arithmetic.
  const levels = [hashLeaf(Uint8Array.of(7))];
  for (let level = 1; level <= 53; level++) {
    const below = levels[level - 1] as Uint8Array;
    levels.push(hashChildren(below, below));
  }
  const node = (id: NodeId) => levels[id.level] as Uint8Array;

  it.each([
    [2 ** 53 - 1, 2 ** 53 - 2, 2 ** 52 + 5],
    [2 ** 52 + 3, 2 ** 31 + 7, 2 ** 32],
    [2 ** 40, 2 ** 40 - 1, 2 ** 39],
    [1_000_000, 999_999, 123_457],
  ])('size %d: inclusion of %d, consistency from %d', (size, index, from) => {
    const root = rootFrom(size, node);
    const inclusion = inclusionProofFrom(index, size, node);
    expect(inclusion.length).toBeLessThanOrEqual(53);
    expect(verifyInclusion(levels[0] as Uint8Array, index, size, inclusion, root)).toBe(true);
    // With every leaf equal, indices and sizes cannot be told apart; altered nodes still can.
    expect(verifyInclusion(levels[0] as Uint8Array, index, size, inclusion.slice(1), root)).toBe(
      false,
    );
    const altered = inclusion.map((p, i) => (i === 0 ? hashLeaf(p) : p));
    expect(verifyInclusion(levels[0] as Uint8Array, index, size, altered, root)).toBe(false);
    const consistency = consistencyProofFrom(from, size, node);
    expect(verifyConsistency(from, size, consistency, rootFrom(from, node), root)).toBe(true);
    expect(verifyConsistency(from, size, consistency.slice(1), rootFrom(from, node), root)).toBe(
      false,
    );
  });
});

describe('MemoryMerkleTree', () => {
  it('appends, numbers leaves from 0, and keeps every earlier root', () => {
    const tree = new MemoryMerkleTree();
    expect(tree.size).toBe(0);
    expect(tree.root()).toEqual(emptyRoot());
    expect(tree.append(leaves[0] as Uint8Array)).toBe(0);
    expect(tree.append(leaves[1] as Uint8Array)).toBe(1);
    expect(tree.appendLeafHash(hashLeaf(leaves[2] as Uint8Array))).toBe(2);
    expect(tree.size).toBe(3);
    expect(toHex(tree.root())).toBe(vectors.roots[2]);
    expect(toHex(tree.root(2))).toBe(vectors.roots[1]);
    expect(tree.node({ level: 1, index: 0 })).toEqual(tree.root(2));
    expect(tree.consistencyProof(3)).toEqual([]);
  });

  it('refuses what is not in the tree with LEDGER_RANGE_INVALID', () => {
    const tree = MemoryMerkleTree.of(leaves.slice(0, 3));
    expect(rangeCode(() => tree.root(4))).toBe('LEDGER_RANGE_INVALID');
    expect(rangeCode(() => tree.inclusionProof(3))).toBe('LEDGER_RANGE_INVALID');
    expect(rangeCode(() => tree.inclusionProof(0, 4))).toBe('LEDGER_RANGE_INVALID');
    expect(rangeCode(() => tree.consistencyProof(2, 4))).toBe('LEDGER_RANGE_INVALID');
    expect(rangeCode(() => tree.node({ level: 1, index: 1 }))).toBe('LEDGER_RANGE_INVALID');
    expect(rangeCode(() => tree.node({ level: -1, index: 0 }))).toBe('LEDGER_RANGE_INVALID');
    expect(rangeCode(() => tree.appendLeafHash(new Uint8Array(31)))).toBe('LEDGER_RANGE_INVALID');
  });

  it('does not let callers change stored hashes', () => {
    const tree = new MemoryMerkleTree();
    const leafHash = hashLeaf(Uint8Array.of(1));
    tree.appendLeafHash(leafHash);
    leafHash[0] = (leafHash[0] as number) ^ 1;
    expect(tree.leafHash(0)).toEqual(hashLeaf(Uint8Array.of(1)));
  });
});
