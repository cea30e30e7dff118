import type { PermissionObligation } from '../../agreement/schema.js';
import { DAY_MS, HOUR_MS } from '../calendar.js';
import type { Context } from '../context.js';
import { primary } from '../reported.js';
import { formatHours } from './deadline.js';
import { type KindResult, result, uniqueIds } from './result.js';

function reasonOf(payload: unknown): string {
  const reason = (payload as { reason?: unknown }).reason;
  return typeof reason === 'string' ? `: "${reason}"` : '';
}

/** Something allowed once a condition holds: honoured (met), honoured late, or blocked. */
export function evaluatePermission(obligation: PermissionObligation, context: Context): KindResult {
  const { calendar, asOf } = context;
  const clause = `"${obligation.title}" (${obligation.clause.trim()})`;
  const unit = 'permission honoured';
  const condition = context.describeCondition(obligation.when);
  let allowedFrom = context.conditionTime(obligation.when);
  const delays = context.measures(obligation.id).filter((m) => m.measure.kind === 'delay');
  let delayText = '';
  if (allowedFrom !== null) {
    for (const applied of delays) {
      if (applied.measure.kind !== 'delay') continue;
      allowedFrom += applied.measure.days * DAY_MS;
      delayText += `, postponed ${applied.measure.days} day${applied.measure.days === 1 ? '' : 's'} by ${applied.dispute} (${applied.eventId})`;
    }
  }
  const measureIds = delays.map((d) => d.eventId);
  if (allowedFrom === null || allowedFrom > asOf) {
    return result({
      status: 'not_started',
      progress: { done: 0, required: 1, unit },
      why: `${clause}: allowed once ${condition}${delayText}; ${allowedFrom === null ? 'that has not happened yet' : `allowed from ${calendar.describe(allowedFrom)}`}.`,
      eventIds: measureIds,
      dueAt: allowedFrom,
    });
  }
  const grace = primary(obligation.graceHours);
  const due = allowedFrom + grace * HOUR_MS;
  const window = context.window(obligation);
  const from = window.start ?? calendar.zeroHour;
  const opens = context.occurrences(obligation.act).filter((r) => r.record.occurredAt >= from);
  const blocks = obligation.blockedBy
    ? context.records(obligation.blockedBy).filter((r) => r.record.occurredAt >= allowedFrom!)
    : [];
  const firstOpen = opens[0] ?? null;
  const timeline = [
    ...opens.map((r) => ({ r, open: true })),
    ...blocks.map((r) => ({ r, open: false })),
  ].sort(
    (a, b) =>
      a.r.record.occurredAt - b.r.record.occurredAt || (a.r.event.id < b.r.event.id ? -1 : 1),
  );
  const lastChange = timeline[timeline.length - 1] ?? null;
  const blockedNow = lastChange !== null && !lastChange.open;
  const eventIds = uniqueIds([...timeline.map((t) => t.r.event.id), ...measureIds]);
  const allowed = `allowed from ${calendar.describe(allowedFrom)} (once ${condition}${delayText})`;
  const blockText = blockedNow
    ? ` Blocked since ${calendar.describe(lastChange.r.record.occurredAt)} by ${lastChange.r.event.source}${reasonOf(lastChange.r.event.payload)} (${lastChange.r.event.id}).`
    : '';
  if (firstOpen) {
    const openedAt = firstOpen.record.occurredAt;
    const late = openedAt > due;
    const openedText = `first honoured ${calendar.describe(openedAt)} (${firstOpen.event.id})${late ? `, ${formatHours((openedAt - allowedFrom) / HOUR_MS)} after it was allowed` : ''}`;
    return result({
      status: blockedNow ? 'breached' : late ? 'late' : 'met',
      progress: { done: blockedNow ? 0 : 1, required: 1, unit },
      why: `${clause}: ${allowed}; ${openedText}.${blockText}`,
      eventIds,
      dueAt: due,
      metAt: openedAt,
    });
  }
  if (asOf > due) {
    return result({
      status: 'breached',
      progress: { done: 0, required: 1, unit },
      why: `${clause}: ${allowed}; not honoured ${formatHours((asOf - allowedFrom) / HOUR_MS)} later (allowed ${grace} h to act).${blockText}`,
      eventIds,
      dueAt: due,
    });
  }
  return result({
    status: blocks.length ? 'at_risk' : 'on_track',
    progress: { done: 0, required: 1, unit },
    why: `${clause}: ${allowed}; to be honoured within ${grace} h, by ${calendar.describe(due)}.${blockText}`,
    eventIds,
    dueAt: due,
  });
}
