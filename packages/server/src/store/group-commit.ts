import { TruceError } from '@truce/core';
import type { PendingAppend } from './sequencer.js';
import type { AppendPrecondition, AppendRequest, GroupCommitOptions, Receipt } from './store.js';

const defaultMaxBatch = 1000;

export function maxBatchOf(options: GroupCommitOptions): number {
  if (options.groupCommit === false) return 1;
  const maxBatch = options.maxBatch ?? defaultMaxBatch;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) {
    throw new TruceError('USAGE', `maxBatch must be a positive integer, not ${maxBatch}.`);
  }
  return maxBatch;
}

// The routes validate requests; this only keeps a caller's slip out of an insert-only table.
function isWellFormed(request: AppendRequest): boolean {
  return (
    request.entry instanceof Uint8Array &&
    (request.kind === undefined || (typeof request.kind === 'string' && request.kind.length > 0)) &&
    [request.eventId, request.org, request.idempotencyKey, request.contentHash].every(
      (field) => typeof field === 'string' && field.length > 0,
    )
  );
}

/**
 * Waits for the admission of every call of a batch that has one (`Store.append`'s `admitted`);
 * throws `NotAdmitted` if any was refused. A store calls it before it commits, after its writes.
 */
export type Admission = () => Promise<void>;

/** Some calls of a batch were refused admission: the store rolls back, the queue goes on. */
export class NotAdmitted extends Error {
  readonly refused: ReadonlyMap<PendingAppend, unknown>;

  constructor(refused: ReadonlyMap<PendingAppend, unknown>) {
    super(`${refused.size} append call(s) of the batch were not admitted`);
    this.refused = refused;
  }
}

function admissionOf(batch: readonly PendingAppend[]): Admission | undefined {
  const waiting = batch.filter((call) => call.admitted !== undefined);
  if (waiting.length === 0) return undefined;
  return async () => {
    const outcomes = await Promise.allSettled(waiting.map((call) => call.admitted));
    const refused = new Map<PendingAppend, unknown>();
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'rejected') refused.set(waiting[index]!, outcome.reason);
    });
    if (refused.size > 0) throw new NotAdmitted(refused);
  };
}

/**
 * The single writer of a store. Calls to `append` queue here; one batch at a time is handed to
 * `commit`, which writes it in one transaction and settles its calls. Calls that arrive while a
 * batch is committing form the next batch, so under load one flush serves many events while a
 * lone append waits for nothing but its own transaction.
 */
export class GroupCommitQueue {
  readonly #commit: (batch: PendingAppend[], admit: Admission | undefined) => Promise<void>;
  readonly #maxBatch: number;
  #queue: PendingAppend[] = [];
  #draining: Promise<void> | undefined;
  #closed = false;

  /**
   * `commit` must settle every call of the batch; if it throws, they are all rejected. When the
   * batch has calls awaiting admission, it gets `admit`, which it must await before it commits
   * (and may await first, writing nothing before); if that throws `NotAdmitted`, `commit` must
   * have stored nothing and rethrow it: the refused calls are rejected with their reasons and
   * the others committed again without them.
   */
  constructor(
    commit: (batch: PendingAppend[], admit: Admission | undefined) => Promise<void>,
    maxBatch: number,
  ) {
    this.#commit = commit;
    this.#maxBatch = maxBatch;
  }

  submit(
    requests: readonly AppendRequest[],
    precondition?: AppendPrecondition,
    admitted?: Promise<unknown>,
  ): Promise<Receipt[]> {
    // Awaited later, or never if the call is refused first: not an unhandled rejection.
    admitted?.catch(() => {});
    if (this.#closed) {
      return Promise.reject(
        new TruceError('INTERNAL', 'The store is closed; open it again before appending.'),
      );
    }
    if (requests.length === 0) return Promise.resolve([]);
    const malformed = requests.findIndex((request) => !isWellFormed(request));
    if (malformed !== -1) {
      return Promise.reject(
        new TruceError(
          'USAGE',
          `Append request ${malformed} needs entry bytes and non-empty eventId, org, idempotencyKey and contentHash.`,
        ),
      );
    }
    return new Promise<Receipt[]>((resolve, reject) => {
      this.#queue.push({
        requests,
        resolve,
        reject,
        ...(precondition ? { precondition } : {}),
        ...(admitted ? { admitted } : {}),
      });
      // setImmediate rather than starting now: calls made in the same turn of the event loop
      // (a Promise.all of appends, several requests read from one socket) share the batch.
      this.#draining ??= new Promise<void>((done) => setImmediate(done)).then(() => this.#drain());
    });
  }

  /** Stops accepting appends and waits for the queued ones to commit. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#draining;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      await this.#run(this.#takeBatch());
    }
    this.#draining = undefined;
  }

  async #run(batch: PendingAppend[]): Promise<void> {
    try {
      await this.#commit(batch, admissionOf(batch));
    } catch (error) {
      if (!(error instanceof NotAdmitted)) {
        for (const call of batch) call.reject(error);
        return;
      }
      for (const [call, reason] of error.refused) call.reject(reason);
      // The others were admitted (every admission has settled): they commit without waiting.
      const admitted = batch.filter((call) => !error.refused.has(call));
      if (admitted.length > 0) await this.#run(admitted);
    }
  }

  #takeBatch(): PendingAppend[] {
    let entries = 0;
    let count = 0;
    for (const call of this.#queue) {
      // A call is never split; the first one goes even when it alone exceeds the limit.
      if (count > 0 && entries + call.requests.length > this.#maxBatch) break;
      entries += call.requests.length;
      count += 1;
    }
    return this.#queue.splice(0, count);
  }
}
