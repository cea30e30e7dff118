import type { ScheduleObligation } from '../../agreement/schema.js';
import { checkList, type KnownPerson, type ListProblem } from '../../exchange/order.js';
import { DAY_MS } from '../calendar.js';
import { type Context, compiledMatch, formatNumber } from '../context.js';
import type { ViewOfType } from '../event-index.js';
import { persons } from '../observed.js';
import { primary } from '../reported.js';
import { type KindResult, result, uniqueIds } from './result.js';

export interface DueItem {
  day: number;
  count: number;
  due: number;
  origin: string;
}

/** The schedule as it stands at `asOf`: the agreement's items plus the mediators' measures. */
export function scheduleItems(
  obligation: ScheduleObligation,
  context: Context,
): { items: DueItem[]; notes: string[]; total: number } {
  const { calendar } = context;
  const items: DueItem[] = [];
  const notes: string[] = [];
  let remainderDay: number | null = null;
  for (const item of obligation.items) {
    if ('remainderBy' in item) {
      remainderDay = primary(item.remainderBy);
    } else if ('every' in item) {
      const every = primary(item.every);
      const until = primary(item.untilDay);
      for (let day = primary(item.fromDay); day <= until; day += every) {
        items.push({
          day,
          count: primary(item.count),
          due: calendar.dayEnd(day),
          origin: `every ${every} days`,
        });
      }
    } else {
      const day = primary(item.day);
      items.push({
        day,
        count: primary(item.count),
        due: calendar.dayEnd(day),
        origin: 'agreement',
      });
    }
  }
  for (const applied of context.measures(obligation.id)) {
    const { measure } = applied;
    if (measure.kind === 'addItem') {
      items.push({
        day: measure.day,
        count: measure.count,
        due: calendar.dayEnd(measure.day),
        origin: `${applied.dispute} (${applied.eventId})`,
      });
      notes.push(
        `${formatNumber(measure.count)} added on Day ${measure.day} by ${applied.dispute} (${applied.eventId})`,
      );
    } else if (measure.kind === 'moveItem') {
      for (const item of items) {
        if (item.day === measure.fromDay) {
          item.day = measure.toDay;
          item.due = calendar.dayEnd(measure.toDay);
          item.origin = `${applied.dispute} (${applied.eventId})`;
        }
      }
      if (remainderDay === measure.fromDay) remainderDay = measure.toDay;
      notes.push(
        `Day ${measure.fromDay} moved to Day ${measure.toDay} by ${applied.dispute} (${applied.eventId})`,
      );
    } else if (measure.kind === 'delay') {
      for (const item of items) {
        if (item.due > applied.at) {
          item.day += measure.days;
          item.due += measure.days * DAY_MS;
        }
      }
      if (remainderDay !== null && calendar.dayEnd(remainderDay) > applied.at)
        remainderDay += measure.days;
      notes.push(
        `later items delayed ${measure.days} days by ${applied.dispute} (${applied.eventId})`,
      );
    }
  }
  const scheduled = items.reduce((sum, item) => sum + item.count, 0);
  const declared = obligation.total === undefined ? null : primary(obligation.total);
  const total = declared ?? scheduled;
  if (remainderDay !== null && total > scheduled) {
    items.push({
      day: remainderDay,
      count: total - scheduled,
      due: calendar.dayEnd(remainderDay),
      origin: 'remainder',
    });
  }
  items.sort((a, b) => a.due - b.due);
  return { items, notes, total: Math.max(total, scheduled) };
}

/**
 * The names lists known at `asOf`, each checked as it stood when delivered: fewer names than
 * due that day, names not in the register, or an order rule broken (someone who must come first
 * still held and not on the list). Problems of a day not yet over are early warnings.
 */
function checkLists(
  obligation: ScheduleObligation,
  context: Context,
  items: readonly DueItem[],
): { upcoming: ListProblem[]; past: ListProblem[]; eventIds: string[] } {
  const lists = obligation.lists;
  if (!lists) return { upcoming: [], past: [], eventIds: [] };
  const registered = context.records(lists.register);
  const released = context.records(obligation.measure);
  const upcoming: ListProblem[] = [];
  const past: ListProblem[] = [];
  const eventIds: string[] = [];
  for (const record of context.records(lists.match)) {
    const event = record.event as ViewOfType<'names_list_delivered'>;
    if (!Array.isArray(event.payload?.persons)) continue;
    const at = record.record.occurredAt;
    const known = new Map<string, KnownPerson>();
    for (const r of registered) {
      if (r.record.occurredAt > at) continue;
      const person = (r.event as ViewOfType<'person_registered'>).payload.person;
      if (person)
        known.set(person.id, {
          category: person.category,
          living: person.living,
          releasedAt: null,
        });
    }
    for (const r of released) {
      const persons = (r.event as ViewOfType<'hostage_released'>).payload.persons ?? [];
      for (const p of persons) {
        const entry = known.get(p.id) ?? {
          category: p.category,
          living: p.living,
          releasedAt: null,
        };
        if (entry.releasedAt === null || entry.releasedAt > r.record.occurredAt)
          entry.releasedAt = r.record.occurredAt;
        known.set(p.id, entry);
      }
    }
    // Releases after the list are not known when it was delivered.
    for (const entry of known.values())
      if (entry.releasedAt !== null && entry.releasedAt > at) entry.releasedAt = null;
    const dueThatDay = items.filter((i) => i.day === event.payload.forDay);
    const due = dueThatDay.length ? dueThatDay.reduce((sum, i) => sum + i.count, 0) : null;
    const problems = checkList(
      { id: event.id, forDay: event.payload.forDay, persons: event.payload.persons, at },
      known,
      lists.order,
      due,
      registered.some((r) => r.record.occurredAt <= at),
      persons,
    ).filter(
      (p) =>
        p.code !== 'LIST_COUNT_MISMATCH' || (due !== null && event.payload.persons.length < due),
    );
    if (problems.length === 0) continue;
    eventIds.push(event.id);
    const open = context.calendar.dayEnd(event.payload.forDay) > context.asOf;
    (open ? upcoming : past).push(...problems);
  }
  return { upcoming, past, eventIds };
}

/** Counts on given days, cumulatively: a release counts toward the earliest item still owed. */
export function evaluateSchedule(obligation: ScheduleObligation, context: Context): KindResult {
  const { calendar, asOf } = context;
  const unit = obligation.unit;
  const { items, notes, total } = scheduleItems(obligation, context);
  const match = compiledMatch(obligation.measure);
  const all = context.records(obligation.measure);
  const records = all.filter((r) => match.quantity(r.event) > 0);
  const clause = `"${obligation.title}" (${obligation.clause.trim()})`;
  const made: { time: number; cumulative: number; id: string }[] = [];
  let cumulative = 0;
  for (const record of records) {
    cumulative += match.quantity(record.event);
    made.push({ time: record.record.occurredAt, cumulative, id: record.event.id });
  }
  const corrected = all
    .filter((r) => r.correctedBy !== null)
    .map((r) => `${r.event.id} corrected by ${r.correctedBy}`);
  let required = 0;
  const outcomes = items.map((item) => {
    required += item.count;
    const reached = made.find((m) => m.cumulative >= required) ?? null;
    return { item, required, metAt: reached?.time ?? null, metBy: reached?.id ?? null };
  });
  const breached = outcomes.filter((o) => o.metAt === null && o.item.due <= asOf);
  const late = outcomes.filter((o) => o.metAt !== null && o.metAt > o.item.due);
  const next = outcomes.find((o) => o.metAt === null && o.item.due > asOf) ?? null;
  const plan = items.map((i) => `${i.count} by Day ${i.day}`).join(', ');
  const planText = `${formatNumber(total)} ${unit} in all (${plan}${notes.length ? `; ${notes.join('; ')}` : ''})`;
  const soFar = `${persons(cumulative)} ${unit} counted so far${records.length ? '' : ' (no release reported)'}`;
  const lists = checkLists(obligation, context, items);
  const listText = [
    ...(lists.upcoming.length
      ? [` Names list warning: ${lists.upcoming.map((p) => p.message).join('; ')}.`]
      : []),
    ...(lists.past.length
      ? [` Earlier lists: ${lists.past.map((p) => p.message).join('; ')}.`]
      : []),
  ].join('');
  const correctionText = `${corrected.length ? ` Corrections applied: ${corrected.join(', ')}.` : ''}${listText}`;
  const eventIds = uniqueIds([
    ...records.map((r) => r.event.id),
    ...all.flatMap((r) => (r.correctedBy ? [r.event.id, r.correctedBy] : [])),
    ...context.measures(obligation.id).map((m) => m.eventId),
    ...lists.eventIds,
  ]);
  const progress = { done: cumulative, required: total, unit };
  const complete = cumulative >= total;
  const lastMet = outcomes[outcomes.length - 1]?.metAt ?? null;
  if (breached.length > 0) {
    const first = breached[0]!;
    const countedByDue = made.filter((m) => m.time < first.item.due).at(-1)?.cumulative ?? 0;
    return result({
      status: 'breached',
      progress,
      why: `${clause}: ${planText}. By the end of Day ${first.item.day}, ${formatNumber(first.required)} were due and ${persons(countedByDue)} were counted; ${soFar}.${correctionText}`,
      eventIds,
      dueAt: first.item.due,
    });
  }
  if (complete) {
    return result({
      status: late.length ? 'late' : 'met',
      progress,
      why: `${clause}: ${planText}; all ${formatNumber(total)} counted${late.length ? `, ${late.length === 1 ? 'one item' : `${late.length} items`} late (${late.map((o) => `Day ${o.item.day} item met ${calendar.describe(o.metAt!)}`).join('; ')})` : ' on time'}.${correctionText}`,
      eventIds,
      metAt: lastMet,
      dueAt: outcomes[outcomes.length - 1]?.item.due ?? null,
    });
  }
  const lateText = late.length
    ? ` Caught up after being late on ${late.map((o) => `Day ${o.item.day}`).join(', ')}.`
    : '';
  return result({
    status:
      lists.upcoming.length > 0 ? 'at_risk' : asOf < calendar.zeroHour ? 'not_started' : 'on_track',
    progress,
    why: `${clause}: ${planText}; ${soFar}${next ? `; next: ${persons(next.required - cumulative)} more by the end of Day ${next.item.day}` : ''}.${lateText}${correctionText}`,
    eventIds,
    forecast: next
      ? {
          metAt: null,
          basis: `next item: cumulative ${formatNumber(next.required)} by the end of Day ${next.item.day}`,
        }
      : null,
    dueAt: next?.item.due ?? null,
  });
}
