import { ledger, TruceError } from '@truce/core';
import type { AppendRequest, CosignatureRecord, Receipt, Store } from '../store/index.js';
import { Checkpointer, type CheckpointerOptions } from './checkpointer.js';
import { KeyRegistry } from './key-registry.js';
import { genesisEnvelope, type LogIdentity, sha256Hex } from './log-identity.js';
import { type InclusionPromise, signPromise } from './statements.js';

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

const keyEventTypes = new Set(['key_registered', 'key_revoked']);

function isKeyEvent(value: unknown): boolean {
  const event = (value as { event?: { type?: unknown } } | null)?.event;
  return typeof event?.type === 'string' && keyEventTypes.has(event.type);
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
 */
export class Ledger {
  readonly store: Store;
  readonly identity: LogIdentity;
  #registry: KeyRegistry;
  readonly #checkpointer: Checkpointer;
  readonly #lock = new SharedExclusiveLock();

  private constructor(
    store: Store,
    identity: LogIdentity,
    registry: KeyRegistry,
    options: LedgerOptions,
  ) {
    this.store = store;
    this.identity = identity;
    this.#registry = registry;
    this.#checkpointer = new Checkpointer(store, identity, options.checkpointer);
  }

  /**
   * Opens the ledger on a store: replays the key events to rebuild the registry, and on an empty
   * store writes the genesis entry (the operator's registration of the log key) and a first
   * checkpoint. Refuses a store whose genesis names another log key.
   */
  static async open(
    store: Store,
    identity: LogIdentity,
    options: LedgerOptions = {},
  ): Promise<Ledger> {
    const registry = await replayRegistry(store);
    const service = new Ledger(store, identity, registry, options);
    if (registry.operator === undefined) {
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

  get registry(): KeyRegistry {
    return this.#registry;
  }

  /**
   * Verifies and appends envelopes, in order, all or none. Throws LEDGER_SIGNATURE_INVALID,
   * LEDGER_KEY_INVALID, EVENT_INVALID, LEDGER_ENTRY_INVALID (with the index in the details), or
   * the store's CONFLICT. A retry with the same idempotency key and content gets the original
   * receipt.
   */
  submit(envelopes: readonly unknown[]): Promise<LedgerReceipt[]> {
    if (envelopes.length === 0) return Promise.resolve([]);
    return envelopes.some(isKeyEvent)
      ? this.#lock.exclusive(() => this.#submitWithKeys(envelopes))
      : this.#lock.shared(() => this.#submit(envelopes));
  }

  async #submit(values: readonly unknown[]): Promise<LedgerReceipt[]> {
    const requests = values
      .map((value, index) => at(index, () => this.#registry.admit(value, Number.MAX_SAFE_INTEGER)))
      .map(({ envelope }) => appendRequest(envelope));
    return this.#append(requests);
  }

  async #submitWithKeys(values: readonly unknown[]): Promise<LedgerReceipt[]> {
    // Admitted one by one against a copy that already holds the batch's earlier key events;
    // the copy replaces the registry only once the store has the entries.
    const draft = await replayRegistry(this.store, this.#registry);
    const base = await this.store.size();
    const admitted = values.map((value, index) =>
      at(index, () => {
        const entry = draft.admit(value, base + index);
        draft.apply(entry.envelope, entry.event, base + index);
        return entry;
      }),
    );
    const receipts = await this.#append(admitted.map(({ envelope }) => appendRequest(envelope)));
    const moved = receipts.some(
      (receipt, index) => !receipt.idempotent && receipt.seq !== base + index,
    );
    // Another process appended meanwhile: positions moved, so rebuild from the log itself.
    this.#registry = moved ? await replayRegistry(this.store) : draft;
    return receipts;
  }

  async #append(requests: AppendRequest[]): Promise<LedgerReceipt[]> {
    const receipts = await this.store.append(requests);
    this.#checkpointer.notify();
    return receipts.map((receipt) => ({
      ...receipt,
      promise: signPromise(
        {
          origin: this.identity.origin,
          seq: receipt.seq,
          leafHash: receipt.leafHash,
          appendedAt: receipt.appendedAt,
        },
        this.identity.privateKey,
      ),
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
      size === undefined
        ? await this.store.latestCheckpoint()
        : (await this.store.checkpoints()).find((c) => c.size === size);
    if (!record) {
      throw new TruceError('NOT_FOUND', `no checkpoint of size ${size ?? '(latest)'} to cosign`);
    }
    const witness = verifyCosignatureLine(record.text, line, this.#registry, record.size);
    return this.store.saveCosignature(record.size, witness.name, normaliseLine(line));
  }

  /** The organisations that cosigned the checkpoint of `size` (default: the latest). */
  async cosigners(size?: number): Promise<Cosigner[]> {
    const checkpointSize = size ?? (await this.store.latestCheckpoint())?.size;
    if (checkpointSize === undefined) return [];
    const records = await this.store.cosignatures(checkpointSize);
    const checkpoint = (await this.store.checkpoints()).find((c) => c.size === checkpointSize);
    if (!checkpoint) return [];
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

  /** Signs a last checkpoint; the store stays open (its owner closes it). */
  close(): Promise<void> {
    return this.#checkpointer.close();
  }
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

function appendRequest(envelope: ledger.SignedEnvelope): AppendRequest {
  const entry = ledger.envelopeEntryBytes(envelope);
  return {
    entry,
    eventId: envelope.id,
    org: envelope.org,
    idempotencyKey: envelope.idempotencyKey,
    contentHash: sha256Hex(entry),
  };
}

/**
 * The registry as of the whole log, from its key events. With `from`, a copy of it (used as a
 * draft for a batch with key events). Entries were checked when appended, so replay trusts them.
 */
async function replayRegistry(store: Store, from?: KeyRegistry): Promise<KeyRegistry> {
  if (from) return from.clone();
  const registry = new KeyRegistry();
  const size = await store.size();
  const page = 1000;
  for (let seq = 0; seq < size; seq += page) {
    for (const stored of await store.entries(seq, page)) {
      const text = new TextDecoder().decode(stored.entry);
      if (!text.includes('"key_re')) continue;
      const { envelope, event } = registry.admit(JSON.parse(text), stored.seq);
      registry.apply(envelope, event, stored.seq);
    }
  }
  return registry;
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
