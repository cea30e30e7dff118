import type { Agreement, Obligation } from '../agreement/schema.js';
import { TruceError } from '../errors.js';
import { rowEventsOf, type TruceEvent } from '../events/schema.js';
import { Calendar, parseInstant } from './calendar.js';
import { CompactEvents } from './compact-events.js';
import { Context, compiledMatch, matchesIn } from './context.js';
import { EventIndex, type ViewOfType } from './event-index.js';
import { evaluateDeadline } from './kinds/deadline.js';
import { evaluateExchange } from './kinds/exchange.js';
import { evaluateNotice } from './kinds/notice.js';
import { evaluatePermission } from './kinds/permission.js';
import { evaluateProhibition } from './kinds/prohibition.js';
import { evaluateQuota, prepareQuota } from './kinds/quota.js';
import type { KindResult } from './kinds/result.js';
import { evaluateSchedule } from './kinds/schedule.js';
import { readings } from './observed.js';
import { alternativeSites, formatSitePath, withPrimary } from './reported.js';
import type { AlternativeOutcome, Evaluation, ObligationStatus, Warning } from './types.js';

function evaluateKind(obligation: Obligation, context: Context): KindResult {
  switch (obligation.kind) {
    case 'quota':
      return evaluateQuota(obligation, context);
    case 'exchange':
      return evaluateExchange(obligation, context);
    case 'schedule':
      return evaluateSchedule(obligation, context);
    case 'deadline':
      return evaluateDeadline(obligation, context);
    case 'prohibition':
      return evaluateProhibition(obligation, context);
    case 'permission':
      return evaluatePermission(obligation, context);
    case 'notice':
      return evaluateNotice(obligation, context);
  }
}

function metAtOf(obligation: Obligation, context: Context): number | null {
  const outcome = evaluateKind(obligation, context);
  return outcome.status === 'met' || outcome.status === 'late' ? outcome.metAt : null;
}

/** Versions of one agreement, oldest first; the one in force at an instant governs it. */
function versionsOf(input: Agreement | readonly Agreement[]): Agreement[] {
  const list = (Array.isArray(input) ? [...input] : [input]) as Agreement[];
  if (list.length === 0)
    throw new TruceError('USAGE', 'evaluate needs at least one agreement version');
  list.sort((a, b) => a.version - b.version);
  const first = list[0]!;
  for (const version of list) {
    if (
      version.timeZone !== first.timeZone ||
      version.zeroHour !== first.zeroHour ||
      version.zeroHourDay !== first.zeroHourDay
    ) {
      throw new TruceError(
        'AGREEMENT_INVALID',
        `version ${version.version} of ${version.id} changes the time zone or zero hour`,
        [
          {
            message:
              'amendments keep the day count of the agreement they amend; write a new agreement instead',
          },
        ],
      );
    }
  }
  return list;
}

export interface Evaluator {
  /** Adds one event. Order does not matter: the result depends on the set of events only. */
  append(event: TruceEvent): void;
  /** Statuses of every obligation as known at `asOf` (ISO 8601 with offset). */
  evaluate(asOf: string): Evaluation;
  readonly size: number;
}

/**
 * The incremental evaluator: keeps what evaluation needs (events by id, per-day sums per match),
 * so that after each appended event a new evaluation costs a fraction of a full one. `evaluate`
 * below is this evaluator fed all events at once: both give the same result by construction.
 */
export function createEvaluator(agreement: Agreement | readonly Agreement[]): Evaluator {
  const versions = versionsOf(agreement);
  const first = versions[0]!;
  const calendar = new Calendar(first.timeZone, first.zeroHour, first.zeroHourDay);
  const revisers = new Set(
    versions.flatMap((v) => v.parties.filter((p) => p.roles.includes('mediator')).map((p) => p.id)),
  );
  const index = new EventIndex(calendar, revisers, new CompactEvents());
  for (const version of versions) {
    for (const match of matchesIn(version)) index.slot(compiledMatch(match));
    for (const obligation of version.obligations) {
      if (obligation.kind === 'quota')
        prepareQuota(
          obligation,
          {
            sumsSlot: (m) => index.slot(compiledMatch(m), true),
            slot: (m) => index.slot(compiledMatch(m)),
          },
          version,
        );
    }
  }
  const inForce = (at: number): Agreement => {
    let current = first;
    for (const version of versions) {
      const from = version.effectiveFrom;
      const start =
        from === undefined
          ? Number.NEGATIVE_INFINITY
          : 'day' in from
            ? calendar.dayStart(from.day)
            : Date.parse(from.at);
      if (start <= at) current = version;
    }
    return current;
  };
  return {
    append(event) {
      // A batch of imported rows counts as its rows, each appended as it would be on its own.
      const rows = rowEventsOf(event);
      if (rows === undefined) index.append(event);
      else for (const row of rows) index.append(row);
    },
    get size() {
      return index.count;
    },
    evaluate(asOfText) {
      const asOf = parseInstant(asOfText);
      const governing = inForce(asOf);
      const context = new Context(governing, calendar, index, asOf, metAtOf, inForce);
      const obligations = governing.obligations.map((obligation) => present(obligation, context));
      reportPhaseAlternatives(
        governing,
        obligations,
        context,
        (variant) =>
          new Context(variant, calendar, index, asOf, metAtOf, (at) =>
            inForce(at) === governing ? variant : inForce(at),
          ),
      );
      const warnings: Warning[] = [
        ...index.revisionWarnings(asOf).map(({ eventId, message }) => ({ eventId, message })),
        ...context.warnings,
      ];
      const seen = new Set<string>();
      return {
        agreement: {
          id: governing.id,
          version: governing.version,
          title: governing.title,
          timeZone: governing.timeZone,
        },
        asOf: calendar.format(asOf),
        day: calendar.dayOf(asOf),
        phases: context.phaseStatuses(),
        obligations,
        warnings: warnings.filter((w) => {
          const key = `${w.eventId}\u0000${w.message}`;
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        }),
      };
    },
  };
}

/** `evaluate(agreement, events, asOf)`: the status of every obligation; pure. */
export function evaluate(
  agreement: Agreement | readonly Agreement[],
  events: Iterable<TruceEvent>,
  asOf: string,
): Evaluation {
  const evaluator = createEvaluator(agreement);
  for (const event of events) evaluator.append(event);
  return evaluator.evaluate(asOf);
}

const MAX_EVENT_IDS = 200;

/**
 * A phase's duration or extension reported differently by another source moves every obligation
 * of that phase: evaluate them all under the alternative and say where the status would change.
 */
function reportPhaseAlternatives(
  agreement: Agreement,
  presented: ObligationStatus[],
  context: Context,
  contextFor: (variant: Agreement) => Context,
): void {
  for (const site of alternativeSites(agreement.phases)) {
    const variant = { ...agreement, phases: withPrimary(agreement.phases, site.path, site.value) };
    const other = contextFor(variant);
    agreement.obligations.forEach((obligation, index) => {
      const base = evaluateKind(obligation, context);
      const alternative = evaluateKind(obligation, other);
      if (alternative.status === base.status) return;
      presented[index]?.alternatives.push({
        path: `phases${formatSitePath(site.path)}`,
        value: site.value,
        source: site.source,
        status: alternative.status,
        ...readings(alternative.why),
      });
    });
  }
}

function present(obligation: Obligation, context: Context): ObligationStatus {
  const { calendar, asOf } = context;
  const outcome = evaluateKind(obligation, context);
  const alternatives: AlternativeOutcome[] = [];
  for (const site of alternativeSites(obligation)) {
    const variant = withPrimary(obligation, site.path, site.value);
    const other = evaluateKind(variant, context);
    if (other.status !== outcome.status) {
      alternatives.push({
        path: formatSitePath(site.path),
        value: site.value,
        source: site.source,
        status: other.status,
        ...readings(other.why),
      });
    }
  }
  const measures = context.measures(obligation.id);
  const waived = measures.find((m) => m.measure.kind === 'waive');
  const suspension = measures.find(
    (m) =>
      m.measure.kind === 'suspend' &&
      asOf >= calendar.dayStart(m.measure.fromDay) &&
      asOf < calendar.dayEnd(m.measure.untilDay),
  );
  if (obligation.kind !== 'quota') {
    for (const corrected of context.correctedCounts(obligation.id)) {
      context.warnings.push({
        eventId: corrected.eventId,
        message: `corrected count of ${corrected.event} not applied: ${obligation.id} is a ${obligation.kind} obligation, and a corrected count replaces a figure counted toward a quota (for a schedule, add or move items instead)`,
      });
    }
  }
  const disputes = context.openDisputes(obligation.id);
  let status = outcome.status;
  let why = outcome.why;
  // A confirmed finding is a breach whatever the counts say (prohibitions count findings as
  // violations themselves).
  const findings = obligation.kind === 'prohibition' ? [] : context.findings(obligation.id);
  if (findings.length > 0) {
    const list = findings
      .map(({ event: { event } }) => {
        const finding = event as ViewOfType<'finding_recorded'>;
        return `${finding.id} by ${finding.source} on incident ${finding.payload.incident}${finding.payload.attributedTo ? `, attributed to ${finding.payload.attributedTo}` : ''}: ${finding.payload.summary}`;
      })
      .join('; ');
    if (status !== 'breached')
      why = `Breached by a confirmed finding (${list}). The counts alone say ${status}: ${why}`;
    else why = `${why} Confirmed finding: ${list}.`;
    status = 'breached';
  }
  let underlying: ObligationStatus['underlying'] = null;
  if (waived) {
    underlying = status;
    status = 'waived';
    why = `Waived by the mediators' decision on ${waived.dispute} (${waived.eventId}). Without it: ${why}`;
  } else if (suspension && suspension.measure.kind === 'suspend') {
    underlying = status;
    status = 'suspended';
    why = `Suspended from Day ${suspension.measure.fromDay} to Day ${suspension.measure.untilDay} by the mediators' decision on ${suspension.dispute} (${suspension.eventId}). Without it: ${why}`;
  } else if (disputes.length > 0) {
    underlying = status;
    status = 'disputed';
    const claims = disputes
      .map(
        (d) =>
          `${d.id} (opened ${calendar.describe(Date.parse(d.openedAt))} by ${d.openedBy}: ${d.subject}${d.contests ? `; contests the ${d.contests.kind}${d.contests.ref ? ` ${d.contests.ref}` : ''}` : ''}) — ${d.claims
            .map(
              (c) =>
                `${c.by} claims "${c.claim}"${c.evidence.length ? ` [${c.evidence.join(', ')}]` : ''}${c.files?.length ? ` (files: ${c.files.map((f) => `${f.name ?? 'file'} sha256:${f.sha256.slice(0, 12)}…`).join(', ')})` : ''}`,
            )
            .join('; ')}`,
      )
      .join(' | ');
    why = `Disputed: ${claims}. The events alone say ${underlying}: ${why}`;
  }
  const eventIds = [
    ...outcome.eventIds,
    ...disputes.map((d) => d.eventId),
    ...(waived ? [waived.eventId] : []),
    ...(suspension ? [suspension.eventId] : []),
    ...findings.map((f) => f.event.event.id),
  ];
  return {
    id: obligation.id,
    kind: obligation.kind,
    title: obligation.title,
    owedBy: [...obligation.owedBy],
    status,
    underlying,
    progress: outcome.progress,
    ...readings(why),
    // The deciding events, not every event counted: a quota's figures are per day instead.
    eventIds: [...new Set(eventIds)].slice(0, MAX_EVENT_IDS),
    forecast: outcome.forecast,
    sources: outcome.sources,
    periods: outcome.periods,
    disputes: disputes.map(({ obligations: _obligations, ...view }) => view),
    alternatives,
    dueAt: outcome.dueAt === null ? null : calendar.format(outcome.dueAt),
    ...(outcome.exchanges ? { exchanges: outcome.exchanges } : {}),
  };
}
