import type { Agreement } from '../agreement/schema.js';
import type { Calendar } from '../engine/calendar.js';
import type { EventOf, TruceEvent } from '../events/schema.js';
import { effectiveAidEvents } from './consignments.js';
import { consignmentCounts, countsOnItsOwn } from './counting.js';
import {
  type CrossingCount,
  type PairReconciliation,
  profilesBySource,
  reconcileSources,
  type SourceCount,
} from './reconcile.js';

/**
 * Trucks per day as each source counts them (aid counts and crossing consignments, counted as
 * the quotas count them), matched by day, and within a day by crossing and cargo, with each
 * pair's difference explained by the sources' profiles.
 */

export interface SourceDayFigure {
  source: string;
  count: number;
  halfLoaded: number;
  /** Of `count`, trucks of consignments counted at their crossing step. */
  fromConsignments: number;
}

export interface AidCell {
  crossing: string;
  cargo: string;
  sources: SourceDayFigure[];
  reconciliation: PairReconciliation[];
}

export interface AidDay {
  day: number;
  sources: SourceDayFigure[];
  reconciliation: PairReconciliation[];
  cells: AidCell[];
}

interface Counted {
  source: string;
  day: number;
  crossing: string;
  cargo: string;
  count: number;
  halfLoaded: number;
  consignment: boolean;
}

export interface DailyOptions {
  asOf: number;
  calendar: Calendar;
  revisers?: ReadonlySet<string>;
  fromDay?: number;
  untilDay?: number;
}

function counted(events: readonly TruceEvent[], options: DailyOptions): Counted[] {
  const timed = effectiveAidEvents(events, { asOf: options.asOf, revisers: options.revisers });
  timed.sort((a, b) => a.occurredMs - b.occurredMs || (a.event.id < b.event.id ? -1 : 1));
  const out: Counted[] = [];
  for (const { event, occurredMs } of timed) {
    if (event.type !== 'aid_trucks_crossed' || !countsOnItsOwn(event)) continue;
    const p = (event as EventOf<'aid_trucks_crossed'>).payload;
    out.push({
      source: event.source,
      day: options.calendar.dayOf(occurredMs),
      crossing: p.crossing,
      cargo: p.cargo,
      count: p.count,
      halfLoaded: p.halfLoaded ?? 0,
      consignment: false,
    });
  }
  for (const c of consignmentCounts(timed)) {
    out.push({
      source: c.source,
      day: options.calendar.dayOf(c.occurredMs),
      crossing: c.crossing,
      cargo: c.cargo ?? 'unknown',
      count: c.count,
      halfLoaded: c.halfLoaded,
      consignment: true,
    });
  }
  return out;
}

function figures(items: readonly Counted[]): {
  figures: SourceDayFigure[];
  counts: SourceCount[];
} {
  const bySource = new Map<
    string,
    { figure: SourceDayFigure; byCrossing: Map<string, CrossingCount> }
  >();
  for (const item of items) {
    let entry = bySource.get(item.source);
    if (!entry) {
      entry = {
        figure: { source: item.source, count: 0, halfLoaded: 0, fromConsignments: 0 },
        byCrossing: new Map(),
      };
      bySource.set(item.source, entry);
    }
    entry.figure.count += item.count;
    entry.figure.halfLoaded += item.halfLoaded;
    if (item.consignment) entry.figure.fromConsignments += item.count;
    const at = entry.byCrossing.get(item.crossing) ?? { count: 0, halfLoaded: 0 };
    entry.byCrossing.set(item.crossing, {
      count: at.count + item.count,
      halfLoaded: at.halfLoaded + item.halfLoaded,
    });
  }
  const entries = [...bySource.values()].sort((a, b) =>
    a.figure.source < b.figure.source ? -1 : 1,
  );
  return {
    figures: entries.map((e) => e.figure),
    counts: entries.map((e) => ({
      source: e.figure.source,
      count: e.figure.count,
      halfLoaded: e.figure.halfLoaded,
      byCrossing: e.byCrossing,
    })),
  };
}

/** Each day with a figure, in order; within it, every source and every crossing and cargo. */
export function reconcileDaily(
  agreement: Agreement,
  events: readonly TruceEvent[],
  options: DailyOptions,
): AidDay[] {
  const profiles = profilesBySource(agreement.sourceProfiles ?? []);
  // With profiles, only profiled sources are paired: another source's figure (an agency's own
  // consignments, say) may cover a part of the trucks by design, and a gap to it means nothing.
  const paired = (counts: SourceCount[]) =>
    profiles.size === 0 ? counts : counts.filter((c) => profiles.has(c.source));
  const byDay = new Map<number, Counted[]>();
  for (const item of counted(events, options)) {
    if (options.fromDay !== undefined && item.day < options.fromDay) continue;
    if (options.untilDay !== undefined && item.day > options.untilDay) continue;
    const list = byDay.get(item.day) ?? [];
    list.push(item);
    byDay.set(item.day, list);
  }
  return [...byDay.entries()]
    .sort(([a], [b]) => a - b)
    .map(([day, items]) => {
      const total = figures(items);
      const cellItems = new Map<string, Counted[]>();
      for (const item of items) {
        const key = `${item.crossing}\u0000${item.cargo}`;
        const list = cellItems.get(key) ?? [];
        list.push(item);
        cellItems.set(key, list);
      }
      const cells = [...cellItems.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, list]) => {
          const [crossing = '', cargo = ''] = key.split('\u0000');
          const cell = figures(list);
          // A source that reported that day but not here counts 0 here (out of its scope…).
          for (const figure of total.figures) {
            if (cell.figures.some((f) => f.source === figure.source)) continue;
            cell.figures.push({
              source: figure.source,
              count: 0,
              halfLoaded: 0,
              fromConsignments: 0,
            });
            cell.counts.push({
              source: figure.source,
              count: 0,
              halfLoaded: 0,
              byCrossing: new Map(),
            });
          }
          cell.figures.sort((a, b) => (a.source < b.source ? -1 : 1));
          return {
            crossing,
            cargo,
            sources: cell.figures,
            reconciliation: reconcileSources(paired(cell.counts), profiles),
          };
        });
      return {
        day,
        sources: total.figures,
        reconciliation: reconcileSources(paired(total.counts), profiles),
        cells,
      };
    });
}
