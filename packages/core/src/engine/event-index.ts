import { payloadSchemas, type TruceEvent } from '../events/schema.js';
import type { Calendar } from './calendar.js';
import type { CompiledMatch } from './match.js';

/**
 * The engine's memory of the events: every event by id, corrections and retractions attached to
 * the event they revise, and per-match "slots" bucketed by day with running sums. Appending an
 * event costs O(matches of its type); evaluating reads the buckets, not the events, so the
 * incremental evaluator stays cheap at a million events.
 *
 * Nothing here depends on the order events arrive in: sums commute, revisions are kept as a set
 * and the effective version of an event is chosen by (reportedAt, id), never by arrival.
 */

export interface Revision {
  event: Extract<TruceEvent, { type: 'correction' | 'retraction' }>;
  occurredAt: number;
  reportedAt: number;
  /** Retractions of this revision (a retracted correction no longer applies). */
  voidedBy: Revision[];
  root: EventRecord | null;
}

export interface EventRecord {
  id: string;
  event: TruceEvent;
  occurredAt: number;
  reportedAt: number;
  day: number;
  revisions: Revision[];
}

export interface Effective {
  event: TruceEvent;
  record: EventRecord;
  /** The correction that gave this version, when one applies. */
  correctedBy: string | null;
}

export interface Bucket {
  plain: EventRecord[];
  revised: EventRecord[];
  /** quantity key → source → sum over `plain`. */
  sums: Map<string, Map<string, number>>;
  /** Latest occurredAt/reportedAt of anything in the bucket: below it, sums need a filtered rescan. */
  maxTime: number;
  /** Bumped on every change, so that per-day results can be cached by the kinds. */
  version: number;
}

export type Quantity = (event: TruceEvent) => number;

export class Slot {
  readonly buckets = new Map<number, Bucket>();
  readonly quantities = new Map<string, Quantity>();
  private readonly members = new Set<string>();
  private sortedDays: number[] | null = null;
  maxTime = Number.NEGATIVE_INFINITY;
  version = 0;
  private memo: { asOf: number; version: number; value: Effective[] } | null = null;

  constructor(
    readonly match: CompiledMatch,
    private readonly index: EventIndex,
  ) {}

  addQuantity(key: string, quantity: Quantity): void {
    this.quantities.set(key, quantity);
  }

  has(record: EventRecord): boolean {
    return this.members.has(record.id);
  }

  private bucket(day: number): Bucket {
    let bucket = this.buckets.get(day);
    if (!bucket) {
      bucket = {
        plain: [],
        revised: [],
        sums: new Map(),
        maxTime: Number.NEGATIVE_INFINITY,
        version: 0,
      };
      this.buckets.set(day, bucket);
      this.sortedDays = null;
    }
    return bucket;
  }

  private touch(bucket: Bucket, time: number): void {
    bucket.version++;
    if (time > bucket.maxTime) bucket.maxTime = time;
    if (time > this.maxTime) this.maxTime = time;
    this.version++;
  }

  addPlain(record: EventRecord): void {
    this.members.add(record.id);
    const bucket = this.bucket(record.day);
    bucket.plain.push(record);
    for (const [key, quantity] of this.quantities) {
      let bySource = bucket.sums.get(key);
      if (!bySource) {
        bySource = new Map();
        bucket.sums.set(key, bySource);
      }
      const source = record.event.source;
      bySource.set(source, (bySource.get(source) ?? 0) + quantity(record.event));
    }
    this.touch(bucket, Math.max(record.occurredAt, record.reportedAt));
  }

  /** Once revised, an event's contribution depends on `asOf`: move it out of the running sums. */
  markRevised(record: EventRecord, time: number): void {
    const bucket = this.bucket(record.day);
    if (this.members.has(record.id)) {
      const at = bucket.plain.indexOf(record);
      if (at >= 0) {
        bucket.plain.splice(at, 1);
        for (const [key, quantity] of this.quantities) {
          const bySource = bucket.sums.get(key);
          const source = record.event.source;
          if (bySource) bySource.set(source, (bySource.get(source) ?? 0) - quantity(record.event));
        }
        bucket.revised.push(record);
      }
    } else {
      this.members.add(record.id);
      bucket.revised.push(record);
    }
    this.touch(bucket, time);
  }

  remove(record: EventRecord): void {
    if (!this.members.delete(record.id)) return;
    const bucket = this.bucket(record.day);
    const plainAt = bucket.plain.indexOf(record);
    if (plainAt >= 0) {
      bucket.plain.splice(plainAt, 1);
      for (const [key, quantity] of this.quantities) {
        const bySource = bucket.sums.get(key);
        const source = record.event.source;
        if (bySource) bySource.set(source, (bySource.get(source) ?? 0) - quantity(record.event));
      }
    }
    const revisedAt = bucket.revised.indexOf(record);
    if (revisedAt >= 0) bucket.revised.splice(revisedAt, 1);
    bucket.version++;
    this.version++;
  }

  bucketAt(day: number): Bucket | undefined {
    return this.buckets.get(day);
  }

  days(): number[] {
    if (!this.sortedDays) this.sortedDays = [...this.buckets.keys()].sort((a, b) => a - b);
    return this.sortedDays;
  }

  /** Source → sum of `quantityKey` over the day's matching events known at `asOf`. */
  daySums(day: number, quantityKey: string, asOf: number): Map<string, number> {
    const bucket = this.buckets.get(day);
    const out = new Map<string, number>();
    if (!bucket) return out;
    const quantity = this.quantities.get(quantityKey);
    if (!quantity) throw new Error(`quantity ${quantityKey} not registered`);
    const add = (source: string, amount: number) =>
      out.set(source, (out.get(source) ?? 0) + amount);
    if (asOf >= bucket.maxTime) {
      for (const [source, sum] of bucket.sums.get(quantityKey) ?? [])
        if (sum !== 0) add(source, sum);
    } else {
      for (const record of bucket.plain) {
        if (known(record, asOf)) add(record.event.source, quantity(record.event));
      }
    }
    for (const record of bucket.revised) {
      const effective = this.index.effective(record, asOf);
      if (effective && this.match.test(effective.event))
        add(effective.event.source, quantity(effective.event));
    }
    return out;
  }

  /** The day's matching events known at `asOf`, as they stand after corrections, in time order. */
  dayRecords(day: number, asOf: number): Effective[] {
    const bucket = this.buckets.get(day);
    if (!bucket) return [];
    return this.collect([bucket], asOf);
  }

  /** Every matching event known at `asOf`, in time order (for the kinds with few events). */
  records(asOf: number): Effective[] {
    if (
      this.memo &&
      this.memo.version === this.version &&
      asOf >= this.maxTime &&
      this.memo.asOf >= this.maxTime
    ) {
      return this.memo.value;
    }
    const value = this.collect([...this.buckets.values()], asOf);
    this.memo = { asOf, version: this.version, value };
    return value;
  }

  private collect(buckets: Bucket[], asOf: number): Effective[] {
    const out: Effective[] = [];
    for (const bucket of buckets) {
      for (const record of bucket.plain) {
        if (known(record, asOf)) out.push({ event: record.event, record, correctedBy: null });
      }
      for (const record of bucket.revised) {
        const effective = this.index.effective(record, asOf);
        if (effective && this.match.test(effective.event)) out.push(effective);
      }
    }
    return out.sort(byTime);
  }
}

export function byTime(a: Effective, b: Effective): number {
  return (
    a.record.occurredAt - b.record.occurredAt ||
    (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0)
  );
}

function known(record: { occurredAt: number; reportedAt: number }, asOf: number): boolean {
  return record.occurredAt <= asOf && record.reportedAt <= asOf;
}

export interface IndexWarning {
  eventId: string;
  message: string;
  /** Warnings about revisions depend on asOf; others hold always. */
  reportedAt: number;
}

export class EventIndex {
  private readonly records = new Map<string, EventRecord>();
  private readonly revisions = new Map<string, Revision>();
  private readonly canonical = new Map<string, string>();
  /** Revisions whose target has not arrived yet, by target id. */
  private readonly pending = new Map<string, Revision[]>();
  private readonly slotsByType = new Map<string, Slot[]>();
  private readonly slotsByKey = new Map<string, Slot>();
  readonly warnings: IndexWarning[] = [];
  count = 0;

  constructor(
    private readonly calendar: Calendar,
    /** Organisations that may revise anyone's report (the mediators). */
    private readonly revisers: ReadonlySet<string>,
  ) {}

  slot(match: CompiledMatch): Slot {
    let slot = this.slotsByKey.get(match.key);
    if (!slot) {
      slot = new Slot(match, this);
      this.slotsByKey.set(match.key, slot);
      for (const type of match.types) {
        const list = this.slotsByType.get(type) ?? [];
        list.push(slot);
        this.slotsByType.set(type, list);
      }
    }
    return slot;
  }

  append(event: TruceEvent): void {
    const previous = this.canonical.get(event.id);
    if (previous !== undefined) {
      const text = JSON.stringify(event);
      if (text === previous) return;
      // Keep one version whatever the arrival order: the one whose JSON sorts first.
      this.warnings.push({
        eventId: event.id,
        message: `two different events share the id ${event.id}; only one is used`,
        reportedAt: Number.NEGATIVE_INFINITY,
      });
      if (text > previous) return;
      this.removeExisting(event.id);
      this.canonical.set(event.id, text);
    } else {
      this.canonical.set(event.id, JSON.stringify(event));
    }
    this.count++;
    const occurredAt = Date.parse(event.occurredAt);
    const reportedAt = Date.parse(event.reportedAt);
    if (event.type === 'correction' || event.type === 'retraction') {
      const revision: Revision = { event, occurredAt, reportedAt, voidedBy: [], root: null };
      this.revisions.set(event.id, revision);
      this.attach(revision);
      for (const waiting of this.pending.get(event.id) ?? []) this.attach(waiting);
      this.pending.delete(event.id);
      return;
    }
    const record: EventRecord = {
      id: event.id,
      event,
      occurredAt,
      reportedAt,
      day: this.calendar.dayOf(occurredAt),
      revisions: [],
    };
    this.records.set(event.id, record);
    for (const slot of this.slotsByType.get(event.type) ?? []) {
      if (slot.match.test(event)) slot.addPlain(record);
    }
    for (const waiting of this.pending.get(event.id) ?? []) this.attach(waiting);
    this.pending.delete(event.id);
  }

  private removeExisting(id: string): void {
    const record = this.records.get(id);
    if (record) {
      for (const slot of this.slotsByType.get(record.event.type) ?? []) slot.remove(record);
      this.records.delete(id);
      this.count--;
    }
    if (this.revisions.has(id)) {
      // A replaced revision is rare enough that a conservative rebuild is not worth it here:
      // the revision stays attached and the warning tells the cell.
      this.count--;
    }
  }

  private attach(revision: Revision): void {
    const targetId = revision.event.payload.target;
    const targetRecord = this.records.get(targetId);
    const targetRevision = this.revisions.get(targetId);
    if (targetRevision) {
      if (revision.event.type === 'retraction') {
        targetRevision.voidedBy.push(revision);
        if (targetRevision.root) this.revise(targetRevision.root, revision.reportedAt);
      } else if (targetRevision.root) {
        this.addTo(targetRevision.root, revision);
      } else {
        // The revised revision is itself waiting for its target.
        const list = this.pending.get(targetRevision.event.payload.target) ?? [];
        list.push(revision);
        this.pending.set(targetRevision.event.payload.target, list);
      }
      return;
    }
    if (targetRecord) {
      this.addTo(targetRecord, revision);
      return;
    }
    const list = this.pending.get(targetId) ?? [];
    list.push(revision);
    this.pending.set(targetId, list);
  }

  private addTo(record: EventRecord, revision: Revision): void {
    if (record.revisions.includes(revision)) return;
    revision.root = record;
    record.revisions.push(revision);
    this.revise(record, revision.reportedAt);
  }

  /** Re-index a record whose effective version may have changed. */
  private revise(record: EventRecord, time: number): void {
    const candidates = [record.event, ...record.revisions.map((r) => this.corrected(record, r))];
    for (const slot of this.slotsByType.get(record.event.type) ?? []) {
      const matchesSome = candidates.some(
        (candidate) => candidate !== null && slot.match.test(candidate),
      );
      if (matchesSome || slot.has(record)) slot.markRevised(record, time);
    }
  }

  private corrected(record: EventRecord, revision: Revision): TruceEvent | null {
    if (revision.event.type !== 'correction') return null;
    const schema = payloadSchemas[record.event.type as keyof typeof payloadSchemas];
    const parsed = schema.safeParse(revision.event.payload.payload);
    if (!parsed.success) return null;
    return { ...record.event, payload: parsed.data } as TruceEvent;
  }

  private authorised(original: { source: string }, revision: Revision): boolean {
    return revision.event.source === original.source || this.revisers.has(revision.event.source);
  }

  /**
   * The event as it stands at `asOf`: retracted events are gone, the latest applicable correction
   * (by reportedAt, then id) gives the payload. Only the reporting organisation, or a mediator,
   * may revise a report: anyone else's correction is a counter-claim, reported as a warning.
   */
  effective(record: EventRecord, asOf: number): Effective | null {
    if (!known(record, asOf)) return null;
    if (record.revisions.length === 0) return { event: record.event, record, correctedBy: null };
    const applicable = record.revisions
      .filter(
        (revision) =>
          revision.reportedAt <= asOf &&
          this.authorised(record.event, revision) &&
          !revision.voidedBy.some(
            (v) => v.reportedAt <= asOf && this.authorised(revision.event, v),
          ),
      )
      .sort((a, b) => a.reportedAt - b.reportedAt || (a.event.id < b.event.id ? -1 : 1));
    let current: Effective = { event: record.event, record, correctedBy: null };
    for (const revision of applicable) {
      if (revision.event.type === 'retraction') return null;
      const corrected = this.corrected(record, revision);
      if (corrected) current = { event: corrected, record, correctedBy: revision.event.id };
    }
    return current;
  }

  /** Warnings about revisions that cannot apply, as known at `asOf`. */
  revisionWarnings(asOf: number): IndexWarning[] {
    const out: IndexWarning[] = this.warnings.filter((w) => w.reportedAt <= asOf);
    for (const revision of this.revisions.values()) {
      if (revision.reportedAt > asOf) continue;
      const id = revision.event.id;
      const target = revision.event.payload.target;
      const root = revision.root;
      if (!root && !this.revisions.has(target)) {
        out.push({
          eventId: id,
          message: `${revision.event.type} of unknown event ${target}`,
          reportedAt: revision.reportedAt,
        });
      } else if (root && !this.authorised(root.event, revision)) {
        out.push({
          eventId: id,
          message: `${revision.event.type} of ${target} by ${revision.event.source} not applied: only ${root.event.source} (the reporter) or a mediator may revise it; recorded as a counter-claim`,
          reportedAt: revision.reportedAt,
        });
      } else if (root && revision.event.type === 'correction' && !this.corrected(root, revision)) {
        out.push({
          eventId: id,
          message: `correction of ${target} not applied: its payload is not a valid ${root.event.type} payload`,
          reportedAt: revision.reportedAt,
        });
      }
    }
    return out.sort((a, b) =>
      a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : a.message < b.message ? -1 : 1,
    );
  }

  get(id: string): EventRecord | undefined {
    return this.records.get(id);
  }
}
