import { checkpointRules } from './checkpoint-rules.js';
import { CompactRange } from './compact-range.js';
import { type Admission, GroupCommitQueue, maxBatchOf } from './group-commit.js';
import { batchLookup, type PendingAppend, planBatch, type SequencedEntry } from './sequencer.js';
import type {
  AppendPrecondition,
  AppendRequest,
  CheckpointRecord,
  CosignatureRecord,
  GroupCommitOptions,
  Receipt,
  Store,
  StoredEntry,
  StoreStats,
} from './store.js';
import { checkedSize, nodeKey, TreeReads } from './tree-reads.js';

export interface MemoryStoreOptions extends GroupCommitOptions {
  /** The clock that stamps `appendedAt`; tests pass a fixed one. */
  now?: () => Date;
}

/** The store for tests: same behaviour as the databases, nothing survives the process. */
export function openMemoryStore(options: MemoryStoreOptions = {}): Store {
  return new MemoryStore(options);
}

class MemoryStore implements Store {
  readonly kind = 'memory';
  readonly #now: () => Date;
  readonly #entries: StoredEntry[] = [];
  readonly #byKey = new Map<string, StoredEntry>();
  readonly #byEventId = new Map<string, StoredEntry>();
  /** Seqs of the entries of each kind, ascending. */
  readonly #kinds = new Map<string, number[]>();
  readonly #nodes = new Map<string, Uint8Array>();
  readonly #checkpoints: CheckpointRecord[] = [];
  readonly #cosignatures = new Map<string, CosignatureRecord>();
  readonly #stats: StoreStats = {
    transactions: 0,
    entries: 0,
    flushes: 0,
    largestBatch: 0,
    walCheckpoints: 0,
    sequencerReads: 0,
  };
  readonly #queue: GroupCommitQueue;
  readonly #tree: TreeReads;
  #range = CompactRange.empty();

  constructor(options: MemoryStoreOptions) {
    this.#now = options.now ?? (() => new Date());
    this.#queue = new GroupCommitQueue(
      (batch, admit) => this.#commit(batch, admit),
      maxBatchOf(options),
    );
    this.#tree = new TreeReads(
      async (ids) => {
        const found = new Map<string, Uint8Array>();
        for (const id of ids) {
          const hash =
            id.level === 0
              ? this.#entries[id.index] && Buffer.from(this.#entries[id.index]!.leafHash, 'hex')
              : this.#nodes.get(nodeKey(id));
          if (hash !== undefined) found.set(nodeKey(id), hash);
        }
        return found;
      },
      async () => this.#entries.length,
    );
  }

  append(
    entries: readonly AppendRequest[],
    precondition?: AppendPrecondition,
    admitted?: Promise<unknown>,
  ): Promise<Receipt[]> {
    return this.#queue.submit(entries, precondition, admitted);
  }

  async #commit(batch: PendingAppend[], admit: Admission | undefined): Promise<void> {
    // Nothing to overlap in memory: admission first, then the batch in one synchronous step.
    await admit?.();
    const lookup = batchLookup(batch);
    const existing: SequencedEntry[] = [];
    lookup.orgs.forEach((org, i) => {
      const byKey = this.#byKey.get(`${org}\u0000${lookup.idempotencyKeys[i]}`);
      if (byKey !== undefined) existing.push(byKey);
      const byEventId = this.#byEventId.get(lookup.eventIds[i]!);
      if (byEventId !== undefined) existing.push(byEventId);
    });
    const latestOfKind = new Map<string, number>();
    for (const kind of lookup.kinds) {
      const seq = this.#kinds.get(kind)?.at(-1);
      if (seq !== undefined) latestOfKind.set(kind, seq);
    }
    const plan = planBatch(batch, existing, this.#range, this.#now().toISOString(), latestOfKind);
    for (const entry of plan.entries) {
      const { kind, ...fields } = entry;
      const stored: StoredEntry = { ...fields, entry: Uint8Array.from(entry.entry) };
      if (kind !== undefined) {
        const seqs = this.#kinds.get(kind) ?? [];
        seqs.push(entry.seq);
        this.#kinds.set(kind, seqs);
      }
      this.#entries.push(stored);
      this.#byKey.set(`${entry.org}\u0000${entry.idempotencyKey}`, stored);
      this.#byEventId.set(entry.eventId, stored);
    }
    for (const node of plan.nodes) this.#nodes.set(nodeKey(node), node.hash);
    this.#range = plan.range;
    if (plan.entries.length > 0) {
      this.#stats.transactions += 1;
      this.#stats.entries += plan.entries.length;
      this.#stats.largestBatch = Math.max(this.#stats.largestBatch, plan.entries.length);
    }
    plan.settle();
  }

  async size(): Promise<number> {
    return this.#entries.length;
  }

  async entry(seq: number): Promise<StoredEntry | undefined> {
    checkedSize('seq', seq);
    const found = this.#entries[seq];
    return found && copyEntry(found);
  }

  async entries(fromSeq: number, limit: number): Promise<StoredEntry[]> {
    checkedSize('fromSeq', fromSeq);
    checkedSize('limit', limit);
    return this.#entries.slice(fromSeq, fromSeq + limit).map(copyEntry);
  }

  async entriesOfKind(kind: string, fromSeq: number, limit: number): Promise<StoredEntry[]> {
    checkedSize('fromSeq', fromSeq);
    checkedSize('limit', limit);
    const seqs = (this.#kinds.get(kind) ?? []).filter((seq) => seq >= fromSeq).slice(0, limit);
    return seqs.map((seq) => copyEntry(this.#entries[seq]!));
  }

  root(size?: number): Promise<Uint8Array> {
    return this.#tree.root(size);
  }

  inclusionProof(seq: number, size?: number): Promise<Uint8Array[]> {
    return this.#tree.inclusionProof(seq, size);
  }

  consistencyProof(fromSize: number, toSize: number): Promise<Uint8Array[]> {
    return this.#tree.consistencyProof(fromSize, toSize);
  }

  async saveCheckpoint(size: number, text: string): Promise<CheckpointRecord> {
    const decision = checkpointRules.decide(
      size,
      text,
      this.#entries.length,
      this.#checkpoints.find((checkpoint) => checkpoint.size === size),
      this.#checkpoints.at(-1),
    );
    if (decision !== 'insert') return decision;
    const record = { size, text, savedAt: this.#now().toISOString() };
    this.#checkpoints.push(record);
    return { ...record };
  }

  async latestCheckpoint(): Promise<CheckpointRecord | undefined> {
    const latest = this.#checkpoints.at(-1);
    return latest && { ...latest };
  }

  async checkpoint(size: number): Promise<CheckpointRecord | undefined> {
    const found = this.#checkpoints.find((checkpoint) => checkpoint.size === size);
    return found && { ...found };
  }

  async checkpoints(fromSize = 0, limit = Number.POSITIVE_INFINITY): Promise<CheckpointRecord[]> {
    return this.#checkpoints
      .filter((checkpoint) => checkpoint.size >= fromSize)
      .slice(0, limit)
      .map((checkpoint) => ({ ...checkpoint }));
  }

  async saveCosignature(
    checkpointSize: number,
    witness: string,
    line: string,
  ): Promise<CosignatureRecord> {
    checkedSize('checkpointSize', checkpointSize);
    if (!this.#checkpoints.some((checkpoint) => checkpoint.size === checkpointSize)) {
      throw checkpointRules.unknownCheckpoint(checkpointSize);
    }
    const key = `${checkpointSize}\u0000${witness}`;
    const earlier = this.#cosignatures.get(key);
    if (earlier !== undefined) return { ...earlier };
    const record = { checkpointSize, witness, line, savedAt: this.#now().toISOString() };
    this.#cosignatures.set(key, record);
    return { ...record };
  }

  async cosignatures(checkpointSize: number): Promise<CosignatureRecord[]> {
    checkedSize('checkpointSize', checkpointSize);
    return [...this.#cosignatures.values()]
      .filter((cosignature) => cosignature.checkpointSize === checkpointSize)
      .sort((a, b) => (a.witness < b.witness ? -1 : a.witness > b.witness ? 1 : 0))
      .map((cosignature) => ({ ...cosignature }));
  }

  async latestCosignatures(): Promise<CosignatureRecord[]> {
    const latest = new Map<string, CosignatureRecord>();
    for (const cosignature of this.#cosignatures.values()) {
      const earlier = latest.get(cosignature.witness);
      if (!earlier || earlier.checkpointSize < cosignature.checkpointSize) {
        latest.set(cosignature.witness, cosignature);
      }
    }
    return [...latest.values()]
      .sort((a, b) => (a.witness < b.witness ? -1 : a.witness > b.witness ? 1 : 0))
      .map((cosignature) => ({ ...cosignature }));
  }

  stats(): StoreStats {
    return { ...this.#stats };
  }

  async close(): Promise<void> {
    await this.#queue.close();
  }
}

function copyEntry(entry: StoredEntry): StoredEntry {
  return { ...entry, entry: Uint8Array.from(entry.entry) };
}
