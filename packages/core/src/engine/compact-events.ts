/**
 * Events kept as columns rather than objects: for the event types only quotas read, the engine
 * keeps times, day, source, type and slot membership in typed arrays, and each id in a byte
 * arena behind a hash table. A million such events leave no object per event for the garbage
 * collector to copy — keeping objects, even small ones, doubles the cost of a pass — and take
 * about 60 bytes each. An event that is later revised is promoted to a full record (EventIndex).
 */
export class CompactEvents {
  occurredAt = new Float64Array(1 << 14);
  reportedAt = new Float64Array(1 << 14);
  day = new Int32Array(1 << 14);
  source = new Int32Array(1 << 14);
  /** The type's number, or -1 once the event has been promoted to a full record. */
  type = new Int32Array(1 << 14);
  slotBits = new Int32Array(1 << 14);
  private idStart = new Int32Array(1 << 14);
  private idLength = new Int32Array(1 << 14);
  private hashes = new Int32Array(1 << 14);
  /** Open addressing over ids: 0 is empty, otherwise the event's index + 1. */
  private table = new Int32Array(1 << 16);
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
    this.hashes = ints(this.hashes);
    // Keep the table at most half full, so that probes stay short.
    const table = new Int32Array(capacity * 2);
    const mask = table.length - 1;
    for (let index = 0; index < this.size; index++) {
      let position = this.hashes[index]! & mask;
      while (table[position] !== 0) position = (position + 1) & mask;
      table[position] = index + 1;
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
    this.hashes[index] = hash;
    const mask = this.table.length - 1;
    // `find` just walked this probe sequence for the same id: reuse the empty place it found.
    let position =
      this.emptyFor === id && this.emptyTable === this.table ? this.emptyAt : hash & mask;
    while (this.table[position] !== 0) position = (position + 1) & mask;
    this.table[position] = index + 1;
    return index;
  }

  /** Index of the live (not promoted) event with this id (and its `hash`), or -1. */
  find(id: string, hash: number): number {
    const mask = this.table.length - 1;
    for (let position = hash & mask; ; position = (position + 1) & mask) {
      const entry = this.table[position]!;
      if (entry === 0) {
        this.emptyFor = id;
        this.emptyAt = position;
        this.emptyTable = this.table;
        return -1;
      }
      // A promoted event (type −1) lives on as a full record; a later event may reuse its id.
      const index = entry - 1;
      if (this.hashes[index] === hash && this.type[index] !== -1 && this.idIs(index, id))
        return index;
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
