import {
  createEvaluator,
  type Evaluation,
  type Evaluator,
  parseEvent,
  TruceError,
} from '@truce/core';
import type { Store, StoredEntry } from '../../store/index.js';
import type { AgreementsService } from '../agreements/agreements-service.js';

const keyEventTypes = new Set(['key_registered', 'key_revoked']);
const decoder = new TextDecoder();

/** The envelope of a stored entry, as JSON. */
export function decodeEntry(entry: StoredEntry): {
  v: number;
  id: string;
  org: string;
  keyId: string;
  idempotencyKey: string;
  event: { type: string; source: string; occurredAt: string } & Record<string, unknown>;
  sig: string;
} {
  return JSON.parse(decoder.decode(entry.entry));
}

interface Cached {
  agreementId: string;
  fingerprint: string;
  evaluator: Evaluator;
  nextSeq: number;
  /** Evaluations already made with this evaluator, by ledger size and asOf (most recent last). */
  evaluations: Map<string, Evaluation>;
}

/** Requests without `asOf` within this many milliseconds share one evaluation (docs/API.md). */
export const statusGranularityMs = 1000;
/** Evaluations kept per evaluator: a few asOf values asked at once by dashboards and scripts. */
const keptEvaluations = 16;
/**
 * Evaluators kept, one per agreement: the current one and a few others asked by id. With one
 * only, requests alternating between two agreements rebuilt it from the first entry each time,
 * a cost that grew with the ledger.
 */
const keptEvaluators = 4;

/**
 * An incremental evaluator of the current agreement, fed by the log in sequence order. Each
 * request first reads the entries appended since (by any process: it reads the store, not
 * memory), so status is current and costs at most one evaluation plus the new events. Status is
 * derived, never stored: the evaluator, and the evaluations it made, are a cache keyed by the
 * ledger position and the agreement's versions, rebuilt when a version is uploaded. Without an
 * explicit `asOf`, status is evaluated at now, and every request of
 * that second on the same ledger gets the same evaluation (and the same bytes and ETag).
 */
export class StatusService {
  readonly #store: Store;
  readonly #agreements: AgreementsService;
  readonly #clock: () => Date;
  /** By agreement id, the least recently used first. */
  readonly #cached = new Map<string, Cached>();
  #queue: Promise<unknown> = Promise.resolve();
  /** Evaluations queued but not started yet, by asOf and agreement: later callers join them. */
  readonly #waiting = new Map<string, Promise<{ evaluation: Evaluation; ledgerSize: number }>>();

  constructor(store: Store, agreements: AgreementsService, clock: () => Date) {
    this.#store = store;
    this.#agreements = agreements;
    this.#clock = clock;
  }

  /**
   * The evaluation at `asOf` (default now: the first request of the second) and the ledger size it
   * covers. The same position, agreement versions and asOf give the same Evaluation object:
   * treat it as read-only.
   */
  evaluation(
    asOf?: string,
    agreementId?: string,
  ): Promise<{ evaluation: Evaluation; ledgerSize: number }> {
    // Requests that arrive while an evaluation runs, or in the same turn of the event loop,
    // share the next one: it starts after they arrived, so it reads every entry committed
    // before them, and the busier the server the fewer evaluations it makes (a dashboard's
    // readers all ask the same question). The turn matters on PGlite, whose queries run on this
    // thread: a run there never waits for I/O, so nothing would arrive while it runs.
    const key = `${asOf ?? ''} ${agreementId ?? ''}`;
    const waiting = this.#waiting.get(key);
    if (waiting) return waiting;
    // One catch-up at a time: the evaluator is not safe to feed from two reads at once.
    const run = this.#queue.then(nextTurn).then(() => {
      this.#waiting.delete(key);
      return this.#evaluate(asOf, agreementId);
    });
    this.#waiting.set(key, run);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #evaluate(
    asOf: string | undefined,
    requested: string | undefined,
  ): Promise<{ evaluation: Evaluation; ledgerSize: number }> {
    const { currentId, fingerprint } = await this.#agreements.state();
    const id = requested ?? currentId;
    if (id === undefined) {
      throw new TruceError(
        'NOT_FOUND',
        'no agreement has been uploaded yet; a mediator uploads one with POST /api/v1/agreements',
      );
    }
    let cached = this.#cached.get(id);
    if (!cached || cached.fingerprint !== fingerprint) {
      const versions = await this.#agreements.versions(id);
      if (versions.length === 0) throw new TruceError('NOT_FOUND', `no agreement ${id}`);
      cached = {
        agreementId: id,
        fingerprint,
        evaluator: createEvaluator(versions),
        nextSeq: 0,
        evaluations: new Map(),
      };
    }
    this.#cached.delete(id);
    this.#cached.set(id, cached);
    if (this.#cached.size > keptEvaluators) {
      this.#cached.delete(this.#cached.keys().next().value!);
    }
    const feed = (entries: readonly StoredEntry[]) => {
      for (const entry of entries) {
        const { event } = decodeEntry(entry);
        // The ledger admitted it against the schema; parsing again applies defaults.
        if (!keyEventTypes.has(event.type)) cached.evaluator.append(parseEvent(event));
        cached.nextSeq = entry.seq + 1;
      }
    };
    // The only writer of its log (PGlite) has its latest entries in memory: a status then never
    // waits for the database, which may be busy flushing a batch to a slow disk.
    const recent = this.#store.committedSince?.(cached.nextSeq);
    if (recent) feed(recent);
    else {
      const page = 2000;
      for (;;) {
        const entries = await this.#store.entries(cached.nextSeq, page);
        feed(entries);
        if (entries.length < page) break;
      }
    }
    // Without asOf: the requests of one second over the same ledger share one evaluation, made
    // at the exact instant of the first of them. Not at the second rounded down: an event
    // reported in this second (reportedAt after the rounded instant) would not count yet, and
    // the status read right after its append — the one a live dashboard makes — would miss it.
    const now = this.#clock();
    const key =
      asOf === undefined
        ? `${cached.nextSeq} now ${Math.floor(now.getTime() / statusGranularityMs)}`
        : `${cached.nextSeq} ${asOf}`;
    let evaluation = cached.evaluations.get(key);
    if (evaluation === undefined) {
      evaluation = cached.evaluator.evaluate(asOf ?? now.toISOString());
      cached.evaluations.set(key, evaluation);
      if (cached.evaluations.size > keptEvaluations) {
        // Insertion order: the first key is the oldest.
        cached.evaluations.delete(cached.evaluations.keys().next().value!);
      }
    }
    return { evaluation, ledgerSize: cached.nextSeq };
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
