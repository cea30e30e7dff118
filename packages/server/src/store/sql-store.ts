import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { TruceError } from '@truce/core';
import { checkpointRules } from './checkpoint-rules.js';
import { CompactRange } from './compact-range.js';
import { type Admission, GroupCommitQueue, maxBatchOf, NotAdmitted } from './group-commit.js';
import { migrate } from './migrations.js';
import {
  type BatchLookup,
  type BatchPlan,
  batchLookup,
  type NewEntry,
  type PendingAppend,
  planBatch,
  type SequencedEntry,
} from './sequencer.js';
import {
  isoFromMilliseconds,
  type SqlDriver,
  type SqlExecutor,
  toSafeNumber,
} from './sql-driver.js';
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

/**
 * Advisory lock keys are 64-bit; derive them from a name so that two truce logs in different
 * schemas of one database never wait for each other.
 */
export function advisoryLockKey(name: string): string {
  return createHash('sha256').update(`truce:${name}`).digest().readBigInt64BE(0).toString();
}

interface EntryRow {
  seq: unknown;
  event_id: string;
  org: string;
  idempotency_key: string;
  content_hash: string;
  leaf_hash: string;
  appended_at_ms: unknown;
}

interface StoredEntryRow extends EntryRow {
  entry: string;
}

const entryColumns = `seq, event_id, org, idempotency_key, content_hash,
  encode(leaf_hash, 'hex') AS leaf_hash,
  (extract(epoch FROM appended_at) * 1000)::float8 AS appended_at_ms`;

const toSequenced = (row: EntryRow): SequencedEntry => ({
  seq: toSafeNumber(row.seq, 'seq'),
  eventId: row.event_id,
  org: row.org,
  idempotencyKey: row.idempotency_key,
  contentHash: row.content_hash,
  leafHash: row.leaf_hash,
  appendedAt: isoFromMilliseconds(row.appended_at_ms),
});

const toStored = (row: StoredEntryRow): StoredEntry => ({
  ...toSequenced(row),
  entry: Uint8Array.from(Buffer.from(row.entry, 'hex')),
});

interface CheckpointRow {
  size: unknown;
  note: string;
  saved_at_ms: unknown;
}

const checkpointColumns = `size, note, (extract(epoch FROM saved_at) * 1000)::float8 AS saved_at_ms`;

const toCheckpoint = (row: CheckpointRow): CheckpointRecord => ({
  size: toSafeNumber(row.size, 'checkpoint size'),
  text: row.note,
  savedAt: isoFromMilliseconds(row.saved_at_ms),
});

interface CosignatureRow {
  checkpoint_size: unknown;
  witness: string;
  line: string;
  saved_at_ms: unknown;
}

const toCosignature = (row: CosignatureRow): CosignatureRecord => ({
  checkpointSize: toSafeNumber(row.checkpoint_size, 'checkpoint size'),
  witness: row.witness,
  line: row.line,
  savedAt: isoFromMilliseconds(row.saved_at_ms),
});

const view = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const hex = (bytes: Uint8Array): string => view(bytes).toString('hex');
const utf8 = (bytes: Uint8Array): string => view(bytes).toString('utf8');

/** A batch's plan and the time that stamps its entries. */
type StampedPlan = BatchPlan & { appendedAt: string };

/** SQLSTATE unique_violation. */
const uniqueViolation = '23505';

async function readSize(db: SqlExecutor): Promise<number> {
  const [row] = await db.query<{ size: unknown }>(
    'SELECT coalesce(max(seq) + 1, 0) AS size FROM events',
  );
  return toSafeNumber(row?.size, 'tree size');
}

async function readNodes(
  db: SqlExecutor,
  ids: readonly { level: number; index: number }[],
): Promise<Map<string, Uint8Array>> {
  const leaves = ids.filter((id) => id.level === 0).map((id) => id.index);
  const inner = ids.filter((id) => id.level > 0);
  // One primary-key probe per node asked (LIMIT 1 keeps the planner from turning each lateral
  // into a join): with `(level, index) IN (unnest …)` it chose, at some table sizes, a hash join
  // over a scan of the whole tree_nodes table, so every proof and checkpoint read O(n) rows.
  const rows = await db.query<{ level: unknown; index: unknown; hash: string }>(
    `SELECT 0 AS level, s.seq AS index, encode(e.leaf_hash, 'hex') AS hash
       FROM unnest($1::bigint[]) AS s (seq)
      CROSS JOIN LATERAL (SELECT leaf_hash FROM events WHERE seq = s.seq LIMIT 1) AS e
     UNION ALL
     SELECT t.level, t.index, encode(n.hash, 'hex') AS hash
       FROM unnest($2::smallint[], $3::bigint[]) AS t (level, index)
      CROSS JOIN LATERAL (SELECT hash FROM tree_nodes
                           WHERE level = t.level AND index = t.index LIMIT 1) AS n`,
    [leaves, inner.map((id) => id.level), inner.map((id) => id.index)],
  );
  const nodes = new Map<string, Uint8Array>();
  for (const row of rows) {
    const id = { level: toSafeNumber(row.level, 'level'), index: toSafeNumber(row.index, 'index') };
    nodes.set(nodeKey(id), Uint8Array.from(Buffer.from(row.hash, 'hex')));
  }
  return nodes;
}

export interface SqlStoreOptions extends GroupCommitOptions {
  kind: 'pglite' | 'postgres';
  driver: SqlDriver;
  /** Names the log for its advisory locks (the schema on PostgreSQL). */
  lockName: string;
  /** Runs after the database is closed, e.g. to release the folder lock. */
  onClose?: () => Promise<void> | void;
  /**
   * Run CHECKPOINT after this many bytes of appended entries. For PGlite, whose single-user
   * PostgreSQL has no checkpointer and ignores max_wal_size: without it the WAL grows until the
   * store is closed, and a crash replays all of it on the next open.
   */
  walCheckpointBytes?: number;
  /**
   * Whether this process is the only one that can write the database (PGlite, whose folder is
   * locked to one process): batches then skip the transaction block and the advisory lock.
   */
  singleWriter?: boolean;
  /** How many of its latest committed entries a single writer keeps in memory (default 10,000). */
  tailEntries?: number;
}

/** What a single writer keeps of its latest entries at most, in entry bytes. */
const tailBytesLimit = 32 * 1024 * 1024;

/** Runs the migrations, then returns the store. */
export async function openSqlStore(options: SqlStoreOptions): Promise<Store> {
  const sequencerLock = advisoryLockKey(`${options.lockName}:sequencer`);
  await migrate(options.driver, advisoryLockKey(`${options.lockName}:migrations`));
  const [encoding] = await options.driver.query<{ server_encoding: string }>(
    'SHOW server_encoding',
  );
  const store = new SqlStore(options, sequencerLock, encoding?.server_encoding === 'UTF8');
  drivers.set(store, options.driver);
  return store;
}

// The HTTP layer keeps accounts, sessions and the audit log in the same database (one PGlite
// folder can be opened by one process only), through its own tables; the Store interface stays
// about the ledger.
const drivers = new WeakMap<Store, SqlDriver>();

/** The SQL connection under a PGlite or PostgreSQL store; undefined for the memory store. */
export function sqlDriverOf(store: Store): SqlDriver | undefined {
  return drivers.get(store);
}

/** The store on PostgreSQL or PGlite: one SQL, one sequencer per database. */
class SqlStore implements Store {
  readonly kind: 'pglite' | 'postgres';
  readonly #db: SqlDriver;
  readonly #sequencerLock: string;
  readonly #singleWriter: boolean;
  readonly #queue: GroupCommitQueue;
  readonly #tree: TreeReads;
  readonly #onClose: (() => Promise<void> | void) | undefined;
  readonly #stats: StoreStats = {
    transactions: 0,
    entries: 0,
    flushes: 0,
    largestBatch: 0,
    walCheckpoints: 0,
    sequencerReads: 0,
  };
  /** The right edge of the tree as this process last wrote it; checked against the database. */
  #range: CompactRange | undefined;
  /**
   * The single writer's knowledge of the last entry of each kind a precondition named: a seq,
   * or undefined for none (a kind absent from the map is not known yet).
   */
  readonly #latestOfKind = new Map<string, number | undefined>();
  /** The latest time this process stamped a batch with. */
  #lastAppendedMs = 0;
  /** Set when a write failed otherwise than on a stored key: the next batch reads first. */
  #mustRead = false;
  #closed = false;
  readonly #walCheckpointBytes: number | undefined;
  #bytesSinceWalCheckpoint = 0;
  /**
   * A single writer's latest committed entries, from seq `#tailStart` on (`committedSince`):
   * undefined until its first commit, and again after a write whose outcome is not known.
   */
  #tail: StoredEntry[] = [];
  #tailStart: number | undefined;
  #tailBytes = 0;
  readonly #tailEntries: number;

  /** Entries that are UTF-8 text go to the database as text (a UTF8 database only). */
  readonly #textEntries: boolean;

  constructor(options: SqlStoreOptions, sequencerLock: string, textEntries: boolean) {
    this.#textEntries = textEntries;
    this.kind = options.kind;
    this.#db = options.driver;
    this.#sequencerLock = sequencerLock;
    this.#singleWriter = options.singleWriter ?? false;
    this.#onClose = options.onClose;
    this.#walCheckpointBytes = options.walCheckpointBytes;
    this.#tailEntries = options.tailEntries ?? 10_000;
    this.#queue = new GroupCommitQueue(
      (batch, admit) => this.#commit(batch, admit),
      maxBatchOf(options),
    );
    this.#tree = new TreeReads(
      (ids) => readNodes(this.#db, ids),
      () => readSize(this.#db),
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
    const lookup = batchLookup(batch);
    let plan: StampedPlan;
    try {
      plan =
        (await this.#commitUnread(batch, lookup, admit)) ??
        (await this.#commitRead(batch, lookup, admit));
    } catch (error) {
      // Refused admission: the transaction rolled back, nothing changed.
      if (error instanceof NotAdmitted) throw error;
      // A write whose outcome is not known (the disk filled, the database went away): what this
      // process knows may be wrong, so the next batch reads the log again.
      this.#mustRead = true;
      this.#tail = [];
      this.#tailStart = undefined;
      this.#tailBytes = 0;
      throw error;
    }
    this.#range = plan.range;
    if (this.#singleWriter) this.#keepTail(plan.entries, plan.range.size);
    this.#lastAppendedMs = Math.max(this.#lastAppendedMs, Date.parse(plan.appendedAt));
    for (const entry of plan.entries) {
      if (entry.kind !== undefined) this.#latestOfKind.set(entry.kind, entry.seq);
    }
    if (plan.entries.length > 0) {
      this.#stats.transactions += 1;
      this.#stats.entries += plan.entries.length;
      this.#stats.largestBatch = Math.max(this.#stats.largestBatch, plan.entries.length);
    }
    plan.settle();
    for (const entry of plan.entries) this.#bytesSinceWalCheckpoint += entry.entry.length;
    if (
      this.#walCheckpointBytes !== undefined &&
      this.#bytesSinceWalCheckpoint >= this.#walCheckpointBytes
    ) {
      // After settling, so no acknowledgement waits for it; the next batch does, briefly.
      this.#bytesSinceWalCheckpoint = 0;
      await this.#db.exec('CHECKPOINT');
      this.#stats.walCheckpoints += 1;
    }
  }

  /**
   * The single writer's batch without its read (PGlite): this process alone writes the ledger's
   * tables, so the tree size, the last entry of each kind and the clock are known from its own
   * earlier batches, and an idempotency key or event id already stored is found by the table's
   * unique indexes — the write fails whole (one statement) and the batch is sequenced again
   * after reading, which is what a retry costs. Undefined when the batch needs the read: another
   * writer is possible, nothing is known yet, or the write met a stored key.
   */
  async #commitUnread(
    batch: PendingAppend[],
    lookup: BatchLookup,
    admit: Admission | undefined,
  ): Promise<StampedPlan | undefined> {
    const range = this.#range;
    // A stored-only retry is decided by what the log holds, which this path does not read.
    if (!this.#singleWriter || range === undefined || this.#mustRead || lookup.storedOnly) {
      return undefined;
    }
    const latestOfKind = new Map<string, number>();
    for (const kind of lookup.kinds) {
      if (!this.#latestOfKind.has(kind)) return undefined;
      const seq = this.#latestOfKind.get(kind);
      if (seq !== undefined) latestOfKind.set(kind, seq);
    }
    // Never before an entry already stamped: the log's times do not go back.
    const appendedAt = isoFromMilliseconds(Math.max(Date.now(), this.#lastAppendedMs));
    const plan = planBatch(batch, [], range, appendedAt, latestOfKind);
    if (plan.entries.length === 0) {
      await admit?.();
      return { ...plan, appendedAt };
    }
    try {
      if (admit === undefined) {
        await writeBatch(this.#db, plan, appendedAt, this.#textEntries);
      } else {
        // Written while the calls await admission (their signatures are being verified), in a
        // transaction that commits only once all of them are admitted.
        await this.#db.transaction(async (tx) => {
          await writeBatch(tx, plan, appendedAt, this.#textEntries);
          await admit();
        });
      }
    } catch (error) {
      if ((error as { code?: unknown }).code === uniqueViolation) return undefined;
      throw error;
    }
    return { ...plan, appendedAt };
  }

  async #commitRead(
    batch: PendingAppend[],
    lookup: BatchLookup,
    admit: Admission | undefined,
  ): Promise<StampedPlan> {
    // Round trips, not rows, are what a batch costs (each statement is parsed, planned and, on
    // PGlite, crosses into WASM): one statement reads what the batch must know, one writes it.
    const sequence = async (db: SqlExecutor): Promise<StampedPlan> => {
      const state = await readBatchState(db, lookup);
      this.#stats.sequencerReads += 1;
      const range =
        this.#range !== undefined && this.#range.size === state.size
          ? this.#range
          : await loadRange(db, state.size);
      const plan = planBatch(batch, state.existing, range, state.appendedAt, state.latestOfKind);
      if (plan.entries.length > 0) await writeBatch(db, plan, state.appendedAt, this.#textEntries);
      for (const kind of lookup.kinds) this.#latestOfKind.set(kind, state.latestOfKind.get(kind));
      this.#mustRead = false;
      await admit?.();
      return { ...plan, appendedAt: state.appendedAt };
    };
    return this.#singleWriter && admit === undefined
      ? // PGlite: this process alone holds the folder (the lock file) and this queue is its only
        // writer of the ledger's tables, so nothing changes them between the read and the write,
        // and no advisory lock is needed; the write is one statement, hence one transaction (all
        // or nothing) and one flush. With calls awaiting admission, a transaction block instead,
        // which is not committed before they are admitted.
        await sequence(this.#db)
      : await this.#db.transaction(async (tx) => {
          // One sequencer per log, whatever the number of processes: the lock is held until
          // commit. The reads are a separate statement on purpose: under READ COMMITTED it takes
          // a new snapshot, taken after the lock was granted, so it sees the entries the
          // previous holder committed.
          if (!this.#singleWriter) {
            await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [this.#sequencerLock]);
          }
          return sequence(tx);
        });
  }

  /** Keeps a committed batch's entries, before its callers are told (`committedSince`). */
  #keepTail(entries: readonly NewEntry[], sizeAfter: number): void {
    this.#tailStart ??= sizeAfter - entries.length;
    for (const { kind: _kind, ...entry } of entries) {
      this.#tail.push(entry);
      this.#tailBytes += entry.entry.length;
    }
    if (this.#tail.length <= this.#tailEntries && this.#tailBytes <= tailBytesLimit) return;
    // Over a bound: down to half of it, the oldest first.
    let drop = 0;
    while (
      drop < this.#tail.length &&
      (this.#tail.length - drop > this.#tailEntries / 2 || this.#tailBytes > tailBytesLimit / 2)
    ) {
      this.#tailBytes -= this.#tail[drop]!.entry.length;
      drop += 1;
    }
    this.#tail.splice(0, drop);
    this.#tailStart += drop;
  }

  committedSince(fromSeq: number): StoredEntry[] | undefined {
    checkedSize('fromSeq', fromSeq);
    if (this.#tailStart === undefined || fromSeq < this.#tailStart) return undefined;
    return this.#tail.slice(fromSeq - this.#tailStart);
  }

  async size(): Promise<number> {
    return readSize(this.#db);
  }

  async entry(seq: number): Promise<StoredEntry | undefined> {
    checkedSize('seq', seq);
    const [row] = await this.#db.query<StoredEntryRow>(
      `SELECT ${entryColumns}, encode(entry, 'hex') AS entry FROM events WHERE seq = $1`,
      [seq],
    );
    return row && toStored(row);
  }

  async entries(fromSeq: number, limit: number): Promise<StoredEntry[]> {
    checkedSize('fromSeq', fromSeq);
    checkedSize('limit', limit);
    const rows = await this.#db.query<StoredEntryRow>(
      `SELECT ${entryColumns}, encode(entry, 'hex') AS entry FROM events
        WHERE seq >= $1 ORDER BY seq LIMIT $2`,
      [fromSeq, limit],
    );
    return rows.map(toStored);
  }

  async entriesOfKind(kind: string, fromSeq: number, limit: number): Promise<StoredEntry[]> {
    checkedSize('fromSeq', fromSeq);
    checkedSize('limit', limit);
    const rows = await this.#db.query<StoredEntryRow>(
      `SELECT ${entryColumns}, encode(entry, 'hex') AS entry FROM events
        WHERE seq IN (SELECT seq FROM entry_kinds WHERE kind = $1 AND seq >= $2
                       ORDER BY seq LIMIT $3)
        ORDER BY seq`,
      [kind, fromSeq, limit],
    );
    return rows.map(toStored);
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
    return this.#db.transaction(async (tx) => {
      // The sequencer's lock: a checkpoint is judged against a tree size nobody is changing.
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [this.#sequencerLock]);
      const treeSize = await readSize(tx);
      const [sameSize] = await tx.query<CheckpointRow>(
        `SELECT ${checkpointColumns} FROM checkpoints WHERE size = $1`,
        [size],
      );
      const latest = await latestCheckpoint(tx);
      const decision = checkpointRules.decide(
        size,
        text,
        treeSize,
        sameSize && toCheckpoint(sameSize),
        latest,
      );
      if (decision !== 'insert') return decision;
      const [row] = await tx.query<CheckpointRow>(
        `INSERT INTO checkpoints (size, note) VALUES ($1, $2) RETURNING ${checkpointColumns}`,
        [size, text],
      );
      return toCheckpoint(row!);
    });
  }

  latestCheckpoint(): Promise<CheckpointRecord | undefined> {
    return latestCheckpoint(this.#db);
  }

  async checkpoint(size: number): Promise<CheckpointRecord | undefined> {
    if (!Number.isSafeInteger(size) || size < 0) return undefined;
    const [row] = await this.#db.query<CheckpointRow>(
      `SELECT ${checkpointColumns} FROM checkpoints WHERE size = $1`,
      [size],
    );
    return row && toCheckpoint(row);
  }

  async checkpoints(fromSize = 0, limit?: number): Promise<CheckpointRecord[]> {
    const rows = await this.#db.query<CheckpointRow>(
      `SELECT ${checkpointColumns} FROM checkpoints WHERE size >= $1 ORDER BY size${limit === undefined ? '' : ' LIMIT $2'}`,
      limit === undefined ? [fromSize] : [fromSize, limit],
    );
    return rows.map(toCheckpoint);
  }

  async saveCosignature(
    checkpointSize: number,
    witness: string,
    line: string,
  ): Promise<CosignatureRecord> {
    checkedSize('checkpointSize', checkpointSize);
    const columns = `checkpoint_size, witness, line,
      (extract(epoch FROM saved_at) * 1000)::float8 AS saved_at_ms`;
    return this.#db.transaction(async (tx) => {
      const [checkpoint] = await tx.query('SELECT 1 FROM checkpoints WHERE size = $1', [
        checkpointSize,
      ]);
      if (checkpoint === undefined) throw checkpointRules.unknownCheckpoint(checkpointSize);
      const [inserted] = await tx.query<CosignatureRow>(
        `INSERT INTO cosignatures (checkpoint_size, witness, line) VALUES ($1, $2, $3)
         ON CONFLICT (checkpoint_size, witness) DO NOTHING RETURNING ${columns}`,
        [checkpointSize, witness, line],
      );
      if (inserted !== undefined) return toCosignature(inserted);
      const [earlier] = await tx.query<CosignatureRow>(
        `SELECT ${columns} FROM cosignatures WHERE checkpoint_size = $1 AND witness = $2`,
        [checkpointSize, witness],
      );
      return toCosignature(earlier!);
    });
  }

  async cosignatures(checkpointSize: number): Promise<CosignatureRecord[]> {
    checkedSize('checkpointSize', checkpointSize);
    const rows = await this.#db.query<CosignatureRow>(
      `SELECT checkpoint_size, witness, line,
              (extract(epoch FROM saved_at) * 1000)::float8 AS saved_at_ms
         FROM cosignatures WHERE checkpoint_size = $1 ORDER BY witness`,
      [checkpointSize],
    );
    return rows.map(toCosignature);
  }

  async latestCosignatures(): Promise<CosignatureRecord[]> {
    // A loose index scan (cosignatures_by_witness): one index read per witness to find the
    // next witness name, one for its largest checkpoint.
    const rows = await this.#db.query<CosignatureRow>(
      `WITH RECURSIVE witnesses (witness) AS (
         (SELECT witness FROM cosignatures ORDER BY witness LIMIT 1)
         UNION ALL
         SELECT (SELECT c.witness FROM cosignatures c WHERE c.witness > w.witness
                  ORDER BY c.witness LIMIT 1)
           FROM witnesses w WHERE w.witness IS NOT NULL
       )
       SELECT latest.checkpoint_size, latest.witness, latest.line,
              (extract(epoch FROM latest.saved_at) * 1000)::float8 AS saved_at_ms
         FROM witnesses w
         CROSS JOIN LATERAL (
           SELECT * FROM cosignatures c WHERE c.witness = w.witness
            ORDER BY c.checkpoint_size DESC LIMIT 1
         ) latest
        WHERE w.witness IS NOT NULL
        ORDER BY latest.witness`,
    );
    return rows.map(toCosignature);
  }

  stats(): StoreStats {
    return {
      ...this.#stats,
      // Each committed write transaction waits for its own WAL flush on PostgreSQL; PGlite
      // reports the fsync calls it really made.
      flushes: this.#db.observedFlushes() ?? this.#stats.transactions,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#queue.close();
      await this.#db.close();
    } finally {
      await this.#onClose?.();
    }
  }
}

async function latestCheckpoint(db: SqlExecutor): Promise<CheckpointRecord | undefined> {
  const [row] = await db.query<CheckpointRow>(
    `SELECT ${checkpointColumns} FROM checkpoints ORDER BY size DESC LIMIT 1`,
  );
  return row && toCheckpoint(row);
}

/** Reads the right edge of a tree of `size` leaves: O(log n) rows. */
async function loadRange(db: SqlExecutor, size: number): Promise<CompactRange> {
  const ids = CompactRange.nodeIds(size);
  const nodes = await readNodes(db, ids);
  return new CompactRange(
    size,
    ids.map((id) => {
      const hash = nodes.get(nodeKey(id));
      if (hash === undefined) {
        throw new TruceError(
          'INTERNAL',
          `Tree node ${nodeKey(id)} is missing from the store; the sequencer cannot continue.`,
        );
      }
      return { ...id, hash };
    }),
  );
}

interface BatchState {
  size: number;
  appendedAt: string;
  existing: SequencedEntry[];
  latestOfKind: Map<string, number>;
}

/**
 * What sequencing a batch needs, in one statement: the tree size, the time that stamps the
 * batch, the stored entries with the batch's idempotency keys or event ids (two index lookups:
 * with OR between them PostgreSQL scans the whole table), and the last seq of each kind the
 * batch's preconditions name.
 */
async function readBatchState(db: SqlExecutor, lookup: BatchLookup): Promise<BatchState> {
  const [row] = await db.query<{
    size: unknown;
    now_ms: unknown;
    existing: EntryRow[] | null;
    kinds: { kind: string; seq: unknown }[] | null;
  }>(
    `SELECT (SELECT coalesce(max(seq) + 1, 0) FROM events) AS size,
            (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms,
            (SELECT json_agg(found) FROM (
               SELECT ${entryColumns} FROM events
                WHERE (org, idempotency_key) IN (SELECT * FROM unnest($1::text[], $2::text[]))
               UNION ALL
               SELECT ${entryColumns} FROM events WHERE event_id = ANY($3::text[])) AS found
            ) AS existing,
            (SELECT json_agg(json_build_object('kind', t.kind, 'seq',
                      (SELECT max(seq) FROM entry_kinds k WHERE k.kind = t.kind)))
               FROM unnest($4::text[]) AS t (kind)) AS kinds`,
    [lookup.orgs, lookup.idempotencyKeys, lookup.eventIds, lookup.kinds],
  );
  const latestOfKind = new Map<string, number>();
  for (const kind of row?.kinds ?? []) {
    if (kind.seq !== null) latestOfKind.set(kind.kind, toSafeNumber(kind.seq, 'seq'));
  }
  return {
    size: toSafeNumber(row?.size, 'tree size'),
    appendedAt: isoFromMilliseconds(row?.now_ms),
    existing: (row?.existing ?? []).map(toSequenced),
    latestOfKind,
  };
}

/** Entries from this size on go to the database as text (`writeBatch`). */
const textEntryBytes = 4096;

/**
 * Writes a batch's entries, the tree nodes they complete and their kinds in one statement (so,
 * outside a transaction block, in one transaction of its own).
 *
 * An entry is bytes. When a large one's are UTF-8 without NUL (every ledger entry is canonical
 * JSON) and the database is UTF8, they travel as a text parameter of their own, turned into the
 * same bytes by `convert_to`: half the size of hex, and no array literal to escape and parse (for
 * large entries the drivers' array serialisation and PostgreSQL's parsing of it cost more than
 * the insert itself). Other entries go hex-encoded in an array.
 */
async function writeBatch(
  db: SqlExecutor,
  plan: BatchPlan,
  appendedAt: string,
  textEntries: boolean,
): Promise<void> {
  const { entries, nodes } = plan;
  const labelled = entries.filter((entry) => entry.kind !== undefined);
  // Large entries only (an imported file's batches): for small ones, a parameter each made the
  // statement dearer than the array (HTTP submissions of 50 events: 5,900/s -> 3,500/s).
  // PostgreSQL takes at most 65,535 parameters: past 30,000 texts, the rest go hex.
  const textParams: string[] = [];
  const slots = entries.map(({ entry }) => {
    if (
      !textEntries ||
      entry.byteLength < textEntryBytes ||
      textParams.length >= 30_000 ||
      entry.includes(0) ||
      !isUtf8(entry)
    ) {
      return undefined;
    }
    textParams.push(utf8(entry));
    return `$${13 + textParams.length}::text`;
  });
  const texts =
    textParams.length > 0
      ? `ARRAY[${slots.map((slot) => slot ?? 'NULL').join(',')}]`
      : "'{}'::text[]";
  await db.query(
    `WITH new_entries AS (
       INSERT INTO events
         (seq, event_id, org, idempotency_key, content_hash, entry, leaf_hash, appended_at)
       SELECT seq, event_id, org, idempotency_key, content_hash,
              COALESCE(convert_to(entry_text, 'UTF8'), decode(entry_hex, 'hex')),
              decode(leaf_hash, 'hex'), $8::timestamptz
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::text[], ${texts})
           AS t (seq, event_id, org, idempotency_key, content_hash, entry_hex, leaf_hash,
                 entry_text)
     ), new_nodes AS (
       INSERT INTO tree_nodes (level, index, hash)
       SELECT level, index, decode(hash, 'hex')
         FROM unnest($9::smallint[], $10::bigint[], $11::text[]) AS t (level, index, hash)
     )
     INSERT INTO entry_kinds (kind, seq)
     SELECT kind, seq FROM unnest($12::text[], $13::bigint[]) AS t (kind, seq)`,
    [
      entries.map((entry) => entry.seq),
      entries.map((entry) => entry.eventId),
      entries.map((entry) => entry.org),
      entries.map((entry) => entry.idempotencyKey),
      entries.map((entry) => entry.contentHash),
      entries.map((entry, index) => (slots[index] === undefined ? hex(entry.entry) : null)),
      entries.map((entry) => entry.leafHash),
      appendedAt,
      nodes.map((node) => node.level),
      nodes.map((node) => node.index),
      nodes.map((node) => hex(node.hash)),
      labelled.map((entry) => entry.kind),
      labelled.map((entry) => entry.seq),
      ...textParams,
    ],
  );
}
