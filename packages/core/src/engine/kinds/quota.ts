import type { Agreement, QuotaObligation } from '../../agreement/schema.js';
import {
  asTrucksCrossed,
  type ConsignmentCount,
  consignmentCounts,
  consignmentCrossingMatch,
  countsOnItsOwn,
} from '../../aid/counting.js';
import {
  crossingsOutOfSomeScope,
  describePair,
  type PairReconciliation,
  profilesBySource,
  reconcileSources,
  type SourceCount,
} from '../../aid/reconcile.js';
import type { Context, CorrectedCount } from '../context.js';
import { compiledMatch, fieldQuantity, formatNumber, quantityKey } from '../context.js';
import type { EventView, Slot } from '../event-index.js';
import { primary } from '../reported.js';
import type { PeriodFigure, SourceFigure } from '../types.js';
import { type KindResult, plural, result } from './result.js';

/**
 * A quota over `aid_trucks_crossed` counts trucks: consignments count at their crossing step,
 * once per organisation, and a count that names its consignment is not added again
 * (aid/counting.ts). Other quotas (items, a payload field other than `count`) sum as reported.
 */
function countsTrucks(obligation: QuotaObligation): boolean {
  const types = [obligation.measure.type].flat();
  return types.includes('aid_trucks_crossed') && (obligation.field ?? 'count') === 'count';
}

const OWN_COUNT = 'aid:count';
const OWN_HALF_LOADED = 'aid:halfLoaded';
const crossingKey = (crossing: string, what: 'count' | 'halfLoaded') => `aid:${crossing}:${what}`;

/**
 * Whether the quota's days are reconciled between sources: the quota over all trucks (no `where`),
 * when at least two sources have profiles. Its shares (fuel, north) show each source's figure;
 * GET /api/v1/aid/reconciliation reconciles them per crossing and cargo. Keeping the extra
 * per-event sums to one quota keeps appending aid counts cheap (bench/engine.ts).
 */
function reconciles(obligation: QuotaObligation, agreement: Agreement | undefined): boolean {
  return (
    agreement !== undefined &&
    (agreement.sourceProfiles ?? []).length >= 2 &&
    obligation.measure.where === undefined &&
    obligation.measure.source === undefined
  );
}

const tracked = new WeakMap<Agreement, string[]>();

/** The crossings whose figures the reconciliation needs (those some source does not cover). */
function trackedCrossings(agreement: Agreement): string[] {
  let list = tracked.get(agreement);
  if (!list) {
    const profiles = agreement.sourceProfiles ?? [];
    const crossings = agreement.places.filter((p) => p.kind === 'crossing').map((p) => p.id);
    list = profiles.length < 2 ? [] : crossingsOutOfSomeScope(profiles, crossings);
    tracked.set(agreement, list);
  }
  return list;
}

const ownQuantity =
  (field: 'count' | 'halfLoaded', crossing?: string) =>
  (event: EventView): number => {
    if (!countsOnItsOwn(event)) return 0;
    const payload = event.payload as { crossing?: unknown; count?: unknown; halfLoaded?: unknown };
    if (crossing !== undefined && payload.crossing !== crossing) return 0;
    const value = payload[field];
    return typeof value === 'number' && Number.isFinite(value) ? value : 0;
  };

/** Registers the running sums a quota needs, before any event is appended. */
export function prepareQuota(
  obligation: QuotaObligation,
  context: Pick<Context, 'sumsSlot'> & { slot?: (match: QuotaObligation['measure']) => Slot },
  agreement?: Agreement,
): void {
  const field = obligation.field ?? 'count';
  const sums = context.sumsSlot(obligation.measure);
  if (!countsTrucks(obligation)) {
    sums.addQuantity(quantityKey(field), fieldQuantity(field));
    return;
  }
  sums.addQuantity(OWN_COUNT, ownQuantity('count'));
  // Registrations and crossings of consignments are read one by one (to count each once).
  context.slot?.(consignmentCrossingMatch);
  if (!agreement || !reconciles(obligation, agreement)) return;
  sums.addQuantity(OWN_HALF_LOADED, ownQuantity('halfLoaded'));
  for (const crossing of trackedCrossings(agreement)) {
    sums.addQuantity(crossingKey(crossing, 'count'), ownQuantity('count', crossing));
    sums.addQuantity(crossingKey(crossing, 'halfLoaded'), ownQuantity('halfLoaded', crossing));
  }
}

/** Counted consignment crossings by day, once per evaluation (all aid quotas share them). */
const consignmentsByContext = new WeakMap<Context, Map<number, ConsignmentCount[]>>();

function consignmentsOn(context: Context, day: number): ConsignmentCount[] {
  let byDay = consignmentsByContext.get(context);
  if (!byDay) {
    byDay = new Map();
    const records = context.slot(consignmentCrossingMatch).records(context.asOf);
    if (records.length > 0) {
      const counts = consignmentCounts(
        records.map((r) => ({ event: r.event, occurredMs: r.record.occurredAt })),
      );
      for (const count of counts) {
        const d = context.calendar.dayOf(count.occurredMs);
        const list = byDay.get(d) ?? [];
        list.push(count);
        byDay.set(d, list);
      }
    }
    consignmentsByContext.set(context, byDay);
  }
  return byDay.get(day) ?? [];
}

/** A corrected count placed on the day and source of the event it corrects. */
interface PlacedCorrection {
  day: number;
  source: string;
  /** The event's figure as reported (after its own corrections), and the decided one. */
  from: number;
  to: number;
  decided: CorrectedCount;
  /** For a reconciled trucks quota: the tracked crossing the event counted at, if any. */
  crossing?: string;
}

/**
 * The mediators' corrected counts of this quota (dispute measures known at `asOf`), each on the
 * day and source of the event it corrects; a count that is not one of the quota's is a warning.
 */
function placedCorrections(obligation: QuotaObligation, context: Context): PlacedCorrection[] {
  const decided = context.correctedCounts(obligation.id);
  if (decided.length === 0) return [];
  const slot = context.sumsSlot(obligation.measure);
  const key = countsTrucks(obligation) ? OWN_COUNT : quantityKey(obligation.field ?? 'count');
  const placed: PlacedCorrection[] = [];
  for (const correction of decided) {
    const figure = slot.figureOf(correction.event, key, context.asOf);
    if (figure === null) {
      context.warnings.push({
        eventId: correction.eventId,
        message: `corrected count of ${correction.event} not applied to ${obligation.id}: that event is not a count of ${compiledMatch(obligation.measure).describe()} known at this time`,
      });
      continue;
    }
    // The reconciliation's per-crossing figures follow the correction too.
    const crossing = reconciles(obligation, context.agreement)
      ? trackedCrossings(context.agreement).find(
          (c) =>
            (slot.figureOf(correction.event, crossingKey(c, 'count'), context.asOf)?.value ?? 0) !==
            0,
        )
      : undefined;
    placed.push({
      day: figure.day,
      source: figure.source,
      from: figure.value,
      to: correction.count,
      decided: correction,
      ...(crossing === undefined ? {} : { crossing }),
    });
  }
  return placed;
}

function correctionsText(placed: readonly PlacedCorrection[]): string {
  if (placed.length === 0) return '';
  const list = placed
    .map(
      (c) =>
        `Day ${c.day}, ${c.decided.event} by ${c.source}: ${formatNumber(c.from)} corrected to ${formatNumber(c.to)} by the mediators' decision on ${c.decided.dispute} (${c.decided.eventId})`,
    )
    .join('; ');
  return ` Corrected counts: ${list}.`;
}

function correctionIds(placed: readonly PlacedCorrection[]): string[] {
  return [...new Set(placed.flatMap((c) => [c.decided.eventId, c.decided.event]))];
}

interface DayFigures {
  bySource: Map<string, number>;
  reconciliation: PairReconciliation[] | null;
}

/** Each source's figure for a day, and, when the sources have profiles, how they reconcile. */
function dayFigures(
  obligation: QuotaObligation,
  context: Context,
  day: number,
  corrections: readonly PlacedCorrection[],
): DayFigures {
  const slot = context.sumsSlot(obligation.measure);
  const asOf = context.asOf;
  const correct = (bySource: Map<string, number>) => {
    for (const c of corrections) {
      if (c.day === day) bySource.set(c.source, (bySource.get(c.source) ?? 0) - c.from + c.to);
    }
    return bySource;
  };
  if (!countsTrucks(obligation)) {
    return {
      bySource: correct(slot.daySums(day, quantityKey(obligation.field ?? 'count'), asOf)),
      reconciliation: null,
    };
  }
  const bySource = correct(slot.daySums(day, OWN_COUNT, asOf));
  const consignments = consignmentsOn(context, day);
  const match = consignments.length > 0 ? compiledMatch(obligation.measure) : null;
  const counted = match ? consignments.filter((c) => match.test(asTrucksCrossed(c))) : [];
  for (const c of counted) bySource.set(c.source, (bySource.get(c.source) ?? 0) + c.count);
  const agreement = context.agreement;
  if (!reconciles(obligation, agreement) || bySource.size < 2) {
    return { bySource, reconciliation: null };
  }
  const half = slot.daySums(day, OWN_HALF_LOADED, asOf);
  const tracked = trackedCrossings(agreement);
  const perCrossing = tracked.map((crossing) => {
    const count = slot.daySums(day, crossingKey(crossing, 'count'), asOf);
    for (const c of corrections) {
      if (c.day === day && c.crossing === crossing)
        count.set(c.source, (count.get(c.source) ?? 0) - c.from + c.to);
    }
    return {
      crossing,
      count,
      halfLoaded: slot.daySums(day, crossingKey(crossing, 'halfLoaded'), asOf),
    };
  });
  const counts: SourceCount[] = [...bySource.entries()].map(([source, count]) => {
    const byCrossing = new Map<string, { count: number; halfLoaded: number }>();
    for (const figure of perCrossing) {
      byCrossing.set(figure.crossing, {
        count: figure.count.get(source) ?? 0,
        halfLoaded: figure.halfLoaded.get(source) ?? 0,
      });
    }
    let halfLoaded = half.get(source) ?? 0;
    for (const c of counted) {
      if (c.source !== source) continue;
      halfLoaded += c.halfLoaded;
      const at = byCrossing.get(c.crossing);
      if (at)
        byCrossing.set(c.crossing, {
          count: at.count + c.count,
          halfLoaded: at.halfLoaded + c.halfLoaded,
        });
    }
    return { source, count, halfLoaded, byCrossing };
  });
  const rule = obligation.sources;
  const among = rule.combine === 'single' ? [rule.source] : rule.among;
  const compared = among ? counts.filter((c) => among.includes(c.source)) : counts;
  return {
    bySource,
    reconciliation:
      compared.length < 2
        ? null
        : reconcileSources(compared, profilesBySource(agreement.sourceProfiles ?? [])),
  };
}

interface Combined {
  done: number;
  sources: SourceFigure[];
  basis: string;
}

/** One figure from several sources' figures, by the agreement's rule; each source still shown. */
function combine(obligation: QuotaObligation, bySource: Map<string, number>): Combined {
  const rule = obligation.sources;
  const among =
    rule.combine === 'single' ? [rule.source] : (rule.among ?? [...bySource.keys()].sort());
  const sources = among
    .filter((s) => bySource.has(s))
    .map((source) => ({ source, done: bySource.get(source) ?? 0 }));
  if (sources.length === 0) return { done: 0, sources, basis: 'no report' };
  switch (rule.combine) {
    case 'single':
      return { done: sources[0]?.done ?? 0, sources, basis: rule.source };
    case 'priority':
      return {
        done: sources[0]?.done ?? 0,
        sources,
        basis: `${sources[0]?.source} (first by priority)`,
      };
    case 'min': {
      const low = sources.reduce((a, b) => (b.done < a.done ? b : a));
      return {
        done: low.done,
        sources,
        basis: sources.length > 1 ? `lowest, ${low.source}` : low.source,
      };
    }
    case 'max': {
      const high = sources.reduce((a, b) => (b.done > a.done ? b : a));
      return {
        done: high.done,
        sources,
        basis: sources.length > 1 ? `highest, ${high.source}` : high.source,
      };
    }
  }
}

function meets(obligation: QuotaObligation, done: number, required: number): boolean {
  const tolerance = obligation.tolerancePercent / 100;
  return obligation.comparison === 'atLeast'
    ? done >= required * (1 - tolerance)
    : done <= required * (1 + tolerance);
}

export function evaluateQuota(obligation: QuotaObligation, context: Context): KindResult {
  const { calendar, asOf } = context;
  const target = primary(obligation.target);
  const unit = obligation.unit;
  const window = context.window(obligation);
  const clause = `"${obligation.title}" (${obligation.clause.trim()})`;
  const verb = obligation.comparison === 'atLeast' ? 'at least' : 'at most';
  if (window.start === null) {
    return result({
      status: 'not_started',
      progress: { done: 0, required: null, unit },
      why: `${clause}: ${verb} ${formatNumber(target)} ${unit}; it ${window.why}.`,
    });
  }
  const start = window.start;
  const end = window.end;
  const until = end === null ? asOf : Math.min(asOf, end);
  const ended = end !== null && end <= asOf;

  if ('rollingHours' in obligation.period)
    return rolling(obligation, context, obligation.period.rollingHours);

  const totals = new Map<string, number>();
  const periods: PeriodFigure[] = [];
  const firstDay = calendar.dayOf(start);
  const lastDay = calendar.dayOf(Math.max(start, until - 1));
  const whole = 'whole' in obligation.period;
  let wholeSums = new Map<string, number>();
  const corrections = placedCorrections(obligation, context);
  const correctedText = correctionsText(corrections);
  for (let day = firstDay; day <= lastDay; day++) {
    const figures = dayFigures(obligation, context, day, corrections);
    const sums = figures.bySource;
    for (const [source, amount] of sums) totals.set(source, (totals.get(source) ?? 0) + amount);
    if (whole) {
      wholeSums = totals;
      continue;
    }
    const dayStart = calendar.dayStart(day);
    const dayEnd = calendar.dayEnd(day);
    const covered = Math.min(dayEnd, end ?? dayEnd) - Math.max(dayStart, start);
    // Each day is judged under the version of the agreement in force on it.
    const dayTarget = primary(context.obligationAt(obligation, dayStart).target);
    const required = Math.ceil((dayTarget * covered) / (dayEnd - dayStart));
    const combined = combine(obligation, sums);
    const complete = asOf >= dayEnd || (end !== null && asOf >= end);
    periods.push({
      day,
      from: calendar.format(Math.max(dayStart, start)),
      to: calendar.format(Math.min(dayEnd, end ?? dayEnd)),
      done: combined.done,
      required,
      met: meets(obligation, combined.done, required),
      complete,
      reported: combined.sources.length > 0,
      sources: combined.sources,
      ...(figures.reconciliation ? { reconciliation: figures.reconciliation } : {}),
    });
  }
  const sources = combine(obligation, totals).sources;
  const sourceText =
    sources.length > 1
      ? ` By source: ${sources.map((s) => `${s.source} ${formatNumber(s.done)}`).join(', ')}.`
      : '';
  const rule = obligation.sources;
  const ruleText =
    rule.combine === 'single'
      ? `counted by ${rule.source}`
      : `${rule.combine === 'priority' ? 'first source by priority' : `${rule.combine === 'max' ? 'highest' : 'lowest'} reported figure`}${rule.among ? ` among ${rule.among.join(', ')}` : ''}`;

  if (whole) {
    const combined = combine(obligation, wholeSums);
    const done = combined.done;
    const met = meets(obligation, done, target);
    const elapsed = until - start;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const projected = rate > 0 ? start + target / rate : null;
    const status = met
      ? 'met'
      : ended
        ? 'breached'
        : projected !== null && end !== null && projected <= end
          ? 'on_track'
          : 'at_risk';
    return result({
      status:
        obligation.comparison === 'atMost'
          ? met
            ? ended
              ? 'met'
              : 'on_track'
            : 'breached'
          : status,
      progress: { done, required: target, unit },
      why: `${clause}: ${formatNumber(done)} of ${formatNumber(target)} ${unit} ${ended ? 'over the period' : `so far (${ruleText})`}${met ? '' : end !== null ? `; the period ends ${calendar.describe(end)}` : ''}.${sourceText}${correctedText}`,
      eventIds: correctionIds(corrections),
      forecast:
        obligation.comparison === 'atLeast' && !met
          ? {
              metAt: projected === null ? null : calendar.format(projected),
              basis: `average rate since ${calendar.describe(start)}`,
            }
          : null,
      sources: combined.sources,
      dueAt: end,
    });
  }

  // A day no source has reported on is not judged: unreported is not zero.
  const unreported = periods.filter((p) => p.complete && !p.reported);
  const complete = periods.filter((p) => p.complete && p.reported);
  const short = complete.filter((p) => !p.met);
  const current = periods.find((p) => !p.complete) ?? null;
  const last = complete[complete.length - 1] ?? null;
  const describePeriod = (p: PeriodFigure) =>
    `Day ${p.day}: ${formatNumber(p.done)}/${formatNumber(p.required)}`;
  const shortText =
    complete.length === 0
      ? ''
      : short.length === 0
        ? ` Met on all ${plural(complete.length, 'day')} so far.`
        : ` Short on ${short.length} of ${plural(complete.length, 'day')} (${short
            .slice(-5)
            .map(describePeriod)
            .join('; ')}${short.length > 5 ? '; …' : ''}).`;

  const unreportedText = unreported.length
    ? ` No figures yet for ${unreported.length === 1 ? 'Day' : 'Days'} ${unreported
        .slice(-8)
        .map((p) => p.day)
        .join(', ')}${unreported.length > 8 ? ' …' : ''}.`
    : '';
  let forecast: KindResult['forecast'] = null;
  let currentShort = false;
  if (current) {
    const periodStart = Date.parse(current.from);
    const periodEnd = Date.parse(current.to);
    const elapsed = asOf - periodStart;
    if (obligation.comparison === 'atLeast') {
      const rate = elapsed > 0 ? current.done / elapsed : 0;
      const metAt =
        current.done >= current.required
          ? asOf
          : rate > 0
            ? periodStart + current.required / rate
            : null;
      forecast = {
        metAt: metAt === null ? null : calendar.format(metAt),
        basis: `rate so far on Day ${current.day} (${formatNumber(current.done)} ${unit} in ${Math.round(elapsed / 360_000) / 10} h)`,
      };
      // Early in the day a straight-line forecast is noise (crossings open in daytime): warn only after half of it.
      // Sources often report a day's total once, after the fact: with no report yet today
      // there is no rate to go on, only silence.
      currentShort =
        current.sources.length > 0 &&
        elapsed >= (periodEnd - periodStart) / 2 &&
        (metAt === null || metAt > periodEnd);
    } else {
      currentShort = !current.met;
    }
  }

  const totalDone = periods.reduce((sum, p) => sum + p.done, 0);
  const totalRequired = periods.reduce((sum, p) => sum + p.required, 0);
  let status: KindResult['status'];
  let headline: string;
  if (obligation.assess === 'average') {
    const completeDone = complete.reduce((sum, p) => sum + p.done, 0);
    const completeRequired = complete.reduce((sum, p) => sum + p.required, 0);
    const averageMet = complete.length === 0 || meets(obligation, completeDone, completeRequired);
    status = ended
      ? averageMet
        ? 'met'
        : 'breached'
      : !averageMet
        ? 'breached'
        : currentShort
          ? 'at_risk'
          : 'on_track';
    headline = `average ${formatNumber(complete.length ? completeDone / complete.length : 0)} ${unit} a day over ${plural(complete.length, 'complete day')} against ${verb} ${formatNumber(target)}`;
  } else if (ended) {
    status = short.length === 0 ? 'met' : 'breached';
    headline = `${verb} ${formatNumber(target)} ${unit} a day over ${plural(complete.length, 'day')}`;
  } else if (last && !last.met) {
    status = 'breached';
    headline = `${verb} ${formatNumber(target)} ${unit} a day; the last complete day fell short (${describePeriod(last)})`;
  } else if (obligation.comparison === 'atMost' && current && !current.met) {
    status = 'breached';
    headline = `${verb} ${formatNumber(target)} ${unit} a day; exceeded today (${describePeriod(current)})`;
  } else if (currentShort) {
    status = 'at_risk';
    headline = `${verb} ${formatNumber(target)} ${unit} a day; at the rate so far today (${current ? describePeriod(current) : ''}) the day will fall short`;
  } else {
    status = 'on_track';
    headline = `${verb} ${formatNumber(target)} ${unit} a day${current ? `; today so far ${describePeriod(current)}` : ''}`;
  }
  const reconciled = [...complete].reverse().find((p) => p.reconciliation !== undefined);
  const reconciledText = reconciled?.reconciliation
    ? ` Reconciled Day ${reconciled.day}: ${formatNumber(reconciled.done)}; ${reconciled.reconciliation.map(describePair).join('; ')}.`
    : '';
  return result({
    status,
    progress: { done: totalDone, required: totalRequired, unit },
    why: `${clause}: ${headline}.${shortText}${unreportedText} Figures: ${ruleText}.${sourceText}${reconciledText}${correctedText}`,
    eventIds: correctionIds(corrections),
    forecast,
    sources,
    periods,
    dueAt: end,
  });
}

function rolling(obligation: QuotaObligation, context: Context, hours: number): KindResult {
  const { calendar, asOf } = context;
  const target = primary(obligation.target);
  const from = asOf - hours * 3_600_000;
  const slot = context.slot(obligation.measure);
  const field = obligation.field ?? 'count';
  const bySource = new Map<string, number>();
  const decided = new Map(context.correctedCounts(obligation.id).map((c) => [c.event, c]));
  const applied: PlacedCorrection[] = [];
  for (let day = calendar.dayOf(from); day <= calendar.dayOf(asOf); day++) {
    for (const record of slot.dayRecords(day, asOf)) {
      if (record.record.occurredAt <= from) continue;
      const reported = (record.event.payload as Record<string, unknown>)[field];
      const correction = decided.get(record.record.id);
      if (correction && typeof reported === 'number') {
        applied.push({
          day,
          source: record.event.source,
          from: reported,
          to: correction.count,
          decided: correction,
        });
      }
      const value = correction ? correction.count : reported;
      if (typeof value === 'number')
        bySource.set(record.event.source, (bySource.get(record.event.source) ?? 0) + value);
    }
  }
  const combined = combine(obligation, bySource);
  const met = meets(obligation, combined.done, target);
  return result({
    status: met ? 'on_track' : 'breached',
    progress: { done: combined.done, required: target, unit: obligation.unit },
    why: `"${obligation.title}" (${obligation.clause.trim()}): ${formatNumber(combined.done)} ${obligation.unit} in the ${hours} h to ${calendar.describe(asOf)} against ${obligation.comparison === 'atLeast' ? 'at least' : 'at most'} ${formatNumber(target)} (${combined.basis}).${correctionsText(applied)}`,
    eventIds: correctionIds(applied),
    sources: combined.sources,
  });
}
