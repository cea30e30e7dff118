import type { SourceProfile } from '../agreement/schema.js';

/**
 * Reconciliation of sources: the same measure (trucks on a day, at a crossing, of a cargo)
 * reported by two organisations that count differently. Each known difference in method — a
 * half-loaded truck counted as a full one by one source and merged after repacking by the
 * other, crossings one source does not cover — explains part of the gap; what no rule explains
 * is the residual the cell must ask about.
 */

export interface CrossingCount {
  count: number;
  halfLoaded: number;
}

/** What one source reported for a measure, with the detail the rules need. */
export interface SourceCount {
  source: string;
  count: number;
  /** Of `count`, trucks the source (or its reports) says were not fully loaded. */
  halfLoaded: number;
  /**
   * Per crossing, at least for the crossings some profile leaves out of scope (the others may be
   * absent: the rules need only those).
   */
  byCrossing: ReadonlyMap<string, CrossingCount>;
}

export type ReconciliationRule = 'half-loads' | 'crossings out of scope';

export interface Explanation {
  rule: ReconciliationRule;
  /** Part of the difference (higher minus lower) this rule accounts for. */
  amount: number;
  detail: string;
}

export interface PairReconciliation {
  higher: { source: string; count: number };
  lower: { source: string; count: number };
  difference: number;
  explained: Explanation[];
  /** difference − Σ explained: what no rule explains (0 when the rules account for all of it). */
  unexplained: number;
  /** False when the two count in different units (trucks and tonnes): nothing is compared. */
  comparable: boolean;
}

const defaultProfile = (source: string): SourceProfile => ({
  source,
  counts: 'trucks',
  halfLoaded: 'full',
});

function inScope(profile: SourceProfile, crossing: string): boolean {
  return profile.crossings === undefined || profile.crossings.includes(crossing);
}

/** Trucks a source's count gives to `h` physical half-loaded trucks. */
function halfLoadValue(profile: SourceProfile, h: number): number {
  switch (profile.halfLoaded) {
    case 'full':
      return h;
    case 'merged':
      return Math.ceil(h / 2);
    case 'excluded':
      return 0;
  }
}

function outOfScope(
  count: SourceCount,
  other: SourceProfile,
): CrossingCount & { crossings: string[] } {
  let trucks = 0;
  let halfLoaded = 0;
  const crossings: string[] = [];
  for (const [crossing, figure] of count.byCrossing) {
    if (inScope(other, crossing) || figure.count === 0) continue;
    trucks += figure.count;
    halfLoaded += figure.halfLoaded;
    crossings.push(crossing);
  }
  return { count: trucks, halfLoaded, crossings: crossings.sort() };
}

/** Explains the difference between two sources' figures by their profiles. */
export function reconcilePair(
  a: SourceCount,
  b: SourceCount,
  profiles: ReadonlyMap<string, SourceProfile>,
): PairReconciliation {
  const [high, low] = a.count >= b.count ? [a, b] : [b, a];
  const highProfile = profiles.get(high.source) ?? defaultProfile(high.source);
  const lowProfile = profiles.get(low.source) ?? defaultProfile(low.source);
  const difference = high.count - low.count;
  const base = {
    higher: { source: high.source, count: high.count },
    lower: { source: low.source, count: low.count },
    difference,
  };
  if (highProfile.counts !== lowProfile.counts) {
    return { ...base, explained: [], unexplained: difference, comparable: false };
  }
  const explained: Explanation[] = [];
  // Crossings one source covers and the other does not.
  const highOnly = outOfScope(high, lowProfile);
  const lowOnly = outOfScope(low, highProfile);
  const scope = highOnly.count - lowOnly.count;
  if (scope !== 0) {
    const parts = [
      highOnly.count > 0
        ? `${high.source} counts ${highOnly.count} at ${highOnly.crossings.join(', ')}, which ${low.source} does not cover`
        : '',
      lowOnly.count > 0
        ? `${low.source} counts ${lowOnly.count} at ${lowOnly.crossings.join(', ')}, which ${high.source} does not cover`
        : '',
    ].filter(Boolean);
    explained.push({ rule: 'crossings out of scope', amount: scope, detail: parts.join('; ') });
  }
  // Half-loaded trucks on the crossings both cover, as whoever saw them reported them.
  const h = Math.max(high.halfLoaded - highOnly.halfLoaded, low.halfLoaded - lowOnly.halfLoaded);
  const halfLoads = halfLoadValue(highProfile, h) - halfLoadValue(lowProfile, h);
  if (h > 0 && halfLoads !== 0) {
    explained.push({
      rule: 'half-loads',
      amount: halfLoads,
      detail: `${h} half-loaded trucks: ${high.source} counts them ${highProfile.halfLoaded === 'full' ? 'as full trucks' : highProfile.halfLoaded === 'merged' ? 'two as one' : 'not at all'}, ${low.source} ${lowProfile.halfLoaded === 'full' ? 'as full trucks' : lowProfile.halfLoaded === 'merged' ? 'two as one, after repacking' : 'not at all'}`,
    });
  }
  const unexplained = difference - explained.reduce((sum, e) => sum + e.amount, 0);
  return { ...base, explained, unexplained, comparable: true };
}

/** Every pair of sources, highest figure first: with two sources, one pair. */
export function reconcileSources(
  counts: readonly SourceCount[],
  profiles: ReadonlyMap<string, SourceProfile>,
): PairReconciliation[] {
  const sorted = [...counts].sort(
    (x, y) => y.count - x.count || (x.source < y.source ? -1 : x.source > y.source ? 1 : 0),
  );
  const out: PairReconciliation[] = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const x = sorted[i];
      const y = sorted[j];
      if (x && y) out.push(reconcilePair(x, y, profiles));
    }
  }
  return out;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** "cogat 419, un 223: 160 explained by half-loads, 36 by crossings out of scope, 0 unexplained". */
export function describePair(pair: PairReconciliation): string {
  const head = `${pair.higher.source} ${fmt(pair.higher.count)}, ${pair.lower.source} ${fmt(pair.lower.count)}`;
  if (!pair.comparable) return `${head}: not comparable (different units)`;
  if (pair.difference === 0) return `${head}: the same`;
  const parts = pair.explained.map(
    (e, i) => `${fmt(e.amount)}${i === 0 ? ' explained' : ''} by ${e.rule}`,
  );
  parts.push(`${fmt(pair.unexplained)} unexplained`);
  return `${head}: ${parts.join(', ')}`;
}

/** Profiles by source, for lookups. */
export function profilesBySource(
  profiles: readonly SourceProfile[],
): ReadonlyMap<string, SourceProfile> {
  return new Map(profiles.map((p) => [p.source, p]));
}

/** The crossings some profile leaves out: the only ones the rules need figures for. */
export function crossingsOutOfSomeScope(
  profiles: readonly SourceProfile[],
  crossings: readonly string[],
): string[] {
  return crossings.filter((c) => profiles.some((p) => !inScope(p, c)));
}
