import {
  type Consignment,
  type Dwell,
  dwellsOf,
  type WaitingState,
  waitingStates,
} from './consignments.js';

/**
 * How long consignments wait in each state, per crossing and per day (the day they entered the
 * state, in the agreement's calendar). Median and 90th percentile are over the stays that ended;
 * stays still open are counted apart, and those open longer than the state's threshold are
 * "stuck" — the list the cell chases.
 */

/** Hours after which a consignment still waiting in a state is stuck (planning defaults). */
export const defaultStuckHours: Readonly<Record<WaitingState, number>> = {
  registered: 48,
  cleared: 24,
  crossed: 12,
  uncollected: 12,
  collected: 24,
  warehoused: 72,
};

export interface DwellStats {
  crossing: string;
  state: WaitingState;
  /** The day the stays began; null in the summary over all days. */
  day: number | null;
  /** Stays that ended. */
  count: number;
  medianHours: number | null;
  p90Hours: number | null;
  /** Stays still open at asOf. */
  open: number;
  /** Consignments open longer than the threshold, longest first. */
  stuck: { consignment: string; hours: number }[];
  stuckAfterHours: number;
}

export interface DwellOptions {
  asOf: number;
  /** The agreement's day number of an instant (Calendar.dayOf). */
  dayOf: (ms: number) => number;
  stuckHours?: Partial<Record<WaitingState, number>>;
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? null;
}

const round = (hours: number) => Math.round(hours * 10) / 10;

function stats(
  crossing: string,
  state: WaitingState,
  day: number | null,
  dwells: readonly Dwell[],
  threshold: number,
): DwellStats {
  const ended = dwells
    .filter((d) => d.untilMs !== null)
    .map((d) => d.hours)
    .sort((a, b) => a - b);
  const open = dwells.filter((d) => d.untilMs === null);
  const median = percentile(ended, 50);
  const p90 = percentile(ended, 90);
  return {
    crossing,
    state,
    day,
    count: ended.length,
    medianHours: median === null ? null : round(median),
    p90Hours: p90 === null ? null : round(p90),
    open: open.length,
    stuck: open
      .filter((d) => d.hours > threshold)
      .sort((a, b) => b.hours - a.hours || (a.consignment < b.consignment ? -1 : 1))
      .map((d) => ({ consignment: d.consignment, hours: round(d.hours) })),
    stuckAfterHours: threshold,
  };
}

export interface DwellSummary {
  /** Per crossing and state, over all days. */
  byCrossing: DwellStats[];
  /** Per crossing, state and day the stays began. */
  byDay: DwellStats[];
}

export function summariseDwell(
  consignments: readonly Consignment[],
  options: DwellOptions,
): DwellSummary {
  const thresholds = { ...defaultStuckHours, ...options.stuckHours };
  const groups = new Map<string, Dwell[]>();
  const dayGroups = new Map<string, { day: number; dwells: Dwell[] }>();
  for (const consignment of consignments) {
    for (const dwell of dwellsOf(consignment, options.asOf)) {
      const key = `${dwell.crossing}\u0000${dwell.state}`;
      const list = groups.get(key) ?? [];
      list.push(dwell);
      groups.set(key, list);
      const day = options.dayOf(dwell.fromMs);
      const dayKey = `${key}\u0000${day}`;
      const entry = dayGroups.get(dayKey) ?? { day, dwells: [] };
      entry.dwells.push(dwell);
      dayGroups.set(dayKey, entry);
    }
  }
  const order = (a: DwellStats, b: DwellStats) =>
    (a.crossing < b.crossing ? -1 : a.crossing > b.crossing ? 1 : 0) ||
    waitingStates.indexOf(a.state) - waitingStates.indexOf(b.state) ||
    (a.day ?? 0) - (b.day ?? 0);
  const byCrossing = [...groups.entries()]
    .map(([key, dwells]) => {
      const [crossing = '', state] = key.split('\u0000') as [string, WaitingState];
      return stats(crossing, state, null, dwells, thresholds[state]);
    })
    .sort(order);
  const byDay = [...dayGroups.entries()]
    .map(([key, { day, dwells }]) => {
      const [crossing = '', state] = key.split('\u0000') as [string, WaitingState];
      return stats(crossing, state, day, dwells, thresholds[state]);
    })
    .sort(order);
  return { byCrossing, byDay };
}
