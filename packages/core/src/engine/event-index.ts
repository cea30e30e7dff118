import { payloadSchemas, type TruceEvent } from '../events/schema.js';
import { type Calendar, instantMs } from './calendar.js';
import { CompactEvents, CompactMembers, ID_HELD_ELSEWHERE, ID_UNSEEN } from './compact-events.js';
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

type ViewOf<E> = E extends TruceEvent ? Pick<E, 'id' | 'type' | 'source' | 'payload'> : never;
/** What the kinds read of an event: who reported what. Times are numbers on the record. */
export type EventView = ViewOf<TruceEvent>;
export type ViewOfType<T extends TruceEvent['type']> = Extract<EventView, { type: T }>;

/**
 * One event as the index keeps it: times parsed once, the type and source interned, the
 * original date-time strings dropped. At a million events this halves the memory of keeping
 * the parsed objects, and with it the garbage collector's work.
 */
/**
 * Events of types that only quotas read (aid counts: nearly all of a large ledger) are kept
 * compact: the payload is dropped once each quota's quantity has been taken from it, so that a
 * million events leave a million small records behind, not a million parsed objects — the
 * garbage collector's work is what makes keeping events expensive.
 */
export class EventRecord {
  revisions: Revision[] | null = null;
  /**
   * The slots this event is in, one bit per slot of its type (a small integer, so no
   * allocation per event); `moreSlots` only for agreements with more matches than that.
   */
  slotBits = 0;
  moreSlots: Set<number> | null = null;
  constructor(
    readonly id: string,
    readonly type: TruceEvent['type'],
    readonly source: string,
    /** null for a compact record: its quantities are kept in the buckets instead. */
    readonly payload: TruceEvent['payload'] | null,
    readonly occurredAt: number,
    readonly reportedAt: number,
    readonly day: number,
    /** The source as a small number, for the per-day sums. */
    readonly sourceNumber: number,
  ) {}

  /** The event as reported (before any correction), for the kinds. */
  get event(): EventView {
    return this as unknown as EventView;
  }
}

export interface Effective {
  event: EventView;
  record: EventRecord;
  /** The correction that gave this version, when one applies. */
  correctedBy: string | null;
}

export interface Bucket {
  plain: EventRecord[];
  /** Per registered quantity, aligned with `plain`: what each event contributes. */
  plainQuantities: number[][];
  revised: EventRecord[];
  /** Aligned with `revised`: what the event as first reported contributed (null: it did not match). */
  revisedOriginal: (number[] | null)[];
  /** Compact events (indices into the index's columns) and their quantities, for the types only quotas read. */
  compact: CompactMembers;
  /** Per registered quantity (in order), per source number: the sum over `plain`. */
  sums: number[][];
  /** Latest occurredAt/reportedAt of anything in the bucket: below it, sums need a filtered rescan. */
  maxTime: number;
  /** Bumped on every change, so that per-day results can be cached by the kinds. */
  version: number;
}

export type Quantity = (event: EventView) => number;

export class Slot {
  readonly buckets = new Map<number, Bucket>();
  readonly quantities = new Map<string, Quantity>();
  private readonly quantityList: Quantity[] = [];
  private readonly quantityIndex = new Map<string, number>();
  maxTime = Number.NEGATIVE_INFINITY;
  version = 0;
  private memo: { asOf: number; version: number; value: Effective[] } | null = null;

  /**
   * For each event type this slot reads, its position among that type's slots: the bit that
   * says, on a record of that type, that the record is in this slot.
   */
  readonly bits = new Map<string, number>();

  constructor(
    readonly match: CompiledMatch,
    private readonly index: EventIndex,
  ) {}

  bit(type: string): number {
    return this.bits.get(type) ?? 31;
  }

  private isMember(record: EventRecord): boolean {
    const bit = this.bit(record.type);
    return bit < 30 ? (record.slotBits & (1 << bit)) !== 0 : (record.moreSlots?.has(bit) ?? false);
  }

  private join(record: EventRecord): void {
    const bit = this.bit(record.type);
    if (bit < 30) record.slotBits |= 1 << bit;
    else {
      record.moreSlots ??= new Set();
      record.moreSlots.add(bit);
    }
  }

  private leave(record: EventRecord): boolean {
    if (!this.isMember(record)) return false;
    const bit = this.bit(record.type);
    if (bit < 30) record.slotBits &= ~(1 << bit);
    else record.moreSlots?.delete(bit);
    return true;
  }

  addQuantity(key: string, quantity: Quantity): void {
    if (this.quantities.has(key)) return;
    this.quantities.set(key, quantity);
    this.quantityIndex.set(key, this.quantityList.length);
    this.quantityList.push(quantity);
  }

  private addSums(bucket: Bucket, source: number, values: readonly number[], sign: 1 | -1): void {
    for (let q = 0; q < values.length; q++) {
      let bySource = bucket.sums[q];
      if (bySource === undefined) {
        bySource = [];
        bucket.sums[q] = bySource;
      }
      bySource[source] = (bySource[source] ?? 0) + sign * values[q]!;
    }
  }

  has(record: EventRecord): boolean {
    return this.isMember(record);
  }

  private lastDay = Number.NaN;
  private lastBucket: Bucket | undefined;

  private bucket(day: number): Bucket {
    // Events mostly arrive in time order: the last bucket is the likely one.
    if (day === this.lastDay && this.lastBucket !== undefined) return this.lastBucket;
    let bucket = this.buckets.get(day);
    if (!bucket) {
      bucket = {
        plain: [],
        plainQuantities: this.quantityList.map(() => []),
        revised: [],
        revisedOriginal: [],
        compact: new CompactMembers(this.quantityList.length),
        sums: [],
        maxTime: Number.NEGATIVE_INFINITY,
        version: 0,
      };
      this.buckets.set(day, bucket);
    }
    this.lastDay = day;
    this.lastBucket = bucket;
    return bucket;
  }

  private touch(bucket: Bucket, time: number): void {
    bucket.version++;
    if (time > bucket.maxTime) bucket.maxTime = time;
    if (time > this.maxTime) this.maxTime = time;
    this.version++;
  }

  /** Adds a newly appended event; `view` is the event as parsed (a compact record has no payload). */
  addPlain(record: EventRecord, view: EventView): void {
    this.join(record);
    const bucket = this.bucket(record.day);
    bucket.plain.push(record);
    const values: number[] = [];
    for (let q = 0; q < this.quantityList.length; q++) {
      const value = this.quantityList[q]!(view);
      values.push(value);
      bucket.plainQuantities[q]!.push(value);
    }
    this.addSums(bucket, record.sourceNumber, values, 1);
    this.touch(bucket, Math.max(record.occurredAt, record.reportedAt));
  }

  /** Adds a compact event (an index into `columns`); `view` is the event as parsed. */
  addCompact(columns: CompactEvents, index: number, view: EventView, bit: number): void {
    columns.slotBits[index]! |= 1 << bit;
    const bucket = this.bucket(columns.day[index]!);
    const at = bucket.compact.push(index);
    const source = columns.source[index]!;
    for (let q = 0; q < this.quantityList.length; q++) {
      const value = this.quantityList[q]!(view);
      bucket.compact.setValue(at, q, value);
      let bySource = bucket.sums[q];
      if (bySource === undefined) {
        bySource = [];
        bucket.sums[q] = bySource;
      }
      bySource[source] = (bySource[source] ?? 0) + value;
    }
    this.touch(bucket, Math.max(columns.occurredAt[index]!, columns.reportedAt[index]!));
  }

  /** What a compact event contributes (null when not in this slot). */
  compactContribution(columns: CompactEvents, index: number): number[] | null {
    const bucket = this.buckets.get(columns.day[index]!);
    const at = bucket ? bucket.compact.find(index) : -1;
    if (!bucket || at < 0) return null;
    return bucket.compact.valuesAt(at);
  }

  /** A compact event about to be revised becomes a full record, with the same contribution. */
  promote(columns: CompactEvents, index: number, record: EventRecord): void {
    const bucket = this.buckets.get(columns.day[index]!);
    const at = bucket ? bucket.compact.find(index) : -1;
    if (!bucket || at < 0) return;
    bucket.plain.push(record);
    bucket.plainQuantities.forEach((list, q) => {
      list.push(bucket.compact.value(at, q));
    });
    bucket.compact.removeAt(at);
    this.join(record);
    bucket.version++;
    this.version++;
  }

  /** Takes a record out of `plain`, with what it contributed; null when it was not there. */
  private takePlain(bucket: Bucket, record: EventRecord): number[] | null {
    const at = bucket.plain.indexOf(record);
    if (at < 0) return null;
    bucket.plain.splice(at, 1);
    const values = bucket.plainQuantities.map((list) => list.splice(at, 1)[0] ?? 0);
    this.addSums(bucket, record.sourceNumber, values, -1);
    return values;
  }

  quantitiesOf(view: EventView): number[] {
    return this.quantityList.map((quantity) => quantity(view));
  }

  /** What a record in `plain` contributes, for comparing a duplicate id without its payload. */
  contribution(record: EventRecord): number[] | null {
    if (!this.isMember(record)) return null;
    const bucket = this.buckets.get(record.day);
    const at = bucket ? bucket.plain.indexOf(record) : -1;
    if (!bucket || at < 0) return null;
    return bucket.plainQuantities.map((list) => list[at] ?? 0);
  }

  /** Once revised, an event's contribution depends on `asOf`: move it out of the running sums. */
  markRevised(record: EventRecord, time: number): void {
    const bucket = this.bucket(record.day);
    if (this.isMember(record)) {
      const original = this.takePlain(bucket, record);
      if (original !== null) {
        bucket.revised.push(record);
        bucket.revisedOriginal.push(original);
      }
    } else {
      this.join(record);
      bucket.revised.push(record);
      bucket.revisedOriginal.push(null);
    }
    this.touch(bucket, time);
  }

  remove(record: EventRecord): void {
    if (!this.leave(record)) return;
    const bucket = this.bucket(record.day);
    this.takePlain(bucket, record);
    const revisedAt = bucket.revised.indexOf(record);
    if (revisedAt >= 0) {
      bucket.revised.splice(revisedAt, 1);
      bucket.revisedOriginal.splice(revisedAt, 1);
    }
    bucket.version++;
    this.version++;
  }

  bucketAt(day: number): Bucket | undefined {
    return this.buckets.get(day);
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
    const q = this.quantityIndex.get(quantityKey) ?? -1;
    if (asOf >= bucket.maxTime) {
      // A source present in the array reported on that day, even if its figure is 0.
      const sums = bucket.sums[q] ?? [];
      sums.forEach((sum, source) => {
        add(this.index.sourceName(source), sum);
      });
    } else {
      const values = bucket.plainQuantities[q] ?? [];
      bucket.plain.forEach((record, at) => {
        if (known(record, asOf)) add(record.source, values[at] ?? 0);
      });
      const columns = this.index.columns;
      const { compact } = bucket;
      for (let at = 0; at < compact.length; at++) {
        const index = compact.index(at);
        if (columns.occurredAt[index]! <= asOf && columns.reportedAt[index]! <= asOf) {
          add(this.index.sourceName(columns.source[index]!), compact.value(at, q));
        }
      }
    }
    bucket.revised.forEach((record, at) => {
      const effective = this.index.effective(record, asOf);
      if (!effective) return;
      if (effective.correctedBy === null) {
        // As first reported: what it contributed then (a compact record has no payload left).
        const original = bucket.revisedOriginal[at];
        if (original) add(record.source, original[q] ?? 0);
      } else if (this.match.test(effective.event)) {
        add(effective.event.source, quantity(effective.event));
      }
    });
    return out;
  }

  /**
   * What one event adds to a quantity at `asOf`, as it stands (after corrections and
   * retractions), with its day and source; null when it is not counted here then. Read-only: a
   * compact event is not promoted. For the mediators' corrected counts (a dispute's measure).
   */
  figureOf(
    id: string,
    quantityKey: string,
    asOf: number,
  ): { day: number; source: string; value: number } | null {
    const q = this.quantityIndex.get(quantityKey);
    const quantity = this.quantities.get(quantityKey);
    if (q === undefined || quantity === undefined) return null;
    const found = this.index.locate(id);
    if (found === undefined) return null;
    if (typeof found === 'number') {
      const { columns } = this.index;
      if (
        !known(
          { occurredAt: columns.occurredAt[found]!, reportedAt: columns.reportedAt[found]! },
          asOf,
        )
      )
        return null;
      const values = this.compactContribution(columns, found);
      if (values === null) return null;
      return {
        day: columns.day[found]!,
        source: this.index.sourceName(columns.source[found]!),
        value: values[q] ?? 0,
      };
    }
    const record = found;
    const bucket = this.buckets.get(record.day);
    if (!bucket || !known(record, asOf)) return null;
    const plainAt = bucket.plain.indexOf(record);
    if (plainAt >= 0) {
      return {
        day: record.day,
        source: record.source,
        value: bucket.plainQuantities[q]?.[plainAt] ?? 0,
      };
    }
    const revisedAt = bucket.revised.indexOf(record);
    const effective = revisedAt < 0 ? null : this.index.effective(record, asOf);
    if (!effective) return null;
    if (effective.correctedBy === null) {
      const original = bucket.revisedOriginal[revisedAt];
      return original ? { day: record.day, source: record.source, value: original[q] ?? 0 } : null;
    }
    return this.match.test(effective.event)
      ? { day: record.day, source: effective.event.source, value: quantity(effective.event) }
      : null;
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

function isRecord(value: EventRecord | Revision): value is EventRecord {
  return value instanceof EventRecord;
}

export interface IndexWarning {
  eventId: string;
  message: string;
  /** Warnings about revisions depend on asOf; others hold always. */
  reportedAt: number;
}

export class EventIndex {
  /** Every event by id: compact events in columns, full records and revisions held beside them. */
  readonly columns: CompactEvents<EventRecord | Revision>;
  private readonly typeNumbers = new Map<string, number>();
  private readonly typeNames: string[] = [];
  private readonly revisions = new Map<string, Revision>();
  private readonly strings = new Map<string, string>();
  private readonly sourceNumbers = new Map<string, number>();
  private readonly sourceNames: string[] = [];
  /** Revisions whose target has not arrived yet, by target id. */
  private readonly pending = new Map<string, Revision[]>();
  private readonly slotsByType = new Map<string, Slot[]>();
  private readonly slotsByKey = new Map<string, Slot>();
  /** Matches whose events some kind reads one by one (not only through a quota's sums). */
  private readonly recordsNeeded = new Set<string>();
  private readonly compactByType = new Map<string, boolean>();
  readonly warnings: IndexWarning[] = [];
  count = 0;

  constructor(
    private readonly calendar: Calendar,
    /** Organisations that may revise anyone's report (the mediators). */
    private readonly revisers: ReadonlySet<string>,
    columns: CompactEvents<EventRecord | Revision>,
  ) {
    this.columns = columns;
  }

  private typeNumber(type: string): number {
    let number = this.typeNumbers.get(type);
    if (number === undefined) {
      number = this.typeNames.length;
      this.typeNumbers.set(type, number);
      this.typeNames.push(type);
    }
    return number;
  }

  /** The compact event with this id still in the columns (not promoted), or -1. */
  private compactIndex(id: string, hash = CompactEvents.hash(id)): number {
    return Math.max(this.columns.find(id, hash), -1);
  }

  /**
   * Turns a compact event into a full record (without payload: its quantities move with it), so
   * that a revision can be attached to it or a duplicate id resolved.
   */
  private promote(id: string): EventRecord | undefined {
    const index = this.compactIndex(id);
    if (index < 0) return undefined;
    const { columns } = this;
    const record = new EventRecord(
      id,
      this.typeNames[columns.type[index]!] as TruceEvent['type'],
      this.sourceName(columns.source[index]!),
      null,
      columns.occurredAt[index]!,
      columns.reportedAt[index]!,
      columns.day[index]!,
      columns.source[index]!,
    );
    for (const slot of this.slotsByType.get(record.type) ?? []) {
      if ((columns.slotBits[index]! & (1 << slot.bit(record.type))) !== 0) {
        slot.promote(columns, index, record);
      }
    }
    columns.type[index] = -1;
    columns.addHeld(id, CompactEvents.hash(id), record);
    return record;
  }

  /** The full record of an event by id (not promoting a compact one). */
  private heldRecord(id: string, hash = CompactEvents.hash(id)): EventRecord | undefined {
    return this.columns.findHeld(id, hash, isRecord);
  }

  /** Where an event is kept, without promoting it: its compact index, or its full record. */
  locate(id: string): number | EventRecord | undefined {
    const hash = CompactEvents.hash(id);
    const index = this.columns.find(id, hash);
    if (index >= 0) return index;
    return index === ID_HELD_ELSEWHERE ? this.heldRecord(id, hash) : undefined;
  }

  /** The record of an event by id, promoting a compact one. */
  private recordOf(id: string): EventRecord | undefined {
    return this.heldRecord(id) ?? this.promote(id);
  }

  /**
   * The slot of a match. `aggregateOnly`: the caller reads it only through per-day sums, so its
   * events may be kept compact (if no other caller needs them whole).
   */
  slot(match: CompiledMatch, aggregateOnly = false): Slot {
    if (!aggregateOnly && !this.recordsNeeded.has(match.key)) {
      this.recordsNeeded.add(match.key);
      this.compactByType.clear();
      this.types.length = 0;
    }
    let slot = this.slotsByKey.get(match.key);
    if (!slot) {
      slot = new Slot(match, this);
      this.types.length = 0;
      this.slotsByKey.set(match.key, slot);
      for (const type of match.types) {
        const list = this.slotsByType.get(type) ?? [];
        slot.bits.set(type, list.length);
        list.push(slot);
        this.slotsByType.set(type, list);
      }
    }
    return slot;
  }

  /**
   * What appending needs to know of each type seen, searched with `===`: a type name is too long
   * for JSON.parse to intern, so a `Map` would hash a fresh string for every event, while
   * comparing with the few names seen stops at the length or the first characters.
   */
  private readonly types: { type: string; compact: boolean; number: number; slots: Slot[] }[] = [];

  /** What appending needs to know of a type (`slots`: those reading the type). */
  private typeInfo(type: string): {
    type: string;
    compact: boolean;
    number: number;
    slots: Slot[];
  } {
    const { types } = this;
    for (let i = 0; i < types.length; i++) if (types[i]!.type === type) return types[i]!;
    const info = {
      type,
      compact: this.compact(type),
      number: this.typeNumber(type),
      slots: this.slotsByType.get(type) ?? [],
    };
    types.push(info);
    return info;
  }

  /** Whether events of a type may be kept compact: every slot reading them wants only sums. */
  private compact(type: string): boolean {
    let compact = this.compactByType.get(type);
    if (compact === undefined) {
      const slots = this.slotsByType.get(type) ?? [];
      // A type nothing reads is compact too: it is kept only so that revisions find it.
      compact = slots.every(
        (slot) => slot.bit(type) < 30 && !this.recordsNeeded.has(slot.match.key),
      );
      this.compactByType.set(type, compact);
    }
    return compact;
  }

  /** Sources as small numbers, so that per-day sums are arrays rather than maps. */
  private lastSource = '';
  private lastSourceNumber = -1;

  sourceNumber(source: string): number {
    if (source === this.lastSource) return this.lastSourceNumber;
    let number = this.sourceNumbers.get(source);
    if (number === undefined) {
      number = this.sourceNames.length;
      this.sourceNumbers.set(source, number);
      this.sourceNames.push(source);
    }
    this.lastSource = source;
    this.lastSourceNumber = number;
    return number;
  }

  sourceName(number: number): string {
    return this.sourceNames[number] ?? '';
  }

  private intern(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    this.strings.set(value, value);
    return value;
  }

  append(event: TruceEvent): void {
    // The id's place in the table is seldom in the processor's cache: look it up first, so that
    // the instants are parsed while that memory arrives rather than after.
    const hash = CompactEvents.hash(event.id);
    const found = this.columns.find(event.id, hash);
    const occurredAt = instantMs(event.occurredAt);
    const reportedAt =
      event.reportedAt === event.occurredAt ? occurredAt : instantMs(event.reportedAt);
    if (found >= 0 && this.sameAsCompact(found, event, occurredAt, reportedAt)) return;
    // An id the table has never seen is new: no need to look in the maps.
    const existing =
      found >= 0
        ? this.promote(event.id)
        : found === ID_HELD_ELSEWHERE
          ? this.heldRecord(event.id, hash)
          : undefined;
    const existingRevision = found === ID_UNSEEN ? undefined : this.revisions.get(event.id);
    if (existing !== undefined || existingRevision !== undefined) {
      // Only on an id collision is it worth serialising: the same content is a retry, ignored.
      const normal = (type: string, source: string, o: number, r: number, payload: unknown) =>
        JSON.stringify([type, source, o, r, payload]);
      // A compact record has no payload left: compare what each slot took from it instead.
      const view = event as EventView;
      const compared =
        existing?.payload === null
          ? (this.slotsByType.get(view.type) ?? []).map((slot) =>
              slot.match.test(view) ? slot.quantitiesOf(view) : null,
            )
          : view.payload;
      const text = normal(event.type, event.source, occurredAt, reportedAt, compared);
      const before = existing
        ? normal(
            existing.type,
            existing.source,
            existing.occurredAt,
            existing.reportedAt,
            existing.payload === null
              ? (this.slotsByType.get(existing.type) ?? []).map((slot) =>
                  slot.contribution(existing),
                )
              : existing.payload,
          )
        : normal(
            existingRevision!.event.type,
            existingRevision!.event.source,
            existingRevision!.occurredAt,
            existingRevision!.reportedAt,
            existingRevision!.event.payload,
          );
      if (text === before) return;
      // Keep one version whatever the arrival order: the one whose JSON sorts first.
      this.warnings.push({
        eventId: event.id,
        message: `two different events share the id ${event.id}; only one is used`,
        reportedAt: Number.NEGATIVE_INFINITY,
      });
      if (text > before) return;
      this.removeExisting(event.id);
    }
    this.count++;
    if (event.type === 'correction' || event.type === 'retraction') {
      const revision: Revision = { event, occurredAt, reportedAt, voidedBy: [], root: null };
      this.revisions.set(event.id, revision);
      this.columns.addHeld(event.id, hash, revision);
      this.attach(revision);
      const waiting = this.pending.get(event.id);
      if (waiting) {
        this.pending.delete(event.id);
        for (const other of waiting) this.attach(other);
      }
      return;
    }
    const view = event as EventView;
    const type = this.typeInfo(event.type);
    if (type.compact) {
      const index = this.columns.add(
        event.id,
        hash,
        occurredAt,
        reportedAt,
        this.calendar.dayOf(occurredAt),
        this.sourceNumber(event.source),
        type.number,
      );
      // Slots are those of this type: the bit of each is its position, the type test is done.
      const slots = type.slots;
      for (let bit = 0; bit < slots.length; bit++) {
        const slot = slots[bit]!;
        if (slot.match.testFields(view)) slot.addCompact(this.columns, index, view, bit);
      }
      this.attachPending(event.id);
      return;
    }
    const record = new EventRecord(
      event.id,
      // The name as first seen: one string for every record of the type.
      type.type as TruceEvent['type'],
      this.intern(event.source),
      event.payload,
      occurredAt,
      reportedAt,
      this.calendar.dayOf(occurredAt),
      this.sourceNumber(event.source),
    );
    this.columns.addHeld(event.id, hash, record);
    for (const slot of type.slots) if (slot.match.testFields(view)) slot.addPlain(record, view);
    this.attachPending(event.id);
  }

  private attachPending(id: string): void {
    if (this.pending.size === 0) return;
    const waiting = this.pending.get(id);
    if (waiting) {
      this.pending.delete(id);
      for (const other of waiting) this.attach(other);
    }
  }

  /** A retry of a compact event: same type, source, times and the same quantity in every slot. */
  private sameAsCompact(
    index: number,
    event: TruceEvent,
    occurredAt: number,
    reportedAt: number,
  ): boolean {
    const { columns } = this;
    if (
      this.typeNames[columns.type[index]!] !== event.type ||
      this.sourceName(columns.source[index]!) !== event.source ||
      columns.occurredAt[index] !== occurredAt ||
      columns.reportedAt[index] !== reportedAt
    ) {
      return false;
    }
    const view = event as EventView;
    return (this.slotsByType.get(event.type) ?? []).every((slot) => {
      const before =
        (columns.slotBits[index]! & (1 << slot.bit(event.type))) !== 0
          ? slot.compactContribution(columns, index)
          : null;
      const now = slot.match.test(view) ? slot.quantitiesOf(view) : null;
      return JSON.stringify(before) === JSON.stringify(now);
    });
  }

  private removeExisting(id: string): void {
    const hash = CompactEvents.hash(id);
    const record = this.heldRecord(id, hash);
    if (record) {
      for (const slot of this.slotsByType.get(record.type) ?? []) slot.remove(record);
      this.columns.release(hash, record);
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
    const targetRecord = this.recordOf(targetId);
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
    if (record.revisions?.includes(revision)) return;
    revision.root = record;
    record.revisions ??= [];
    record.revisions.push(revision);
    this.revise(record, revision.reportedAt);
  }

  /** Re-index a record whose effective version may have changed. */
  private revise(record: EventRecord, time: number): void {
    const candidates = [
      ...(record.payload === null ? [] : [record.event]),
      ...(record.revisions ?? []).map((r) => this.corrected(record, r)),
    ];
    for (const slot of this.slotsByType.get(record.type) ?? []) {
      const matchesSome = candidates.some(
        (candidate) => candidate !== null && slot.match.test(candidate),
      );
      if (matchesSome || slot.has(record)) slot.markRevised(record, time);
    }
  }

  private corrected(record: EventRecord, revision: Revision): EventView | null {
    if (revision.event.type !== 'correction') return null;
    const schema = payloadSchemas[record.type];
    const parsed = schema.safeParse(revision.event.payload.payload);
    if (!parsed.success) return null;
    return {
      id: record.id,
      type: record.type,
      source: record.source,
      payload: parsed.data,
    } as EventView;
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
    if (record.revisions === null) return { event: record.event, record, correctedBy: null };
    const applicable = record.revisions
      .filter(
        (revision) =>
          revision.reportedAt <= asOf &&
          this.authorised(record, revision) &&
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
      } else if (root && !this.authorised(root, revision)) {
        out.push({
          eventId: id,
          message: `${revision.event.type} of ${target} by ${revision.event.source} not applied: only ${root.source} (the reporter) or a mediator may revise it; recorded as a counter-claim`,
          reportedAt: revision.reportedAt,
        });
      } else if (root && revision.event.type === 'correction' && !this.corrected(root, revision)) {
        out.push({
          eventId: id,
          message: `correction of ${target} not applied: its payload is not a valid ${root.type} payload`,
          reportedAt: revision.reportedAt,
        });
      }
    }
    return out.sort((a, b) =>
      a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : a.message < b.message ? -1 : 1,
    );
  }
}
