import type { EventMatch, NoticeObligation } from '../../agreement/schema.js';
import { HOUR_MS } from '../calendar.js';
import type { Context } from '../context.js';
import type { Effective, ViewOfType } from '../event-index.js';
import { primary } from '../reported.js';
import type { Status } from '../types.js';
import { formatHours } from './deadline.js';
import { type KindResult, plural, result, uniqueIds } from './result.js';

const matches = new WeakMap<NoticeObligation, EventMatch>();

/**
 * The notices that can satisfy the obligation: `notice_sent` of its kind from a party that owes
 * it. One object per obligation, so that the engine compiles and buckets it once.
 */
export function noticeMatch(obligation: NoticeObligation): EventMatch {
  let match = matches.get(obligation);
  if (!match) {
    match = {
      type: 'notice_sent',
      where: { kind: obligation.notice.kind },
      source: obligation.owedBy,
    };
    matches.set(obligation, match);
  }
  return match;
}

/** The event matches the obligation reads (for the index to bucket on arrival). */
export function noticeMatches(obligation: NoticeObligation): EventMatch[] {
  const before = obligation.before;
  return 'each' in before ? [noticeMatch(obligation), before.each] : [noticeMatch(obligation)];
}

interface Occasion {
  day: number;
  /** When the act the notice announces takes (or took) place. */
  at: number;
  /** The event that showed it took place (`each`), if any. */
  eventId: string | null;
}

interface Judged extends Occasion {
  due: number;
  status: Status;
  notice: Effective | null;
}

/** The days a notice is owed for, as known at asOf, in time order. */
function occasions(obligation: NoticeObligation, context: Context): Occasion[] {
  const { calendar } = context;
  const before = obligation.before;
  if ('each' in before) {
    const byDay = new Map<number, Occasion>();
    for (const record of context.occurrences(before.each)) {
      const at = record.record.occurredAt;
      const day = calendar.dayOf(at);
      const known = byDay.get(day);
      if (!known || at < known.at) byDay.set(day, { day, at, eventId: record.event.id });
    }
    return [...byDay.values()].sort((a, b) => a.at - b.at);
  }
  let days: number[];
  if ('days' in before) days = before.days;
  else {
    const schedule = context.agreement.obligations.find(
      (o) => o.id === before.scheduleOf && o.kind === 'schedule',
    );
    days = [];
    if (schedule?.kind === 'schedule') {
      for (const item of schedule.items) {
        if ('day' in item) days.push(primary(item.day));
        else if ('every' in item) {
          const every = primary(item.every);
          for (let day = primary(item.fromDay); day <= primary(item.untilDay); day += every)
            days.push(day);
        }
      }
    }
  }
  const time = before.time;
  return [...new Set(days)]
    .sort((a, b) => a - b)
    .map((day) => ({
      day,
      at: time ? calendar.at(day, time) : calendar.dayStart(day),
      eventId: null,
    }));
}

/**
 * A notice owed some hours before each of a set of days ("the names 24 hours before each
 * release"): each day's notice is met when sent by then, late when sent after, breached while
 * none has been sent once it is due, at risk when due within `warnHours`. A notice counts for a
 * day when it names it (`forDay`) or, without `forDay`, when it was sent after the previous
 * occasion and by this one. Only notices addressed to every organisation in `notice.to` count.
 */
export function evaluateNotice(obligation: NoticeObligation, context: Context): KindResult {
  const { calendar, asOf } = context;
  const hours = primary(obligation.before.hours);
  const window = context.window(obligation);
  const what = `"${obligation.title}" (${obligation.clause.trim()})`;
  const rule = `a ${obligation.notice.kind.replaceAll('_', ' ')} from ${obligation.owedBy.join(' or ')}${obligation.notice.to ? ` to ${obligation.notice.to.join(' and ')}` : ''} ${formatHours(hours)} before each ${'each' in obligation.before ? `day of ${describeMatch(obligation.before.each)}` : 'day listed'}`;
  const required = obligation.notice.to ?? [];
  const notices = context
    .records(noticeMatch(obligation))
    .filter((record) => {
      const to = (record.event as ViewOfType<'notice_sent'>).payload.to;
      return required.every((org) => to.includes(org));
    })
    .sort((a, b) => a.record.occurredAt - b.record.occurredAt);
  const inWindow = occasions(obligation, context).filter((occasion) => {
    const from = window.start ?? Number.POSITIVE_INFINITY;
    // A phase not yet started: its days are still owed notices ahead of it.
    if (window.start === null && 'each' in obligation.before) return false;
    if (window.start !== null && occasion.at < from) return false;
    return window.end === null || occasion.at <= window.end;
  });
  if (inWindow.length === 0) {
    return result({
      status: window.start === null ? 'not_started' : 'on_track',
      progress: { done: 0, required: 0, unit: 'notice' },
      why: `${what}: ${rule}; no such day yet${window.start === null ? ` (it ${window.why})` : ''}.`,
    });
  }
  const used = new Set<string>();
  let previous = Number.NEGATIVE_INFINITY;
  const judged: Judged[] = inWindow.map((occasion) => {
    const due = occasion.at - hours * HOUR_MS;
    const forDay = (record: Effective) =>
      (record.event as ViewOfType<'notice_sent'>).payload.forDay;
    const notice =
      notices.find((r) => !used.has(r.event.id) && forDay(r) === occasion.day) ??
      notices.find(
        (r) =>
          !used.has(r.event.id) &&
          forDay(r) === undefined &&
          r.record.occurredAt > previous &&
          r.record.occurredAt <= occasion.at,
      ) ??
      null;
    previous = occasion.at;
    if (notice) used.add(notice.event.id);
    let status: Status;
    if (notice) status = notice.record.occurredAt <= due ? 'met' : 'late';
    else if (asOf >= due) status = 'breached';
    else if (due - asOf <= obligation.warnHours * HOUR_MS) status = 'at_risk';
    else status = 'on_track';
    return { ...occasion, due, status, notice };
  });
  const count = (status: Status) => judged.filter((j) => j.status === status).length;
  const done = count('met') + count('late');
  const pending = judged.filter((j) => j.status === 'on_track' || j.status === 'at_risk');
  const more = 'each' in obligation.before && (window.end === null || window.end > asOf);
  const status: Status =
    count('breached') > 0
      ? 'breached'
      : count('at_risk') > 0
        ? 'at_risk'
        : count('late') > 0
          ? 'late'
          : pending.length > 0 || more
            ? 'on_track'
            : 'met';
  const describe = (j: Judged): string => {
    const day = `Day ${j.day}`;
    if (j.notice) {
      const sent = j.notice.record.occurredAt;
      const ahead = (j.at - sent) / HOUR_MS;
      const timing =
        ahead >= 0 ? `${formatHours(ahead)} before` : `${formatHours(-ahead)} after it`;
      return j.status === 'late'
        ? `${day}: sent by ${j.notice.event.source} ${timing}, ${formatHours((sent - j.due) / HOUR_MS)} late (${j.notice.event.id})`
        : `${day}: sent by ${j.notice.event.source} ${timing} (${j.notice.event.id})`;
    }
    if (j.status === 'breached')
      return `${day}: none sent; it was due ${calendar.describe(j.due)}${j.eventId ? ` (the day's first event: ${j.eventId})` : ''}`;
    return `${day}: due ${calendar.describe(j.due)}, ${formatHours((j.due - asOf) / HOUR_MS)} left`;
  };
  // Problems first, then the rest in time order: the why is read on a narrow screen.
  const rank: Partial<Record<Status, number>> = { breached: 0, at_risk: 1, late: 2 };
  const listed = [...judged]
    .sort((a, b) => (rank[a.status] ?? 3) - (rank[b.status] ?? 3) || a.at - b.at)
    .slice(0, 8);
  const summary = [
    `${done} of ${plural(judged.length, 'notice')} sent`,
    count('late') ? `${count('late')} late` : '',
    count('breached') ? `${count('breached')} missing` : '',
    count('at_risk') ? `${count('at_risk')} due within ${obligation.warnHours} h` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const last = judged.filter((j) => j.notice).at(-1)?.notice?.record.occurredAt ?? null;
  return result({
    status,
    progress: { done, required: judged.length, unit: 'notice' },
    why: `${what}: ${rule}. ${summary}. ${listed.map(describe).join('; ')}${judged.length > listed.length ? '; …' : ''}.`,
    eventIds: uniqueIds(
      judged.flatMap((j) => [
        ...(j.notice ? [j.notice.event.id] : []),
        ...(j.eventId && j.status === 'breached' ? [j.eventId] : []),
      ]),
    ),
    dueAt: pending[0]?.due ?? null,
    metAt: status === 'met' || status === 'late' ? last : null,
    forecast: pending.length
      ? { metAt: null, basis: 'each notice is a single act: no rate to extrapolate' }
      : null,
  });
}

function describeMatch(match: EventMatch): string {
  return [match.type].flat().join(' or ');
}
