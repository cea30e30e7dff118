import { domainOfEventType, ledger, TruceError } from '@truce/core';
import {
  type AppendRequest,
  type CosignatureRecord,
  isPreconditionFailure,
  type Receipt,
  type Store,
} from '../store/index.js';
import { Checkpointer, type CheckpointerOptions } from './checkpointer.js';
import { isKeyEventType, KeyRegistry, signatureError } from './key-registry.js';
import { genesisEnvelope, type LogIdentity, sha256Hex } from './log-identity.js';
import { type InclusionPromise, type PromiseFields, signPromisesOffThread } from './statements.js';
import { sharedVerifier } from './verifier.js';

/** A receipt for one submitted envelope: where it is, and the log's signed promise. */
export interface LedgerReceipt extends Receipt {
  promise: InclusionPromise;
}

export interface LedgerOptions {
  /** The clock that dates the genesis entry; the store stamps appends itself. */
  now?: () => Date;
  checkpointer?: CheckpointerOptions;
}

/** A witness that cosigned a checkpoint, for the dashboard. */
export interface Cosigner {
  witness: string;
  /** When the witness says it cosigned (seconds since the Unix epoch). */
  timestamp: number;
  savedAt: string;
}

/** The store label of key events: the registry reads only these (`Store.entriesOfKind`). */
export const keyEventKind = 'key';

/** How often an append refused because a key event came first is re-admitted and retried. */
const maxAdmissionAttempts = 5;

function isKeyEvent(value: unknown): boolean {
  const event = (value as { event?: { type?: unknown } } | null)?.event;
  return typeof event?.type === 'string' && isKeyEventType(event.type);
}

/**
 * Ordinary submissions share the registry and run concurrently (so the store can group-commit
 * them); a submission with key events changes the registry and runs alone, so that no envelope
 * is admitted with a key that a revocation sequenced before it has already withdrawn.
 */
class SharedExclusiveLock {
  #shared = 0;
  #exclusive: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  async shared<T>(work: () => Promise<T>): Promise<T> {
    while (this.#exclusive) await this.#exclusive;
    this.#shared++;
    try {
      return await work();
    } finally {
      this.#shared--;
      if (this.#shared === 0) this.#drained?.();
    }
  }

  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.#exclusive) await this.#exclusive;
    let release = () => {};
    this.#exclusive = new Promise((resolve) => {
      release = resolve;
    });
    try {
      if (this.#shared > 0) {
        await new Promise<void>((resolve) => {
          this.#drained = resolve;
        });
        this.#drained = undefined;
      }
      return await work();
    } finally {
      this.#exclusive = undefined;
      release();
    }
  }
}

/**
 * The ledger service on top of a store: admits signed envelopes (signature by a key registered
 * in the log, event schema, authority for key events), appends them, returns receipts with the
 * log's signed promise of a checkpoint within 1 s, and keeps that promise with a checkpointer.
 *
 * Throughput: envelope signatures are verified on the verification threads while the store
 * writes the entries (it commits them once they are verified: `Store.append`'s admission), receipts
 * are signed on libuv's thread pool, one signature a turn, and concurrent submissions share the
 * store's group commit. Several processes on one database: the registry
 * holds the key events up to `#keySeq`; every append carries the precondition that the log has
 * no key event after it, checked under the store's writer lock, and is re-admitted after
 * reading the new key events when that fails — so no process admits an envelope with a key that
 * another process revoked before it.
 */
export class Ledger {
  readonly store: Store;
  readonly identity: LogIdentity;
  readonly #registry = new KeyRegistry();
  /** The seq of the last key event applied to the registry (-1: none). */
  #keySeq = -1;
  /** Content hash of each key event in the log, by org and idempotency key (retries). */
  readonly #keyEvents = new Map<string, string>();
  #refreshRun: Promise<void> | undefined;
  #refreshQueued: Promise<void> | undefined;
  readonly #checkpointer: Checkpointer;
  readonly #lock = new SharedExclusiveLock();
  /** The receipts settled in one turn (usually those of one store transaction): one signature. */
  readonly #receiptSigner = new TurnBatch<PromiseFields, InclusionPromise>((batch) =>
    signPromisesOffThread(batch, this.identity.privateKey),
  );

  private constructor(store: Store, identity: LogIdentity, options: LedgerOptions) {
    this.store = store;
    this.identity = identity;
    this.#checkpointer = new Checkpointer(store, identity, options.checkpointer);
  }

  /**
   * Opens the ledger on a store: reads the key events (only those: an index read, not the whole
   * log) to rebuild the registry, and on an empty store writes the genesis entry (the operator's
   * registration of the log key) and a first checkpoint. Refuses a store whose genesis names
   * another log key.
   */
  static async open(
    store: Store,
    identity: LogIdentity,
    options: LedgerOptions = {},
  ): Promise<Ledger> {
    const service = new Ledger(store, identity, options);
    await service.refreshRegistry();
    const registry = service.#registry;
    if (registry.operator === undefined) {
      if ((await store.size()) > 0) {
        throw new TruceError(
          'LEDGER_KEY_INVALID',
          'this store holds entries but no genesis key event; it is not a truce log (or its key events are not labelled)',
        );
      }
      const now = options.now ?? (() => new Date());
      await service.submit([genesisEnvelope(identity, now())]);
      await service.checkpoint();
    } else {
      const genesis = registry.keysOf(registry.operator).find((key) => key.registeredAt === 0);
      const ours = ledger.rawPublicKey(identity.publicKey);
      if (
        registry.operator !== identity.operator ||
        !genesis ||
        !ledger.bytesEqual(ledger.rawPublicKey(genesis.publicKey), ours)
      ) {
        throw new TruceError(
          'LEDGER_KEY_INVALID',
          `this log was started by operator ${registry.operator} with another key than ${identity.keyId}; use the log key it was created with`,
        );
      }
    }
    return service;
  }

  /**
   * The key registry as of the last key event this process has read. Another process's key
   * events appear after the next submission, cosignature or `refreshRegistry()`.
   */
  get registry(): KeyRegistry {
    return this.#registry;
  }

  /**
   * Reads the key events appended since the last one the registry holds (one index read). Calls
   * made while a read is running share the next one, which starts after it.
   */
  refreshRegistry(): Promise<void> {
    if (this.#refreshRun === undefined) return this.#startRefresh();
    this.#refreshQueued ??= this.#refreshRun
      .catch(() => {})
      .then(() => {
        this.#refreshQueued = undefined;
        return this.#startRefresh();
      });
    return this.#refreshQueued;
  }

  #startRefresh(): Promise<void> {
    const run = this.#readKeyEvents().finally(() => {
      if (this.#refreshRun === run) this.#refreshRun = undefined;
    });
    this.#refreshRun = run;
    return run;
  }

  async #readKeyEvents(): Promise<void> {
    const page = 1000;
    for (;;) {
      const stored = await this.store.entriesOfKind(keyEventKind, this.#keySeq + 1, page);
      for (const entry of stored) {
        if (entry.seq <= this.#keySeq) continue;
        // Entries were checked when appended; admitting them again keeps the registry's rules
        // the only ones, and costs little (key events are few).
        const text = new TextDecoder().decode(entry.entry);
        const { envelope, event } = this.#registry.admit(JSON.parse(text), entry.seq);
        this.#registry.apply(envelope, event, entry.seq);
        this.#keyEvents.set(idempotencyIndex(entry.org, entry.idempotencyKey), entry.contentHash);
        this.#keySeq = entry.seq;
      }
      if (stored.length < page) return;
    }
  }

  /**
   * Verifies and appends envelopes, in order, all or none. Throws LEDGER_SIGNATURE_INVALID,
   * LEDGER_KEY_INVALID, EVENT_INVALID, LEDGER_ENTRY_INVALID (with the index in the details), or
   * the store's CONFLICT. A retry with the same idempotency key and content gets the original
   * receipt (key events included).
   */
  submit(envelopes: readonly unknown[]): Promise<LedgerReceipt[]> {
    if (envelopes.length === 0) return Promise.resolve([]);
    return envelopes.some(isKeyEvent)
      ? this.#lock.exclusive(() => this.#submitWithKeys(envelopes))
      : this.#lock.shared(() => this.#submit(envelopes));
  }

  async #submit(values: readonly unknown[]): Promise<LedgerReceipt[]> {
    for (let attempt = 1; ; attempt++) {
      const noneAfter = this.#keySeq;
      // An envelope whose key the registry refuses (revoked since, say) may be the retry of one
      // the log already holds: it gets its original receipt, or the refusal (`storedOnly`).
      const refused = new Map<number, TruceError>();
      let checked: (ReturnType<KeyRegistry['checkUnsigned']> | undefined)[];
      try {
        checked = values.map((value, index) => {
          try {
            return at(index, () => this.#registry.checkUnsigned(value, Number.MAX_SAFE_INTEGER));
          } catch (error) {
            // A key registered by another process since our last read: read, then decide.
            if (!isKeyError(error) || attempt === 1) throw error;
            refused.set(index, error as TruceError);
            return undefined;
          }
        });
      } catch (error) {
        if (!isKeyError(error) || attempt > 1) throw error;
        await this.refreshRegistry();
        continue;
      }
      const prepared = values.map((value, index) => {
        const admitted = checked[index];
        if (admitted) return prepareEntry(admitted.envelope);
        const entry = prepareEntry(ledger.parseEnvelope(value));
        return { ...entry, request: { ...entry.request, storedOnly: refused.get(index) } };
      });
      // The store sequences and writes the entries while their signatures are verified, and
      // commits them only once all are (`Store.append`'s admission): the database and the
      // verification threads work at the same time instead of one after the other. A retry
      // acknowledged as stored is not verified again: its bytes are those the log verified.
      const toVerify = checked.flatMap((admitted, index) =>
        admitted ? [{ admitted, index, entry: prepared[index]! }] : [],
      );
      const verified = sharedVerifier
        .verifyAll(
          toVerify.map(({ admitted, entry }) => ({
            bytes: entry.signed,
            publicKey: admitted.key.publicKey,
            signature: entry.signature,
          })),
        )
        .then((valid) => {
          const invalid = valid.indexOf(false);
          if (invalid !== -1) {
            const { admitted, index } = toVerify[invalid]!;
            at(index, () => throwError(signatureError(admitted.envelope)));
          }
        });
      try {
        return await this.#append(
          prepared.map(({ request }) => request),
          noneAfter,
          verified,
        );
      } catch (error) {
        if (!isPreconditionFailure(error) || attempt >= maxAdmissionAttempts) throw error;
        await this.refreshRegistry();
      }
    }
  }

  async #submitWithKeys(values: readonly unknown[]): Promise<LedgerReceipt[]> {
    for (let attempt = 1; ; attempt++) {
      await this.refreshRegistry();
      const noneAfter = this.#keySeq;
      // Admitted one by one against a copy that already holds the batch's earlier key events;
      // the registry itself learns them from the store afterwards, at their real positions.
      const draft = this.#registry.clone();
      const base = await this.store.size();
      let fresh = 0;
      const requests = values.map((value, index) =>
        at(index, () => {
          const retried = this.#retriedKeyEvent(value);
          // Already in the log: the store answers with its receipt, or CONFLICT for other content.
          if (retried) return retried;
          const { envelope, event } = draft.admit(value, base + fresh);
          draft.apply(envelope, event, base + fresh);
          fresh += 1;
          return prepareEntry(envelope, isKeyEventType(event.type) ? keyEventKind : undefined)
            .request;
        }),
      );
      try {
        const receipts = await this.#append(requests, noneAfter);
        await this.refreshRegistry();
        return receipts;
      } catch (error) {
        if (!isPreconditionFailure(error) || attempt >= maxAdmissionAttempts) throw error;
      }
    }
  }

  /** The append request of a key event the log already holds under its idempotency key. */
  #retriedKeyEvent(value: unknown): AppendRequest | undefined {
    if (!isKeyEvent(value)) return undefined;
    const envelope = ledger.parseEnvelope(value);
    if (!this.#keyEvents.has(idempotencyIndex(envelope.org, envelope.idempotencyKey))) {
      return undefined;
    }
    return prepareEntry(envelope, keyEventKind).request;
  }

  async #append(
    requests: AppendRequest[],
    noneAfter: number,
    admitted?: Promise<void>,
  ): Promise<LedgerReceipt[]> {
    const receipts = await this.store.append(requests, { kind: keyEventKind, noneAfter }, admitted);
    this.#checkpointer.notify();
    const fields = ({ seq, leafHash, appendedAt }: Receipt): PromiseFields => ({
      origin: this.identity.origin,
      seq,
      leafHash,
      appendedAt,
    });
    // New entries share the turn's one signature. A retried entry's promise is signed in a batch
    // of its own, which is deterministic: every retry gets the same receipt, and the original
    // one when that was alone in its batch too.
    const fresh = receipts.filter((receipt) => !receipt.idempotent);
    const [freshPromises, retriedPromises] = await Promise.all([
      this.#receiptSigner.runAll(fresh.map(fields)),
      Promise.all(
        receipts
          .filter((receipt) => receipt.idempotent)
          .map(
            async (receipt) =>
              (await signPromisesOffThread([fields(receipt)], this.identity.privateKey))[0]!,
          ),
      ),
    ]);
    let nextFresh = 0;
    let nextRetried = 0;
    return receipts.map((receipt) => ({
      ...receipt,
      promise: receipt.idempotent ? retriedPromises[nextRetried++]! : freshPromises[nextFresh++]!,
    }));
  }

  /** Signs a checkpoint of the current size now (the checkpointer does it within 1 s anyway). */
  checkpoint() {
    return this.#checkpointer.checkpoint();
  }

  /**
   * Stores a witness's cosignature line (`— <org> <base64>`) of the checkpoint of `size`
   * (default: the latest), after checking it with the witness organisation's registered keys.
   */
  async cosign(line: string, size?: number): Promise<CosignatureRecord> {
    const record =
      size === undefined ? await this.store.latestCheckpoint() : await this.store.checkpoint(size);
    if (!record) {
      throw new TruceError('NOT_FOUND', `no checkpoint of size ${size ?? '(latest)'} to cosign`);
    }
    await this.refreshRegistry();
    const witness = verifyCosignatureLine(record.text, line, this.#registry, record.size);
    return this.store.saveCosignature(record.size, witness.name, normaliseLine(line));
  }

  /** The organisations that cosigned the checkpoint of `size` (default: the latest). */
  async cosigners(size?: number): Promise<Cosigner[]> {
    const checkpointSize = size ?? (await this.store.latestCheckpoint())?.size;
    if (checkpointSize === undefined) return [];
    const records = await this.store.cosignatures(checkpointSize);
    const checkpoint = await this.store.checkpoint(checkpointSize);
    if (!checkpoint) return [];
    if (records.length > 0) await this.refreshRegistry();
    return records.map((record) => {
      const verified = verifyCosignatureLine(
        checkpoint.text,
        record.line,
        this.#registry,
        checkpointSize,
      );
      return { witness: record.witness, timestamp: verified.timestamp, savedAt: record.savedAt };
    });
  }

  /**
   * Each witness's latest cosignature: how far each organisation that witnesses the log has
   * checked it. Every line is checked again against its checkpoint, as `cosigners` does.
   */
  async witnesses(): Promise<(Cosigner & { checkpointSize: number })[]> {
    const records = await this.store.latestCosignatures();
    if (records.length === 0) return [];
    await this.refreshRegistry();
    const witnessed: (Cosigner & { checkpointSize: number })[] = [];
    for (const record of records) {
      const checkpoint = await this.store.checkpoint(record.checkpointSize);
      if (!checkpoint) continue;
      const verified = verifyCosignatureLine(
        checkpoint.text,
        record.line,
        this.#registry,
        record.checkpointSize,
      );
      witnessed.push({
        witness: record.witness,
        checkpointSize: record.checkpointSize,
        timestamp: verified.timestamp,
        savedAt: record.savedAt,
      });
    }
    return witnessed;
  }

  /** Signs a last checkpoint; the store stays open (its owner closes it). */
  close(): Promise<void> {
    return this.#checkpointer.close();
  }
}

const idempotencyIndex = (org: string, key: string): string => `${org}\u0000${key}`;

function isKeyError(error: unknown): boolean {
  return error instanceof TruceError && error.code === 'LEDGER_KEY_INVALID';
}

function throwError(error: Error): never {
  throw error;
}

/**
 * Runs the items submitted in one turn of the event loop together and settles them together:
 * `work` gets the whole turn's items at once (the receipts settled in one turn, which one
 * signature serves) and returns one output each.
 */
class TurnBatch<I, O> {
  readonly #work: (items: I[]) => Promise<O[]>;
  #items: I[] = [];
  #waiting: {
    from: number;
    count: number;
    resolve: (outputs: O[]) => void;
    reject: (error: unknown) => void;
  }[] = [];

  constructor(work: (items: I[]) => Promise<O[]>) {
    this.#work = work;
  }

  /** Runs several items with this turn's others; resolves with their outputs, in order. */
  runAll(items: readonly I[]): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      if (this.#waiting.length === 0) setImmediate(() => void this.#flush());
      this.#waiting.push({ from: this.#items.length, count: items.length, resolve, reject });
      this.#items.push(...items);
    });
  }

  async #flush(): Promise<void> {
    const items = this.#items;
    const waiting = this.#waiting;
    this.#items = [];
    this.#waiting = [];
    try {
      const outputs = await this.#work(items);
      for (const { from, count, resolve } of waiting) resolve(outputs.slice(from, from + count));
    } catch (error) {
      for (const { reject } of waiting) reject(error);
    }
  }
}

const versionMember = new TextEncoder().encode('"v":1}');

/**
 * The signed bytes, the entry (leaf) bytes and the append request of a parsed envelope, with one
 * canonicalisation: JCS orders members by name, so the entry is the signed bytes with
 * `"sig":"…",` inserted before the last member, `"v":1` (`sig` is base64url: nothing to escape).
 * Falls back to canonicalising the whole envelope if the bytes do not end as expected.
 */
export function prepareEntry(
  envelope: ledger.SignedEnvelope,
  kind?: string,
): { signed: Uint8Array; signature: Uint8Array; request: AppendRequest } {
  const { v, id, org, keyId, idempotencyKey, event, sig } = envelope;
  const signed = ledger.canonicalBytes({ v, id, org, keyId, idempotencyKey, event });
  const signature = ledger.fromBase64Url(sig) ?? new Uint8Array();
  const cut = signed.length - versionMember.length;
  const entry =
    cut > 0 && ledger.bytesEqual(signed.subarray(cut), versionMember)
      ? Buffer.concat([signed.subarray(0, cut), Buffer.from(`"sig":"${sig}",`), versionMember])
      : ledger.envelopeEntryBytes(envelope);
  return {
    signed,
    signature,
    request: {
      entry,
      eventId: id,
      org,
      idempotencyKey,
      contentHash: sha256Hex(entry),
      ...labelOf(kind, event),
    },
  };
}

/**
 * The entry's label: the one asked for, else its event's domain (`domainOfEventType`), which the
 * domain views read by (`Store.entriesOfKind`) instead of scanning the log. Key events get `key`.
 */
function labelOf(kind: string | undefined, event: unknown): { kind?: string } {
  const type = (event as { type?: unknown } | null)?.type;
  const label = kind ?? (typeof type === 'string' ? domainOfEventType(type) : undefined);
  return label !== undefined ? { kind: label } : {};
}

function at<T>(index: number, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof TruceError) {
      throw new TruceError(error.code, `envelope ${index + 1}: ${error.message}`, [
        { path: `[${index}]`, message: error.message },
        ...error.details,
      ]);
    }
    throw error;
  }
}

function normaliseLine(line: string): string {
  return line.endsWith('\n') ? line : `${line}\n`;
}

/**
 * Checks one cosignature line against a checkpoint's text with the keys the witness's
 * organisation had registered within that checkpoint (as type 0x04 keys named after it).
 */
export function verifyCosignatureLine(
  checkpointNote: string,
  line: string,
  registry: KeyRegistry,
  size: number,
): { name: string; timestamp: number } {
  const body = checkpointBody(checkpointNote);
  const note = ledger.parseNote(`${body}\n${normaliseLine(line)}`);
  const signature = note.signatures[0];
  if (note.signatures.length !== 1 || !signature) {
    throw new TruceError('LEDGER_CHECKPOINT_INVALID', 'a cosignature is one signature line');
  }
  const verifiers = registry
    .keysOf(signature.name, size)
    .map((key) =>
      ledger.noteVerifier(signature.name, key.publicKey, ledger.signatureTypes.cosignatureV1),
    );
  if (verifiers.length === 0) {
    throw new TruceError(
      'LEDGER_KEY_INVALID',
      `${signature.name} has no key registered in the log at size ${size}; register its key first`,
    );
  }
  const verified = ledger.verifyNote(`${body}\n${normaliseLine(line)}`, verifiers).verified[0];
  if (!verified || verified.timestamp === undefined) {
    throw new TruceError(
      'LEDGER_SIGNATURE_INVALID',
      `the line by ${signature.name} is not a cosignature/v1 signature`,
    );
  }
  return { name: signature.name, timestamp: verified.timestamp };
}

/** The checkpoint body (the signed text) of a signed note. */
export function checkpointBody(note: string): string {
  return ledger.parseNote(note).text;
}
