import type { EventOf, EventType, TruceEvent } from '../events/schema.js';

/** Named groups of event ids in a scenario: the events that make up each documented case. */
export type ScenarioMarks = Record<string, string[]>;

export interface Scenario {
  seed: number;
  events: TruceEvent[];
  marks: ScenarioMarks;
}

/** A handle on an event not yet numbered; its id is known only once the scenario is built. */
export interface DraftRef {
  readonly index: number;
}

interface Draft {
  type: EventType;
  source: string;
  occurredAt: string;
  reportedAt: string;
  payload: unknown;
  occurredMs: number;
  reportedMs: number;
  index: number;
  marks: string[];
  /** Fields holding draft references, resolved to ids at build time. */
  resolve?: (idOf: (ref: DraftRef) => string) => unknown;
}

export interface AddOptions {
  mark?: string | string[];
}

/**
 * Collects events in any order and numbers them in the order a ledger would receive them
 * (by `reportedAt`, then `occurredAt`, then insertion), so that ids like `e-000123` are stable
 * for a seed and follow the feed. Events that cite other events (corrections, disputes) are
 * given a function that receives the final ids.
 */
export class ScenarioBuilder {
  private readonly drafts: Draft[] = [];

  constructor(private readonly epoch: (instant: string) => number) {}

  add<T extends EventType>(
    type: T,
    source: string,
    occurredAt: string,
    reportedAt: string,
    payload: EventOf<T>['payload'] | ((idOf: (ref: DraftRef) => string) => EventOf<T>['payload']),
    options: AddOptions = {},
  ): DraftRef {
    const occurredMs = this.epoch(occurredAt);
    const reportedMs = this.epoch(reportedAt);
    if (reportedMs < occurredMs) {
      throw new RangeError(`${type} reported (${reportedAt}) before it occurred (${occurredAt})`);
    }
    const index = this.drafts.length;
    const marks = options.mark === undefined ? [] : [options.mark].flat();
    this.drafts.push({
      type,
      source,
      occurredAt,
      reportedAt,
      payload: typeof payload === 'function' ? undefined : payload,
      occurredMs,
      reportedMs,
      index,
      marks,
      ...(typeof payload === 'function' ? { resolve: payload } : {}),
    });
    return { index };
  }

  build(seed: number, idPrefix = 'e-', idWidth = 6): Scenario {
    const ordered = [...this.drafts].sort(
      (a, b) => a.reportedMs - b.reportedMs || a.occurredMs - b.occurredMs || a.index - b.index,
    );
    const ids = new Map<number, string>();
    ordered.forEach((draft, position) => {
      ids.set(draft.index, `${idPrefix}${String(position + 1).padStart(idWidth, '0')}`);
    });
    const idOf = (ref: DraftRef): string => {
      const id = ids.get(ref.index);
      if (id === undefined) throw new RangeError(`no event at draft ${ref.index}`);
      return id;
    };
    const marks: ScenarioMarks = {};
    const events = ordered.map((draft) => {
      const id = idOf(draft);
      for (const mark of draft.marks) marks[mark] = [...(marks[mark] ?? []), id];
      return {
        id,
        type: draft.type,
        occurredAt: draft.occurredAt,
        reportedAt: draft.reportedAt,
        source: draft.source,
        payload: draft.resolve ? draft.resolve(idOf) : draft.payload,
      } as TruceEvent;
    });
    return { seed, events, marks };
  }
}

/** One event per line, in feed order, ending with a newline: the committed `.jsonl` format. */
export function toJsonLines(events: readonly TruceEvent[]): string {
  let text = '';
  for (const event of events) text += `${JSON.stringify(event)}\n`;
  return text;
}

/** `H-0001`, `P-0420`: pseudonymous placeholders, never a name. */
export function placeholderId(prefix: 'H' | 'P', n: number): string {
  return `${prefix}-${String(n).padStart(4, '0')}`;
}
