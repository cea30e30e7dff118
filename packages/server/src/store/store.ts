/**
 * The ledger's persistent store: one interface, three implementations (memory for tests,
 * PGlite embedded in a data folder, PostgreSQL via DATABASE_URL). The store sequences signed
 * entries into an RFC 9162 Merkle log, keeps the tree's complete nodes so that proofs cost
 * O(log n) reads, and keeps checkpoints and their cosignatures. It never interprets the entry
 * bytes: verifying signatures is the caller's job, before `append`.
 */

/** One entry to append: the canonical signed-envelope bytes and the fields the store indexes. */
export interface AppendRequest {
  /** Canonical (JCS) bytes of the signed envelope; the Merkle leaf is SHA-256(0x00‖entry). */
  entry: Uint8Array;
  eventId: string;
  /** The organisation that signed the envelope. */
  org: string;
  /**
   * Chosen by the client so that it can retry safely. Scoped to `org`: one party cannot
   * squat another party's keys.
   */
  idempotencyKey: string;
  /**
   * Hash of what the client asked to record (hex). A retry with the same key must carry the same
   * content hash; anything else is a different request reusing the key, hence a CONFLICT.
   */
  contentHash: string;
  /**
   * A label the caller wants to find this entry by later without reading the others
   * (`entriesOfKind`); the ledger labels its key events `key`. The store never reads the entry.
   */
  kind?: string;
  /**
   * Set for the retry of an entry the caller can no longer admit as new (the ledger: its key was
   * revoked since): the log must already hold the same content under this idempotency key, and
   * the call gets that entry's receipt. Otherwise the call is refused with this error, and
   * nothing of it is stored.
   */
  storedOnly?: Error;
}

/**
 * A condition on the log, checked under the writer lock when the call is sequenced: the call is
 * refused (CONFLICT, see `isPreconditionFailure`) if the log holds an entry of `kind` after
 * `seq`. The ledger admits envelopes against the key events it has read up to some position;
 * this makes sure no key event (a revocation by another process) slipped in before them.
 */
export interface AppendPrecondition {
  kind: string;
  /** The last entry of `kind` the caller has seen (-1 for none). */
  noneAfter: number;
}

/** What an append returns for each entry. */
export interface Receipt {
  /** 0-based leaf index in the log. */
  seq: number;
  /** Hex of SHA-256(0x00‖entry). */
  leafHash: string;
  /** When the entry was sequenced (ISO 8601, UTC, millisecond precision). */
  appendedAt: string;
  /** True when this is the receipt of an earlier append with the same idempotency key. */
  idempotent: boolean;
}

/** An entry as stored, for export, the live feed and background work. */
export interface StoredEntry {
  seq: number;
  eventId: string;
  org: string;
  idempotencyKey: string;
  contentHash: string;
  entry: Uint8Array;
  /** Hex of SHA-256(0x00‖entry). */
  leafHash: string;
  appendedAt: string;
}

/** A checkpoint of the log, in the C2SP signed-note text form, as produced by the ledger. */
export interface CheckpointRecord {
  size: number;
  text: string;
  savedAt: string;
}

/** A witness's cosignature line for one checkpoint (C2SP tlog-cosignature). */
export interface CosignatureRecord {
  checkpointSize: number;
  /** The witness's name (its key name in the signed note). */
  witness: string;
  /** The signature line as the witness sent it. */
  line: string;
  savedAt: string;
}

/**
 * Counters for tests and benchmarks: whether appends are being group-committed.
 * `transactions` counts append transactions that committed; `entries` the new entries they
 * wrote; `flushes` the durable flushes the store waited for — fsync calls observed under
 * PGlite, commits (each waits for a WAL flush) on PostgreSQL, always 0 in memory.
 */
export interface StoreStats {
  transactions: number;
  entries: number;
  flushes: number;
  /** Largest number of entries committed in one transaction so far. */
  largestBatch: number;
  /** PostgreSQL CHECKPOINTs the store ran itself (PGlite only: it never runs one on its own). */
  walCheckpoints: number;
  /**
   * Batches sequenced after reading the log for their keys (always on PostgreSQL and the memory
   * store's none; on PGlite, the first batch and those that met a stored key or event id).
   */
  sequencerReads: number;
}

/** Options shared by every implementation. */
export interface GroupCommitOptions {
  /**
   * Most entries per append transaction (default 1000). An `append` call is never split, so a
   * call with more entries still commits alone in one transaction. `maxBatch: 1` gives one
   * transaction, hence one flush, per event: the baseline a benchmark compares group commit to.
   */
  maxBatch?: number;
  /** `false` is the same as `maxBatch: 1`. */
  groupCommit?: boolean;
}

export interface Store {
  /** Which implementation this is, for logs and benchmarks. */
  readonly kind: 'memory' | 'pglite' | 'postgres';

  /**
   * Sequences the entries and resolves once they are durable (see docs/STORAGE.md for what
   * durable means for each implementation). The entries of one call are appended together or
   * not at all, in order; concurrent calls are group-committed. A call that reuses an
   * idempotency key with the same content hash gets the original receipt (`idempotent: true`);
   * with another content hash, or that reuses an event id, it fails with CONFLICT and appends
   * nothing.
   *
   * `admitted`, when given, decides whether the call may be committed: the store may sequence
   * and write its entries meanwhile, in a transaction it commits only once every call of the
   * batch is admitted. If it rejects, nothing of the call is stored, the call rejects with its
   * reason and the batch's other calls are written without it. The ledger passes the
   * verification of the entries' signatures, so that the database writes while the signatures
   * are checked.
   */
  append(
    entries: readonly AppendRequest[],
    precondition?: AppendPrecondition,
    admitted?: Promise<unknown>,
  ): Promise<Receipt[]>;

  /** Up to `limit` entries labelled `kind`, from `fromSeq` on, in order: an index read. */
  entriesOfKind(kind: string, fromSeq: number, limit: number): Promise<StoredEntry[]>;

  /**
   * For a store that is the only writer of its log (PGlite): the entries from `fromSeq` to the
   * last one committed, from memory — what `entries` would answer, without waiting for the
   * database — when it still holds them all (the latest ones it committed since it opened, up
   * to a bound); undefined when they must be read with `entries`. Read-only.
   */
  committedSince?(fromSeq: number): StoredEntry[] | undefined;

  /** Number of entries in the log (the tree size). */
  size(): Promise<number>;
  entry(seq: number): Promise<StoredEntry | undefined>;
  /** Up to `limit` entries from `fromSeq` on, in order. */
  entries(fromSeq: number, limit: number): Promise<StoredEntry[]>;

  /** Merkle tree head (RFC 9162 MTH) of the first `size` entries (default: all). */
  root(size?: number): Promise<Uint8Array>;
  /** Audit path of `seq` in the tree of the first `size` entries (default: all). */
  inclusionProof(seq: number, size?: number): Promise<Uint8Array[]>;
  /** Consistency proof between the trees of the first `fromSize` and `toSize` entries. */
  consistencyProof(fromSize: number, toSize: number): Promise<Uint8Array[]>;

  /**
   * Stores a checkpoint the ledger signed for `size` entries. Sizes only grow; saving the same
   * size with the same text again is a no-op, with other text a CONFLICT.
   */
  saveCheckpoint(size: number, text: string): Promise<CheckpointRecord>;
  latestCheckpoint(): Promise<CheckpointRecord | undefined>;
  /** The checkpoint of exactly `size` entries, if one was signed: one row read. */
  checkpoint(size: number): Promise<CheckpointRecord | undefined>;
  /** Checkpoints of `fromSize` entries or more (default: all), oldest first, at most `limit`. */
  checkpoints(fromSize?: number, limit?: number): Promise<CheckpointRecord[]>;
  /**
   * Stores a witness's cosignature of the checkpoint of `checkpointSize`. The first line a
   * witness sends for a checkpoint is kept; later ones return that record unchanged.
   */
  saveCosignature(
    checkpointSize: number,
    witness: string,
    line: string,
  ): Promise<CosignatureRecord>;
  cosignatures(checkpointSize: number): Promise<CosignatureRecord[]>;
  /** Each witness's cosignature of the largest checkpoint it cosigned, by witness name. */
  latestCosignatures(): Promise<CosignatureRecord[]>;

  stats(): StoreStats;
  /** Waits for appends in flight, then releases the database (and the folder lock). */
  close(): Promise<void>;
}
