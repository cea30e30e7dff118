import { type KeyObject, verify } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { ledger } from '@truce/core';
import { startWorker } from '../worker-module.js';
import type { VerifyAnswer, VerifyBatch } from './verify-thread.js';

/** One signature to check: the signed bytes, the signature and the signer's public key. */
export interface SignatureCheck {
  bytes: Uint8Array;
  publicKey: KeyObject;
  signature: Uint8Array;
}

/** Checks sent to a thread at once as soon as this many have gathered in a turn. */
const chunkSize = 16;

interface Pending {
  checks: SignatureCheck[];
  resolve: (valid: boolean[]) => void;
}

/** A verification thread and the batches it has not answered yet. */
interface Thread {
  worker: Worker;
  waiting: Map<number, Pending>;
  /** Signatures sent and not answered: the next batch goes to the least loaded thread. */
  load: number;
}

const rawKeys = new WeakMap<KeyObject, Uint8Array>();

function rawKeyOf(key: KeyObject): Uint8Array {
  let raw = rawKeys.get(key);
  if (!raw) {
    raw = ledger.rawPublicKey(key);
    rawKeys.set(key, raw);
  }
  return raw;
}

/** Ed25519 verification on libuv's thread pool; false for anything that does not verify. */
function verifyOnPool({ bytes, publicKey, signature }: SignatureCheck): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      verify(null, bytes, publicKey, signature, (error, valid) => resolve(!error && valid));
    } catch {
      resolve(false);
    }
  });
}

const verifyAllOnPool = (checks: readonly SignatureCheck[]): Promise<boolean[]> =>
  Promise.all(checks.map(verifyOnPool));

/**
 * Ed25519 verification on threads of its own (one per core, started on first use, keeping the
 * process alive only while they have checks to answer). The checks that arrive in one turn of the event loop are sent in batches
 * of up to 16 as they arrive, with the rest at the end of the turn: each batch is one message with
 * transferred buffers. A thread that fails hands its unanswered checks to libuv's pool, which
 * verifies them (a signature is never taken as valid without being verified), and is not used
 * again; with no thread left, every check goes to the pool.
 */
export class SignatureVerifier {
  readonly #size: number;
  #threads: Thread[] | undefined;
  #nextId = 1;
  #queue: Pending[] = [];
  #queued = 0;
  #flushScheduled = false;

  constructor(threads = Math.min(4, Math.max(1, availableParallelism()))) {
    this.#size = threads;
  }

  /** Whether each check verified, in order. Never rejects. */
  verifyAll(checks: readonly SignatureCheck[]): Promise<boolean[]> {
    if (checks.length === 0) return Promise.resolve([]);
    const threads = this.#started();
    if (threads.length === 0) return verifyAllOnPool(checks);
    return new Promise((resolve) => {
      this.#queue.push({ checks: [...checks], resolve });
      this.#queued += checks.length;
      if (this.#queued >= chunkSize) this.#flush();
      else if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => {
          this.#flushScheduled = false;
          this.#flush();
        });
      }
    });
  }

  /** Stops the threads (tests; the threads never keep the process alive anyway). */
  async close(): Promise<void> {
    const threads = this.#threads ?? [];
    this.#threads = [];
    await Promise.all(threads.map((thread) => this.#fail(thread, true)));
  }

  /** How many threads verify now (0: libuv's pool does). */
  get threads(): number {
    return this.#started().length;
  }

  /**
   * Ends one thread as a crash would (tests): its unanswered checks go to libuv's pool. Resolves
   * once the thread has exited.
   */
  async crashThread(index = 0): Promise<void> {
    const thread = this.#started()[index];
    if (!thread) return;
    const exited = new Promise((resolve) => thread.worker.once('exit', resolve));
    await thread.worker.terminate();
    await exited;
  }

  #started(): Thread[] {
    if (this.#threads) return this.#threads;
    this.#threads = [];
    for (let i = 0; i < this.#size; i++) {
      try {
        this.#threads.push(this.#startThread());
      } catch {
        // No thread: the pool verifies.
      }
    }
    return this.#threads;
  }

  #startThread(): Thread {
    const worker = startWorker('ledger/verify-thread', ['ledger/verify-thread'], {
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 32 },
    });
    const thread: Thread = { worker, waiting: new Map(), load: 0 };
    worker.on('message', (answer: VerifyAnswer) => {
      const pending = thread.waiting.get(answer.id);
      if (!pending) return;
      thread.waiting.delete(answer.id);
      thread.load -= pending.checks.length;
      if (thread.waiting.size === 0) worker.unref();
      pending.resolve(Array.from(answer.valid, (byte) => byte === 1));
    });
    worker.on('error', () => void this.#fail(thread, false));
    worker.on('exit', () => void this.#fail(thread, false));
    // Idle, a thread does not keep the process alive; with checks out it does, or a process with
    // nothing else to wait for would exit before their answers (`#send` refs it). After the
    // listeners: adding one refs the worker's port again.
    worker.unref();
    return thread;
  }

  /** Takes a thread out of use; its unanswered checks are verified on libuv's pool. */
  async #fail(thread: Thread, terminate: boolean): Promise<void> {
    if (this.#threads) this.#threads = this.#threads.filter((other) => other !== thread);
    const waiting = [...thread.waiting.values()];
    thread.waiting.clear();
    thread.load = 0;
    for (const pending of waiting) void verifyAllOnPool(pending.checks).then(pending.resolve);
    if (terminate) await thread.worker.terminate();
  }

  #flush(): void {
    const queue = this.#queue;
    this.#queue = [];
    this.#queued = 0;
    if (queue.length === 0) return;
    const threads = this.#threads ?? [];
    if (threads.length === 0) {
      for (const pending of queue) void verifyAllOnPool(pending.checks).then(pending.resolve);
      return;
    }
    // One batch of every check queued, split among the threads when it is large.
    const checks = queue.flatMap((pending) => pending.checks);
    const parts = Math.min(threads.length, Math.ceil(checks.length / chunkSize));
    const per = Math.ceil(checks.length / parts);
    const batches: Promise<boolean[]>[] = [];
    for (let from = 0; from < checks.length; from += per) {
      batches.push(this.#send(checks.slice(from, from + per)));
    }
    void Promise.all(batches).then((results) => {
      const valid = results.flat();
      let next = 0;
      for (const pending of queue) {
        pending.resolve(valid.slice(next, next + pending.checks.length));
        next += pending.checks.length;
      }
    });
  }

  #send(checks: SignatureCheck[]): Promise<boolean[]> {
    const threads = this.#threads ?? [];
    let thread = threads[0];
    for (const other of threads) if (thread && other.load < thread.load) thread = other;
    if (!thread) return verifyAllOnPool(checks);
    let total = 0;
    for (const check of checks) total += check.bytes.length;
    const bytes = new Uint8Array(total);
    const ends = new Uint32Array(checks.length);
    const signatures = new Uint8Array(checks.length * 64);
    const keys = new Uint8Array(checks.length * 32);
    const usable = new Uint8Array(checks.length);
    let offset = 0;
    checks.forEach((check, i) => {
      bytes.set(check.bytes, offset);
      offset += check.bytes.length;
      ends[i] = offset;
      // A signature of another length never verifies: the thread gets zeros and the answer false.
      if (check.signature.length === 64) {
        signatures.set(check.signature, i * 64);
        usable[i] = 1;
      }
      try {
        keys.set(rawKeyOf(check.publicKey), i * 32);
      } catch {
        usable[i] = 0;
      }
    });
    const id = this.#nextId++;
    const target = thread;
    return new Promise((resolve) => {
      target.waiting.set(id, {
        checks,
        resolve: (valid) => resolve(valid.map((ok, i) => ok && usable[i] === 1)),
      });
      if (target.waiting.size === 1) target.worker.ref();
      target.load += checks.length;
      const batch: VerifyBatch = { id, bytes, ends, signatures, keys };
      target.worker.postMessage(batch, [bytes.buffer, ends.buffer, signatures.buffer, keys.buffer]);
    });
  }
}

/** The process's verifier, shared by its ledgers. */
export const sharedVerifier = new SignatureVerifier();
