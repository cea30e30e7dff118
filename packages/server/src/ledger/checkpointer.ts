import { ledger } from '@truce/core';
import type { CheckpointRecord, Store } from '../store/index.js';
import type { LogIdentity } from './log-identity.js';

/** Timers behind an interface so that tests drive the checkpointer with fake time. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface CheckpointerOptions {
  /**
   * How long after the first unsigned append to sign (default 200 ms): long enough to cover a
   * burst of appends with one checkpoint, short enough to keep the receipts' 1 s promise with
   * room for the signing and the store's write.
   */
  delayMs?: number;
  timers?: Timers;
  /** Where failures go; the next append schedules another attempt. */
  onError?: (error: unknown) => void;
}

/**
 * Signs a C2SP checkpoint of the log's current size, with the log key, shortly after appends,
 * and saves it in the store. Runs are serialised, and a run that finds a checkpoint at least as
 * large (another process, an earlier run) does nothing, so checkpoint sizes only grow.
 */
export class Checkpointer {
  readonly #store: Store;
  readonly #identity: LogIdentity;
  readonly #delayMs: number;
  readonly #timers: Timers;
  readonly #onError: (error: unknown) => void;
  #timer: unknown;
  #running: Promise<CheckpointRecord | undefined> = Promise.resolve(undefined);
  #closed = false;

  constructor(store: Store, identity: LogIdentity, options: CheckpointerOptions = {}) {
    this.#store = store;
    this.#identity = identity;
    this.#delayMs = options.delayMs ?? 200;
    this.#timers = options.timers ?? systemTimers;
    this.#onError = options.onError ?? (() => {});
  }

  /** Call after every append: schedules one checkpoint for however many appends follow. */
  notify(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.checkpoint().catch(this.#onError);
    }, this.#delayMs);
  }

  /** Signs and saves a checkpoint of the current size now, unless one already covers it. */
  checkpoint(): Promise<CheckpointRecord | undefined> {
    const run = this.#running.catch(() => undefined).then(() => this.#sign());
    this.#running = run;
    return run;
  }

  async #sign(): Promise<CheckpointRecord | undefined> {
    const size = await this.#store.size();
    const latest = await this.#store.latestCheckpoint();
    if (latest && latest.size >= size) return latest;
    const rootHash = await this.#store.root(size);
    const text = ledger.signCheckpoint(
      { origin: this.#identity.origin, size, rootHash, extensions: [] },
      this.#identity.signer,
    );
    return this.#store.saveCheckpoint(size, text);
  }

  /** Stops scheduling and signs what is left. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.checkpoint();
  }
}
