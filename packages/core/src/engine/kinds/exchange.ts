import type { ExchangeObligation } from '../../agreement/schema.js';
import { HOUR_MS } from '../calendar.js';
import { type Context, compiledMatch } from '../context.js';
import type { EventView, ViewOfType } from '../event-index.js';
import { persons } from '../observed.js';
import { primary } from '../reported.js';
import type { ExchangeReleaseFigure } from '../types.js';
import { type KindResult, result, uniqueIds } from './result.js';

interface Step {
  due: number;
  cumulative: number;
  origin: string;
}

interface Constraint {
  category: string;
  steps: Step[];
  releases: { time: number; cumulative: number; id: string }[];
}

/**
 * Releases owed in return for counterpart releases, by ratio and category, each due within N
 * hours. Checked per category and in total, cumulatively: a release pays the oldest debt first.
 */
export function evaluateExchange(obligation: ExchangeObligation, context: Context): KindResult {
  const { calendar, asOf } = context;
  const unit = obligation.unit;
  const within = primary(obligation.withinHours);
  const window = context.window(obligation);
  const clause = `"${obligation.title}" (${obligation.clause.trim()})`;
  if (window.start === null) {
    return result({
      status: 'not_started',
      progress: { done: 0, required: null, unit },
      why: `${clause}: it ${window.why}.`,
    });
  }
  const counterpartMatch = compiledMatch(obligation.counterpart);
  const releaseMatch = compiledMatch(obligation.release);
  const counterparts = context
    .records(obligation.counterpart)
    .filter(
      (r) =>
        r.record.occurredAt >= window.start! &&
        (window.end === null || r.record.occurredAt < window.end),
    );
  const releases = context.records(obligation.release);

  const owedBy = new Map<string, Step[]>();
  const owe = (category: string, time: number, count: number, origin: string) => {
    const steps = owedBy.get(category) ?? [];
    const previous = steps[steps.length - 1]?.cumulative ?? 0;
    steps.push({ due: time + within * HOUR_MS, cumulative: previous + count, origin });
    owedBy.set(category, steps);
  };
  let counterpartPersons = 0;
  const uncovered = new Set<string>();
  for (const record of counterparts) {
    for (const person of counterpartMatch.persons(record.event)) {
      const rule = obligation.ratios.find((r) =>
        (Array.isArray(r.for) ? r.for : [r.for]).includes(person.category),
      );
      if (!rule) {
        uncovered.add(person.category);
        continue;
      }
      counterpartPersons++;
      let all = 0;
      for (const part of rule.release) {
        const count = primary(part.count);
        all += count;
        if (part.category !== 'any')
          owe(part.category, record.record.occurredAt, count, record.event.id);
      }
      owe('*', record.record.occurredAt, all, record.event.id);
    }
  }
  const personsOf = (event: EventView) => releaseMatch.persons(event);
  const constraints: Constraint[] = [...owedBy.entries()].map(([category, steps]) => {
    let cumulative = 0;
    const list: Constraint['releases'] = [];
    for (const record of releases) {
      const count = personsOf(record.event).filter(
        (p) => category === '*' || p.category === category,
      ).length;
      if (count === 0) continue;
      cumulative += count;
      list.push({ time: record.record.occurredAt, cumulative, id: record.event.id });
    }
    return { category, steps: steps.sort((a, b) => a.due - b.due), releases: list };
  });
  const figures = releaseFigures(
    obligation,
    counterparts.map((r) => ({
      id: r.event.id,
      time: r.record.occurredAt,
      persons: counterpartMatch.persons(r.event),
    })),
    releases.map((r) => ({ time: r.record.occurredAt, persons: personsOf(r.event) })),
    within,
    context,
  );
  const totals = constraints.find((c) => c.category === '*');
  const owedTotal = totals?.steps.at(-1)?.cumulative ?? 0;
  const madeTotal = totals?.releases.at(-1)?.cumulative ?? 0;

  const breaches: string[] = [];
  const lates: string[] = [];
  const pending: Step[] = [];
  let dueAt: number | null = null;
  for (const constraint of constraints) {
    const label = constraint.category === '*' ? 'in all' : `of category ${constraint.category}`;
    // Cumulative steps sorted by due are monotone only per counterpart order; keep the max so far.
    let owed = 0;
    let overdue: string | null = null;
    let late: string | null = null;
    constraint.steps.forEach((step, index) => {
      owed = Math.max(owed, step.cumulative);
      // Several counterpart persons released together owe at one instant: judge the sum once.
      if (constraint.steps[index + 1]?.due === step.due) return;
      const paid = constraint.releases.find((r) => r.cumulative >= owed) ?? null;
      if (paid === null || paid.time > asOf) {
        if (step.due <= asOf) {
          const madeByDue =
            constraint.releases.filter((r) => r.time <= step.due).at(-1)?.cumulative ?? 0;
          // Only the largest overdue sum of a category is worth reading: it includes the others.
          overdue = `${persons(owed)} ${label} due by ${calendar.describe(step.due)} (for ${step.origin}), ${persons(madeByDue)} released by then`;
          dueAt ??= step.due;
        } else {
          pending.push(step);
        }
      } else if (paid.time > step.due) {
        late = `${persons(owed)} ${label} due ${calendar.describe(step.due)}, reached ${calendar.describe(paid.time)} (${paid.id})`;
      }
    });
    if (overdue) breaches.push(overdue);
    if (late) lates.push(late);
  }
  const withheld = context.withheld(obligation.id).map((r) => {
    const event = r.event as ViewOfType<'release_withheld'>;
    return {
      id: event.id,
      text: `${event.source} reports withholding ${persons(event.payload.persons)}: "${event.payload.reason}" (${event.id})`,
    };
  });
  const ratioText = obligation.ratios
    .map(
      (r) =>
        `${(Array.isArray(r.for) ? r.for : [r.for]).join('/')}: ${r.release.map((p) => `${primary(p.count)} ${p.category === 'any' ? '' : `${p.category} `}`.trim()).join(' + ')}`,
    )
    .join('; ');
  const base = `${clause}: ratios ${ratioText}, within ${within} h. For ${persons(counterpartPersons)} counterpart releases, ${persons(owedTotal)} ${unit} are owed so far and ${persons(madeTotal)} released`;
  const shortfalls = ratioShortfalls(
    obligation,
    counterparts.flatMap((r) =>
      counterpartMatch.persons(r.event).map((p) => ({ id: p.id, category: p.category })),
    ),
    releases.map((r) => ({
      id: r.event.id,
      persons: personsOf(r.event),
      inExchangeFor: (r.event as ViewOfType<'prisoner_released'>).payload?.inExchangeFor,
    })),
  );
  const extra = [
    ...(withheld.length ? [withheld.map((w) => w.text).join('; ')] : []),
    ...(shortfalls.length ? [`Ratios that do not add up: ${shortfalls.join('; ')}`] : []),
    ...(uncovered.size ? [`no ratio for categories ${[...uncovered].join(', ')}`] : []),
  ];
  const extraText = extra.length ? ` ${extra.join('. ')}.` : '';
  const eventIds = uniqueIds([
    ...counterparts.map((r) => r.event.id),
    ...releases.map((r) => r.event.id),
    ...withheld.map((w) => w.id),
  ]);
  const progress = { done: madeTotal, required: owedTotal, unit };
  const ended = window.end !== null && window.end <= asOf;
  if (breaches.length) {
    return result({
      exchanges: figures,
      status: 'breached',
      progress,
      why: `${base}. Overdue: ${breaches.join('; ')}.${extraText}`,
      eventIds,
      dueAt,
    });
  }
  const nextDue = pending.length ? Math.min(...pending.map((p) => p.due)) : null;
  if (pending.length) {
    const atRisk = withheld.length > 0;
    return result({
      exchanges: figures,
      status: atRisk ? 'at_risk' : 'on_track',
      progress,
      why: `${base}; the next are due by ${calendar.describe(nextDue!)}.${lates.length ? ` Late before: ${lates.join('; ')}.` : ''}${extraText}`,
      eventIds,
      forecast: { metAt: null, basis: `releases due by ${calendar.describe(nextDue!)}` },
      dueAt: nextDue,
    });
  }
  if (lates.length) {
    return result({
      exchanges: figures,
      status: 'late',
      progress,
      why: `${base}; all owed released, some late: ${lates.join('; ')}.${extraText}`,
      eventIds,
    });
  }
  return result({
    exchanges: figures,
    status: ended ? 'met' : owedTotal === 0 ? 'on_track' : 'on_track',
    progress,
    why: `${base}; ${owedTotal === 0 ? 'nothing owed yet' : 'all owed released on time'}.${extraText}`,
    eventIds,
  });
}

interface Debt {
  figure: ExchangeReleaseFigure;
  due: number;
  owed: Map<string, number>;
  made: Map<string, number>;
  paidAt: number;
}

/**
 * For each counterpart release, what it owes by category and in total, and what was made for
 * it: each release pays the oldest debt of its category first, and the oldest total debt.
 */
function releaseFigures(
  obligation: ExchangeObligation,
  counterparts: { id: string; time: number; persons: { category: string }[] }[],
  releases: { time: number; persons: { category: string }[] }[],
  within: number,
  context: Context,
): ExchangeReleaseFigure[] {
  const { calendar, asOf } = context;
  const debts: Debt[] = [];
  for (const counterpart of counterparts) {
    const owed = new Map<string, number>();
    let persons = 0;
    for (const person of counterpart.persons) {
      const rule = obligation.ratios.find((r) =>
        (Array.isArray(r.for) ? r.for : [r.for]).includes(person.category),
      );
      if (!rule) continue;
      persons++;
      for (const part of rule.release) {
        const count = primary(part.count);
        owed.set(part.category, (owed.get(part.category) ?? 0) + count);
        owed.set('*', (owed.get('*') ?? 0) + count);
      }
    }
    if (persons === 0) continue;
    const due = counterpart.time + within * HOUR_MS;
    debts.push({
      due,
      owed,
      made: new Map(),
      paidAt: Number.NEGATIVE_INFINITY,
      figure: {
        eventId: counterpart.id,
        at: calendar.format(counterpart.time),
        dueAt: calendar.format(due),
        counterparts: persons,
        owed: [],
        made: [],
        owedTotal: owed.get('*') ?? 0,
        madeTotal: 0,
        paidAt: null,
        state: 'pending',
      },
    });
  }
  const categories = new Set(debts.flatMap((d) => [...d.owed.keys()]));
  for (const category of categories) {
    if (category === 'any') continue;
    const queue = debts.filter((d) => (d.owed.get(category) ?? 0) > 0);
    let index = 0;
    for (const release of [...releases].sort((a, b) => a.time - b.time)) {
      let count =
        category === '*'
          ? release.persons.length
          : release.persons.filter((p) => p.category === category).length;
      while (count > 0 && index < queue.length) {
        const debt = queue[index]!;
        const open = (debt.owed.get(category) ?? 0) - (debt.made.get(category) ?? 0);
        const paid = Math.min(open, count);
        debt.made.set(category, (debt.made.get(category) ?? 0) + paid);
        count -= paid;
        if (paid === open) {
          debt.paidAt = Math.max(debt.paidAt, release.time);
          index++;
        }
      }
    }
  }
  return debts.map(({ figure, owed, made, due, paidAt }) => {
    const named = [...owed.keys()].filter((c) => c !== '*');
    const complete = named
      .filter((c) => c !== 'any')
      .every((c) => (made.get(c) ?? 0) >= (owed.get(c) ?? 0));
    const madeTotal = made.get('*') ?? 0;
    const paid = complete && madeTotal >= figure.owedTotal;
    return {
      ...figure,
      owed: named.map((category) => ({ category, count: owed.get(category) ?? 0 })),
      made: named
        .filter((c) => c !== 'any')
        .map((category) => ({ category, count: made.get(category) ?? 0 })),
      madeTotal,
      paidAt: paid ? calendar.format(paidAt) : null,
      state: paid ? (paidAt > due ? 'paid_late' : 'paid') : due <= asOf ? 'overdue' : 'pending',
    };
  });
}

/**
 * A release that names the counterpart persons it answers (`inExchangeFor`) and releases fewer
 * than the ratios owe for them, in total or in a named category: flagged in the why, whatever
 * the running totals say (a release beyond the ratios is not flagged: the sample's are).
 */
function ratioShortfalls(
  obligation: ExchangeObligation,
  counterparts: { id: string; category: string }[],
  releases: { id: string; persons: { category: string }[]; inExchangeFor: string[] | undefined }[],
): string[] {
  const categoryOf = new Map(counterparts.map((p) => [p.id, p.category]));
  const out: string[] = [];
  for (const release of releases) {
    if (!release.inExchangeFor?.length) continue;
    const owed = new Map<string, number>();
    for (const id of release.inExchangeFor) {
      const category = categoryOf.get(id);
      const rule =
        category === undefined
          ? undefined
          : obligation.ratios.find((r) =>
              (Array.isArray(r.for) ? r.for : [r.for]).includes(category),
            );
      for (const part of rule?.release ?? []) {
        owed.set(part.category, (owed.get(part.category) ?? 0) + primary(part.count));
        owed.set('*', (owed.get('*') ?? 0) + primary(part.count));
      }
    }
    const short: string[] = [];
    // The total first, then each named category.
    for (const [category, count] of [...owed].sort(
      (a, b) => Number(b[0] === '*') - Number(a[0] === '*'),
    )) {
      const made =
        category === '*' || category === 'any'
          ? release.persons.length
          : release.persons.filter((p) => p.category === category).length;
      if (category !== 'any' && made < count)
        short.push(
          `${persons(made)} ${category === '*' ? 'in all' : category} for ${persons(count)} owed`,
        );
    }
    if (short.length)
      out.push(
        `${release.id} releases ${short.join(', ')} in exchange for ${persons(release.inExchangeFor.length)} named`,
      );
  }
  return out;
}
