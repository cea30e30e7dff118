import type { MapEvent } from './layers.ts';

/** One page of `GET /api/v1/events`: entries with their sequence numbers, and the next cursor. */
export interface EventsPage {
  events: { seq: number; event: MapEvent }[];
  nextCursor: number | null;
}

export type FetchPage = (type: string, cursor: number) => Promise<EventsPage>;

/**
 * The map's events, read incrementally: the page refetches every time the dashboard's version
 * moves (every 30 s, and on each live update), and reading every type from the start of the
 * ledger each time would make the server scan the whole log once per type per tick. The ledger
 * is append-only and sequence numbers are dense, so after a complete read with `ledgerSize`
 * entries known beforehand, every entry below `ledgerSize - 1` has been seen: the next read
 * starts there (one entry of overlap, whatever the numbering starts from) and drops what it
 * has already seen by sequence number. Corrections and retractions are new entries, so they
 * arrive like any other.
 */
export class EventCache {
  private readonly seen = new Set<number>();
  private readonly entries: { seq: number; event: MapEvent }[] = [];
  private from = 0;

  constructor(
    private readonly types: readonly string[],
    private readonly fetchPage: FetchPage,
  ) {}

  private running: Promise<unknown> = Promise.resolve();

  /**
   * Reads what is new (with `ledgerSize` as known before the read); returns every event. Reads
   * run one after another, so that a read asked for while one runs starts where it ended.
   */
  refresh(ledgerSize: number): Promise<MapEvent[]> {
    const next = this.running.then(
      () => this.read(ledgerSize),
      () => this.read(ledgerSize),
    );
    this.running = next.catch(() => undefined);
    return next;
  }

  private async read(ledgerSize: number): Promise<MapEvent[]> {
    const start = this.from;
    for (const type of this.types) {
      let cursor: number | null = start;
      while (cursor !== null) {
        const page: EventsPage = await this.fetchPage(type, cursor);
        for (const entry of page.events) {
          if (this.seen.has(entry.seq)) continue;
          this.seen.add(entry.seq);
          this.entries.push(entry);
        }
        cursor = page.nextCursor;
      }
    }
    this.from = Math.max(this.from, ledgerSize - 1);
    this.entries.sort((a, b) => a.seq - b.seq);
    return this.entries.map((entry) => entry.event);
  }
}
