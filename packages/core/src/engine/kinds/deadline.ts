import type { DeadlineObligation } from '../../agreement/schema.js';
import { zoneText } from '../../zones/layer.js';
import { DAY_MS, HOUR_MS } from '../calendar.js';
import type { Context } from '../context.js';
import { primary } from '../reported.js';
import { type KindResult, result } from './result.js';

/** An act by a day or within N hours of a trigger: met, late (met after), breached, or pending. */
export function evaluateDeadline(obligation: DeadlineObligation, context: Context): KindResult {
  const { calendar, asOf } = context;
  const unit = 'act';
  const by = obligation.by;
  let due: number | null;
  let dueText: string;
  // Whether `dueText` already names the instant; otherwise it is added in brackets.
  let precise = false;
  if ('day' in by) {
    const day = primary(by.day);
    due = by.time ? calendar.at(day, by.time) : calendar.dayEnd(day);
    dueText = by.time ? `by Day ${day} ${by.time}` : `by the end of Day ${day}`;
    precise = true;
  } else if ('at' in by) {
    due = Date.parse(by.at);
    dueText = `by ${calendar.describe(due)}`;
    precise = true;
  } else {
    const trigger = context.conditionTime(by.after);
    const hours = primary(by.withinHours);
    due = trigger === null ? null : trigger + hours * HOUR_MS;
    dueText = `within ${hours} h of ${context.describeCondition(by.after)}`;
  }
  const delays = context
    .measures(obligation.id)
    .filter((m) => m.measure.kind === 'delay' && m.at <= asOf);
  let delayText = '';
  for (const applied of delays) {
    if (applied.measure.kind !== 'delay' || due === null) continue;
    due += applied.measure.days * DAY_MS;
    delayText += ` (moved ${applied.measure.days} day${applied.measure.days === 1 ? '' : 's'} later by ${applied.dispute}, ${applied.eventId})`;
  }
  const measureIds = delays.map((d) => d.eventId);
  const window = context.window(obligation);
  const act = context.occurrences(obligation.act)[0];
  const what = `"${obligation.title}" (${obligation.clause.trim()})${zoneText(obligation.zone, context.agreement.places)}`;
  if (due === null) {
    return result({
      status: 'not_started',
      progress: { done: act ? 1 : 0, required: 1, unit },
      why: `${what} is due ${dueText}, which has not happened yet.`,
      eventIds: act ? [act.event.id] : [],
    });
  }
  const dueAt = precise ? '' : ` (${calendar.describe(due)})`;
  if (act) {
    const doneAt = act.record.occurredAt;
    const late = doneAt > due;
    const hoursLate = (doneAt - due) / HOUR_MS;
    return result({
      status: late ? 'late' : 'met',
      progress: { done: 1, required: 1, unit },
      why: late
        ? `${what} was due ${dueText}${delayText}${dueAt}; ${act.event.source} reported it done at ${calendar.describe(doneAt)}, ${formatHours(hoursLate)} late (${act.event.id}).`
        : `${what} was due ${dueText}${delayText}${dueAt}; done at ${calendar.describe(doneAt)} as reported by ${act.event.source} (${act.event.id}).`,
      eventIds: [act.event.id, ...measureIds],
      dueAt: due,
      metAt: doneAt,
    });
  }
  if (asOf >= due) {
    return result({
      status: 'breached',
      progress: { done: 0, required: 1, unit },
      why: `${what} was due ${dueText}${delayText}${dueAt}; no event reports it done as of ${calendar.describe(asOf)}, ${formatHours((asOf - due) / HOUR_MS)} after the deadline.`,
      eventIds: measureIds,
      dueAt: due,
    });
  }
  if (window.start === null) {
    return result({
      status: 'not_started',
      progress: { done: 0, required: 1, unit },
      why: `${what} is due ${dueText}${dueAt}; it ${window.why}.`,
      dueAt: due,
    });
  }
  const left = (due - asOf) / HOUR_MS;
  const atRisk = left <= obligation.warnHours;
  return result({
    status: atRisk ? 'at_risk' : 'on_track',
    progress: { done: 0, required: 1, unit },
    why: `${what} is due ${dueText}${delayText}${dueAt}; not yet reported done, ${formatHours(left)} left${atRisk ? ` (warning within ${obligation.warnHours} h)` : ''}.`,
    eventIds: measureIds,
    forecast: { metAt: null, basis: 'a single act: no rate to extrapolate' },
    dueAt: due,
  });
}

export function formatHours(hours: number): string {
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  if (hours < 48) return `${Math.round(hours * 10) / 10} h`;
  return `${Math.round((hours / 24) * 10) / 10} days`;
}
