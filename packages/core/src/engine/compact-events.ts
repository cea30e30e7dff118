/** `find`: no event with this id has been seen. */
export const ID_UNSEEN = -1;
/** `find`: the id has been seen, but its event is held as an object (a full record or a revision). */
export const ID_HELD_ELSEWHERE = -2;

/**
 * Events kept as columns rather than objects: for the event types only quotas read, the engine
 * keeps times, day, source, type and slot membership in typed arrays, and each id in a byte
 * arena. A million such events leave no object per event for the garbage collector to copy —
 * keeping objects, even small ones, doubles the cost of a pass — and take about 60 bytes each.
 * An event that is later revised is promoted to a full record (EventIndex).
 *
 * The hash table over ids also leads to the events held as objects (full records, revisions),
 * so that one probe tells a new id from a known one and finds a full record: a `Map` by id
 * beside it cost as much as the rest of appending together.
 */
export class CompactEvents<Held extends object = object> {
  occurredAt = new Float64Array(1 << 14);
  reportedAt = new Float64Array(1 << 14);
  day = new Int32Array(1 << 14);
  source = new Int32Array(1 << 14);
  /** The type's number, or -1 once the event has been promoted to a full record. */
  type = new Int32Array(1 << 14);
  slotBits = new Int32Array(1 << 14);
  private idStart = new Int32Array(1 << 14);
  private idLength = new Int32Array(1 << 14);
  /**
   * Open addressing over ids, two numbers a place: the id's hash, then 0 (empty), the event's
   * index + 1 (a row of the columns) or −(k + 1) (the k-th object held). The hash beside the
   * entry lets a probe skip other ids without reading anything else.
   */
  private table = new Int32Array(2 << 15);
  private entries = 0;
  private readonly heldIds: string[] = [];
  /** null once released (a duplicate id replaced it). */
  private readonly held: (Held | null)[] = [];
  private arena = new Uint16Array(1 << 16);
  private emptyFor: string | null = null;
  private emptyAt = 0;
  private emptyTable: Int32Array | null = null;
  private arenaUsed = 0;
  size = 0;

  private grow(): void {
    // Growing fourfold copies each value about a third of a time in all, not once.
    const capacity = this.occurredAt.length * 4;
    const doubles = (array: Float64Array) => {
      const next = new Float64Array(capacity);
      next.set(array);
      return next;
    };
    const ints = (array: Int32Array) => {
      const next = new Int32Array(capacity);
      next.set(array);
      return next;
    };
    this.occurredAt = doubles(this.occurredAt);
    this.reportedAt = doubles(this.reportedAt);
    this.day = ints(this.day);
    this.source = ints(this.source);
    this.type = ints(this.type);
    this.slotBits = ints(this.slotBits);
    this.idStart = ints(this.idStart);
    this.idLength = ints(this.idLength);
  }

  /** Keeps the table at most half full, so that probes stay short. */
  private growTable(): void {
    const old = this.table;
    const table = new Int32Array(old.length * 4);
    const mask = (table.length >> 1) - 1;
    for (let at = 0; at < old.length; at += 2) {
      const entry = old[at + 1]!;
      if (entry === 0) continue;
      const hash = old[at]!;
      let place = hash & mask;
      while (table[2 * place + 1] !== 0) place = (place + 1) & mask;
      table[2 * place] = hash;
      table[2 * place + 1] = entry;
    }
    this.table = table;
  }

  /** FNV-1a over UTF-16 code units: ids are short ASCII strings. */
  static hash(id: string): number {
    let hash = 0x811c9dc5;
    for (let i = 0; i < id.length; i++) {
      hash ^= id.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
    return hash | 0;
  }

  private insert(id: string, hash: number, entry: number): void {
    if (2 * (this.entries + 1) > this.table.length >> 1) this.growTable();
    this.entries++;
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    // `find` just walked this probe sequence for the same id: start at the empty place it found.
    let place = this.emptyFor === id && this.emptyTable === table ? this.emptyAt : hash & mask;
    while (table[2 * place + 1] !== 0) place = (place + 1) & mask;
    table[2 * place] = hash;
    table[2 * place + 1] = entry;
  }

  /** Adds an event whose id is not in the columns (`find` said so); returns its index. */
  add(
    id: string,
    hash: number,
    occurredAt: number,
    reportedAt: number,
    day: number,
    source: number,
    type: number,
  ): number {
    const index = this.size;
    if (index === this.occurredAt.length) this.grow();
    this.size++;
    this.occurredAt[index] = occurredAt;
    this.reportedAt[index] = reportedAt;
    this.day[index] = day;
    this.source[index] = source;
    this.type[index] = type;
    this.slotBits[index] = 0;
    if (this.arenaUsed + id.length > this.arena.length) {
      const larger = new Uint16Array(Math.max(this.arena.length * 2, this.arenaUsed + id.length));
      larger.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = larger;
    }
    this.idStart[index] = this.arenaUsed;
    this.idLength[index] = id.length;
    for (let i = 0; i < id.length; i++) this.arena[this.arenaUsed + i] = id.charCodeAt(i);
    this.arenaUsed += id.length;
    this.insert(id, hash, index + 1);
    return index;
  }

  /** Holds an event kept as an object (a full record, a revision) under its id (and `hash`). */
  addHeld(id: string, hash: number, value: Held): void {
    this.heldIds.push(id);
    this.held.push(value);
    this.insert(id, hash, -this.held.length);
  }

  /** The first object held under this id that `accept` takes, if any. */
  findHeld<T extends Held>(
    id: string,
    hash: number,
    accept: (value: Held) => value is T,
  ): T | undefined {
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    for (let place = hash & mask; ; place = (place + 1) & mask) {
      const entry = table[2 * place + 1]!;
      if (entry === 0) return undefined;
      if (entry > 0 || table[2 * place] !== hash || this.heldIds[-entry - 1] !== id) continue;
      const value = this.held[-entry - 1];
      if (value != null && accept(value)) return value;
    }
  }

  /** Stops holding `value` (under its id, of this `hash`): a later event of the same id replaced it. */
  release(hash: number, value: Held): void {
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    for (let place = hash & mask; ; place = (place + 1) & mask) {
      const entry = table[2 * place + 1]!;
      if (entry === 0) return;
      if (entry < 0 && table[2 * place] === hash && this.held[-entry - 1] === value) {
        this.held[-entry - 1] = null;
      }
    }
  }

  /**
   * Index of the live (not promoted) compact event with this id (and its `hash`); otherwise
   * `ID_HELD_ELSEWHERE` when the id is known as a full record or revision (promoted events
   * included), or `ID_UNSEEN`.
   */
  find(id: string, hash: number): number {
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    let found = ID_UNSEEN;
    for (let place = hash & mask; ; place = (place + 1) & mask) {
      const entry = table[2 * place + 1]!;
      if (entry === 0) {
        this.emptyFor = id;
        this.emptyAt = place;
        this.emptyTable = table;
        return found;
      }
      if (table[2 * place] !== hash) continue;
      if (entry > 0) {
        const index = entry - 1;
        if (this.idIs(index, id)) {
          // A promoted event (type −1) lives on as a full record; a later event may reuse its id.
          if (this.type[index] !== -1) return index;
          found = ID_HELD_ELSEWHERE;
        }
      } else if (this.heldIds[-entry - 1] === id) {
        found = ID_HELD_ELSEWHERE;
      }
    }
  }

  private idIs(index: number, id: string): boolean {
    if (this.idLength[index] !== id.length) return false;
    const start = this.idStart[index] ?? 0;
    for (let i = 0; i < id.length; i++)
      if (this.arena[start + i] !== id.charCodeAt(i)) return false;
    return true;
  }
}

/**
 * The compact events of one bucket (a slot's day) and what each contributes, per registered
 * quantity, in typed arrays. A day holds tens of thousands of them: in arrays on the heap they
 * were copied by every young-generation collection while they grew, which cost more than the
 * rest of keeping them.
 */
export class CompactMembers {
  /** Indices into the columns. */
  private indices = new Int32Array(64);
  /** `stride` values per member: quantity q of member `at` is at `at * stride + q`. */
  private values: Float64Array;
  length = 0;

  constructor(readonly stride: number) {
    this.values = new Float64Array(64 * stride);
  }

  /** Adds a member; its values are then set with `setValue`. Returns its position. */
  push(index: number): number {
    const at = this.length;
    if (at === this.indices.length) {
      const indices = new Int32Array(at * 2);
      indices.set(this.indices);
      this.indices = indices;
      const values = new Float64Array(at * 2 * this.stride);
      values.set(this.values);
      this.values = values;
    }
    this.indices[at] = index;
    this.length++;
    return at;
  }

  setValue(at: number, q: number, value: number): void {
    this.values[at * this.stride + q] = value;
  }

  index(at: number): number {
    return this.indices[at]!;
  }

  value(at: number, q: number): number {
    return this.values[at * this.stride + q]!;
  }

  /** Every value of the member at `at`, in quantity order. */
  valuesAt(at: number): number[] {
    return Array.from(this.values.subarray(at * this.stride, (at + 1) * this.stride));
  }

  /** Position of the member with this column index, or -1. */
  find(index: number): number {
    for (let at = 0; at < this.length; at++) if (this.indices[at] === index) return at;
    return -1;
  }

  /** Removes the member at `at`, keeping the order of the others. */
  removeAt(at: number): void {
    this.indices.copyWithin(at, at + 1, this.length);
    this.values.copyWithin(at * this.stride, (at + 1) * this.stride, this.length * this.stride);
    this.length--;
  }
}
