import type { ProhibitionObligation } from '../../agreement/schema.js';
import { zoneText } from '../../zones/layer.js';
import { instantMs } from '../calendar.js';
import type { Context } from '../context.js';
import { formatNumber } from '../context.js';
import type { Bucket, Slot } from '../event-index.js';
import { primary } from '../reported.js';
import { formatHours } from './deadline.js';
import { type KindResult, plural, result, uniqueIds } from './result.js';

interface Violation {
  time: number;
  text: string;
  ids: string[];
}

interface DayVerdict {
  violation: Violation | null;
  ids: string[];
}

/** Per-day verdicts of complete days do not change unless that day's events do: cache them. */
const dayCache = new WeakMap<
  Bucket,
  Map<string, { version: number; exchangeVersion: number; verdict: DayVerdict }>
>();

function endOf(event: { payload: unknown }, start: number): number {
  const ended = (event.payload as { endedAt?: unknown }).endedAt;
  const time = typeof ended === 'string' ? instantMs(ended) : Number.NaN;
  return Number.isFinite(time) && time > start ? time : start;
}

interface Act {
  id: string;
  from: number;
  to: number;
}

/**
 * A day's acts, in time order, once everything that bears on the day is known (asOf at or past
 * the bucket's latest time): they then change only with the bucket's version. Every variant of
 * an obligation (a reported alternative, a phase's other duration) judges the same days from
 * the same acts, so each act's times are read once, not once per variant and neighbouring day.
 */
const actsCache = new WeakMap<Bucket, { version: number; acts: Act[] }>();

function actsOf(slot: Slot, day: number, asOf: number): Act[] {
  const bucket = slot.bucketAt(day);
  if (bucket === undefined) return [];
  const complete = asOf >= bucket.maxTime;
  if (complete) {
    const hit = actsCache.get(bucket);
    if (hit !== undefined && hit.version === bucket.version) return hit.acts;
  }
  // A day without revised events (nearly every day) is read straight from its records, in the
  // order `dayRecords` gives (time, then id), without an `Effective` for each.
  const acts =
    bucket.revised.length === 0
      ? bucket.plain
          .filter((record) => record.occurredAt <= asOf && record.reportedAt <= asOf)
          .map((record) => ({
            id: record.id,
            from: record.occurredAt,
            to: endOf(record, record.occurredAt),
          }))
          .sort((a, b) => a.from - b.from || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      : slot.dayRecords(day, asOf).map((r) => ({
          id: r.event.id,
          from: r.record.occurredAt,
          to: endOf(r.event, r.record.occurredAt),
        }));
  if (complete) actsCache.set(bucket, { version: bucket.version, acts });
  return acts;
}

/** An act that must not happen: always, in a daily window, or leaving too few quiet hours a day. */
export function evaluateProhibition(
  obligation: ProhibitionObligation,
  context: Context,
): KindResult {
  const { calendar, asOf } = context;
  const window = context.window(obligation);
  const clause = `"${obligation.title}" (${obligation.clause.trim()})${zoneText(obligation.zone, context.agreement.places)}`;
  if (window.start === null) {
    return result({
      status: 'not_started',
      progress: { done: 0, required: null, unit: 'days' },
      why: `${clause}: it ${window.why}.`,
    });
  }
  const start = window.start;
  const until = window.end === null ? asOf : Math.min(asOf, window.end);
  const ended = window.end !== null && window.end <= asOf;
  const slot = context.slot(obligation.act);
  const violations: Violation[] = [];
  const allEventIds: string[] = [];
  const firstDay = calendar.dayOf(start);
  const lastDay = calendar.dayOf(Math.max(start, until - 1));
  const spec = obligation.window;
  let windowText: string;
  if ('always' in spec) windowText = 'at any time';
  else if ('dailyFrom' in spec)
    windowText = `between ${spec.dailyFrom} and ${spec.dailyTo} each day`;
  else {
    windowText = `for at least ${primary(spec.quietHoursPerDay)} h a day${spec.onExchangeDays === undefined ? '' : ` (${primary(spec.onExchangeDays)} h on exchange days)`}`;
  }

  const judgeDay = (day: number): DayVerdict => {
    const dayStart = Math.max(calendar.dayStart(day), start);
    const dayEnd = Math.min(calendar.dayEnd(day), window.end ?? Number.POSITIVE_INFINITY);
    // Acts that began the day before may run past midnight. One pass: a day holds thousands.
    const acts: Act[] = [];
    const ids: string[] = [];
    for (const list of [actsOf(slot, day - 1, asOf), actsOf(slot, day, asOf)]) {
      for (const act of list) {
        if (act.to < dayStart || act.from >= dayEnd) continue;
        acts.push(act);
        if (act.from >= dayStart) ids.push(act.id);
      }
    }
    if ('always' in spec) {
      const first = acts.find((a) => a.from >= dayStart);
      return {
        ids,
        violation: first
          ? {
              time: first.from,
              text: `${plural(ids.length, 'act')} on Day ${day} (first ${calendar.describe(first.from)})`,
              ids,
            }
          : null,
      };
    }
    if ('dailyFrom' in spec) {
      // A window that ends before it starts runs past midnight (22:00–06:00): the part of
      // yesterday's window after midnight falls on this day too.
      const overnight = spec.dailyTo <= spec.dailyFrom;
      const windows = overnight
        ? [
            [calendar.at(day - 1, spec.dailyFrom), calendar.at(day, spec.dailyTo)],
            [calendar.at(day, spec.dailyFrom), calendar.at(day + 1, spec.dailyTo)],
          ]
        : [[calendar.at(day, spec.dailyFrom), calendar.at(day, spec.dailyTo)]];
      const inside = acts.filter(
        (a) =>
          a.from < dayEnd &&
          a.to >= dayStart &&
          windows.some(([from, to]) => a.from < to! && a.to > from! && a.to >= dayStart),
      );
      const first = inside[0];
      return {
        ids,
        violation: first
          ? {
              time: Math.max(first.from, dayStart),
              text: `${plural(inside.length, 'act')} inside ${spec.dailyFrom}–${spec.dailyTo} on Day ${day} (${inside.map((a) => a.id).join(', ')})`,
              ids: inside.map((a) => a.id),
            }
          : null,
      };
    }
    const exchangeDay =
      spec.exchangeDays !== undefined &&
      context.slot(spec.exchangeDays).dayRecords(day, asOf).length > 0;
    const needHours =
      exchangeDay && spec.onExchangeDays !== undefined
        ? primary(spec.onExchangeDays)
        : primary(spec.quietHoursPerDay);
    const observedUntil = Math.min(asOf, dayEnd);
    // Acts come in time order (each day's records are sorted, and the day before comes first), so
    // the gaps are found in one pass without copying them; out of order, they are sorted first.
    const inOrder = acts.every((a, i) => i === 0 || acts[i - 1]!.from <= a.from);
    const ordered = inOrder ? acts : [...acts].sort((a, b) => a.from - b.from);
    let longest = 0;
    let cursor = dayStart;
    for (const act of ordered) {
      const from = Math.max(act.from, dayStart);
      if (from > cursor) longest = Math.max(longest, from - cursor);
      cursor = Math.max(cursor, Math.min(act.to, observedUntil));
    }
    // After the last act the day is quiet until its end, unless more acts are reported later.
    longest = Math.max(longest, dayEnd - cursor);
    const need = Math.min(needHours * 3_600_000, dayEnd - dayStart);
    if (longest >= need) return { ids, violation: null };
    return {
      ids,
      violation: {
        time: dayEnd,
        text: `Day ${day}${exchangeDay ? ' (an exchange day)' : ''}: longest quiet period ${formatHours(longest / 3_600_000)}, ${needHours} h required (${plural(ids.length, 'act')}: ${ids.slice(0, 6).join(', ')}${ids.length > 6 ? ', …' : ''})`,
        ids: ids.slice(0, 6),
      },
    };
  };

  let daysJudged = 0;
  // What a cached verdict depends on besides the day's events: the same for every day.
  const key = `${obligation.id}:${JSON.stringify(spec)}:${start}:${window.end}`;
  for (let day = firstDay; day <= lastDay; day++) {
    const complete = asOf >= calendar.dayEnd(day);
    const bucket = slot.bucketAt(day);
    const previous = slot.bucketAt(day - 1);
    const exchangeBucket =
      'quietHoursPerDay' in spec && spec.exchangeDays
        ? context.slot(spec.exchangeDays).bucketAt(day)
        : undefined;
    const cacheable =
      complete &&
      (bucket === undefined || asOf >= bucket.maxTime) &&
      (previous === undefined || asOf >= previous.maxTime) &&
      (exchangeBucket === undefined || asOf >= exchangeBucket.maxTime);
    let verdict: DayVerdict | undefined;
    const version = (bucket?.version ?? 0) * 1_000_003 + (previous?.version ?? 0);
    if (cacheable && bucket) {
      const hit = dayCache.get(bucket)?.get(key);
      if (hit && hit.version === version && hit.exchangeVersion === (exchangeBucket?.version ?? 0))
        verdict = hit.verdict;
    }
    if (!verdict) {
      verdict = bucket || 'quietHoursPerDay' in spec ? judgeDay(day) : { ids: [], violation: null };
      if (cacheable && bucket) {
        const map = dayCache.get(bucket) ?? new Map();
        map.set(key, { version, exchangeVersion: exchangeBucket?.version ?? 0, verdict });
        dayCache.set(bucket, map);
      }
    }
    daysJudged++;
    if (verdict.violation) violations.push(verdict.violation);
    if (allEventIds.length < 200)
      allEventIds.push(...verdict.ids.slice(0, 200 - allEventIds.length));
  }

  for (const finding of context.findings(obligation.id)) {
    const event = finding.event.event as Extract<
      typeof finding.event.event,
      { type: 'finding_recorded' }
    >;
    violations.push({
      time: finding.event.record.occurredAt,
      text: `confirmed finding ${event.id} on incident ${event.payload.incident}${event.payload.attributedTo ? ` (attributed to ${event.payload.attributedTo})` : ''}: ${event.payload.summary}`,
      ids: [event.id],
    });
  }
  const allegations = context.allegations(obligation.id);
  const allegationText = allegations.length
    ? ` ${plural(allegations.length, 'allegation')} reported (${allegations.map((a) => a.event.id).join(', ')}), counted only once a finding confirms them.`
    : '';
  violations.sort((a, b) => a.time - b.time);
  const violationDays = new Set(violations.map((v) => calendar.dayOf(v.time))).size;
  const compliant = Math.max(0, daysJudged - violationDays);
  const progress = { done: compliant, required: daysJudged, unit: 'days without violation' };
  const eventIds = uniqueIds([
    ...violations.flatMap((v) => v.ids),
    ...allegations.map((a) => a.event.id),
  ]);
  if (violations.length) {
    const shown = violations.slice(-5).map((v) => v.text);
    const last = violations[violations.length - 1]!;
    return result({
      status: 'breached',
      progress,
      why: `${clause}: prohibited ${windowText}. Violated on ${plural(violationDays, 'day')} of ${formatNumber(daysJudged)}: ${shown.join('; ')}${violations.length > 5 ? '; …' : ''}. Last violation ${calendar.describe(last.time)}.${allegationText}`,
      eventIds,
    });
  }
  return result({
    status: ended ? 'met' : 'on_track',
    progress,
    why: `${clause}: prohibited ${windowText}; no violation on any of ${plural(daysJudged, 'day')}${allEventIds.length ? ` (${plural(allEventIds.length, 'reported act')} within what is allowed)` : ''}.${allegationText}`,
    eventIds: uniqueIds([...allEventIds.slice(0, 50), ...allegations.map((a) => a.event.id)]),
  });
}
