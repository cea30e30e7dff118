import type { Agreement, Condition, EventMatch, Obligation, Phase } from '../agreement/schema.js';
import type { MeasureAction } from '../events/schema.js';
import { type Calendar, DAY_MS } from './calendar.js';
import type { Effective, EventIndex, EventView, Slot, ViewOfType } from './event-index.js';
import { noticeMatches } from './kinds/notice.js';
import { type CompiledMatch, compileMatch } from './match.js';
import { primary } from './reported.js';
import type { Claim, DisputeView, PhaseStatus, Warning } from './types.js';

export interface PhaseWindow {
  start: number | null;
  /** null while the end is not yet known (open extension) or the phase has not started. */
  end: number | null;
  nominalEnd: number | null;
  lengthDays: number | null;
  why: string;
}

export interface AppliedMeasure {
  measure: MeasureAction;
  at: number;
  eventId: string;
  dispute: string;
}

/** A claim's evidence files as the dispute shows them (digest and name), when it cites any. */
function filesOf(
  files: readonly { sha256: string; name?: string | undefined }[] | undefined,
): Pick<Claim, 'files'> {
  if (!files || files.length === 0) return {};
  return {
    files: files.map((f) =>
      f.name === undefined ? { sha256: f.sha256 } : { sha256: f.sha256, name: f.name },
    ),
  };
}

/** A count the mediators corrected in a decision: `count` replaces the event's figure. */
export interface CorrectedCount extends AppliedMeasure {
  event: string;
  count: number;
}

export interface Finding {
  event: Effective;
  obligation: string;
}

/** Events the engine reads whatever the agreement says: disputes, findings, withheld releases. */
export const systemMatches = {
  disputeOpened: { type: 'dispute_opened' },
  disputeResolved: { type: 'dispute_resolved' },
  disputeClaim: { type: 'dispute_claim_added' },
  finding: { type: 'finding_recorded' },
  findingReviewed: { type: 'finding_reviewed' },
  withheld: { type: 'release_withheld' },
  incident: { type: 'incident_reported' },
} as const satisfies Record<string, EventMatch>;

const compiled = new WeakMap<object, CompiledMatch>();
export function compiledMatch(match: EventMatch): CompiledMatch {
  let result = compiled.get(match);
  if (!result) {
    result = compileMatch(match);
    compiled.set(match, result);
  }
  return result;
}

/** Every event match an agreement contains, so that the index can bucket events on arrival. */
export function matchesIn(agreement: Agreement): EventMatch[] {
  const out: EventMatch[] = [...Object.values(systemMatches)];
  const fromCondition = (condition: Condition): void => {
    if ('event' in condition) out.push(condition.event);
    else if ('count' in condition) out.push(condition.count);
    else if ('all' in condition) condition.all.forEach(fromCondition);
    else if ('any' in condition) condition.any.forEach(fromCondition);
    else if ('not' in condition) fromCondition(condition.not);
  };
  for (const phase of agreement.phases) {
    if ('when' in phase.start) fromCondition(phase.start.when);
    for (const extension of phase.extensions ?? []) {
      if ('whileOngoing' in extension) {
        fromCondition(extension.whileOngoing.started);
        fromCondition(extension.whileOngoing.stopped);
      } else out.push(extension.perCount.measure);
    }
  }
  for (const obligation of agreement.obligations) {
    switch (obligation.kind) {
      case 'quota':
        // A quota over days or a whole period reads only per-day sums (see prepareQuota), so
        // its events may be kept compact; a rolling window reads them one by one.
        if ('rollingHours' in obligation.period) out.push(obligation.measure);
        break;
      case 'schedule':
        out.push(obligation.measure);
        if (obligation.lists) out.push(obligation.lists.match, obligation.lists.register);
        break;
      case 'exchange':
        out.push(obligation.counterpart, obligation.release);
        break;
      case 'deadline':
        out.push(obligation.act);
        if ('after' in obligation.by) fromCondition(obligation.by.after);
        break;
      case 'prohibition':
        out.push(obligation.act);
        if ('exchangeDays' in obligation.window && obligation.window.exchangeDays) {
          out.push(obligation.window.exchangeDays);
        }
        break;
      case 'permission':
        out.push(obligation.act);
        if (obligation.blockedBy) out.push(obligation.blockedBy);
        fromCondition(obligation.when);
        break;
      case 'notice':
        out.push(...noticeMatches(obligation));
        break;
    }
  }
  return out;
}

export function quantityKey(field: string): string {
  return `field:${field}`;
}

export function fieldQuantity(field: string) {
  return (event: EventView): number => {
    const value = (event.payload as Record<string, unknown>)[field];
    return typeof value === 'number' && Number.isFinite(value) ? value : 0;
  };
}

export function formatNumber(value: number): string {
  return Number.isInteger(value)
    ? value.toLocaleString('en-US')
    : value.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/**
 * What every obligation evaluator needs to know about the world at `asOf`: the calendar, the
 * events (through the index), phases, conditions, disputes, measures and findings. Built fresh
 * for each evaluation; memoises what several obligations ask for.
 */
export class Context {
  private readonly phaseMemo = new Map<string, PhaseWindow | 'computing'>();
  private readonly metMemo = new Map<string, number | null | 'computing'>();
  readonly mediators: ReadonlySet<string>;
  readonly verifiers: ReadonlySet<string>;
  readonly warnings: Warning[] = [];
  private measureList: AppliedMeasure[] | null = null;
  private disputeList: (DisputeView & { obligations: string[] })[] | null = null;
  private findingList: Finding[] | null = null;

  constructor(
    readonly agreement: Agreement,
    readonly calendar: Calendar,
    readonly index: EventIndex,
    readonly asOf: number,
    readonly metAtOf: (obligation: Obligation, context: Context) => number | null,
    /** The agreement version in force at an instant (the same one unless amended). */
    readonly versionAt: (at: number) => Agreement = () => agreement,
  ) {
    const withRole = (role: string) =>
      new Set(agreement.parties.filter((p) => p.roles.includes(role as never)).map((p) => p.id));
    this.mediators = withRole('mediator');
    this.verifiers = new Set([
      ...withRole('mediator'),
      ...withRole('monitor'),
      ...withRole('guarantor'),
    ]);
  }

  /** The obligation as the version in force at `at` defines it (a quota amended from Day 10…). */
  obligationAt<T extends Obligation>(obligation: T, at: number): T {
    const version = this.versionAt(at);
    // The governing version's obligation is the one passed in (possibly with an alternative value).
    if (version === this.agreement) return obligation;
    const found = version.obligations.find(
      (o) => o.id === obligation.id && o.kind === obligation.kind,
    );
    return (found as T | undefined) ?? obligation;
  }

  /** The slot of a match whose events are read one by one. */
  slot(match: EventMatch): Slot {
    return this.index.slot(compiledMatch(match));
  }

  /** The slot of a match read only through per-day sums (a quota's measure). */
  sumsSlot(match: EventMatch): Slot {
    return this.index.slot(compiledMatch(match), true);
  }

  records(match: EventMatch): Effective[] {
    return this.slot(match).records(this.asOf);
  }

  /**
   * The events that show an act happened: those matching, and, when the match names persons,
   * only those in which at least one such person appears (a release of someone else is not it).
   */
  occurrences(match: EventMatch): Effective[] {
    const records = this.records(match);
    if (!match.persons) return records;
    const compiled = compiledMatch(match);
    return records.filter((record) => compiled.quantity(record.event) > 0);
  }

  when(ms: number): string {
    return this.calendar.describe(ms);
  }

  // ---- phases -------------------------------------------------------------------------------

  phase(id: string): PhaseWindow {
    const memo = this.phaseMemo.get(id);
    if (memo === 'computing') {
      return {
        start: null,
        end: null,
        nominalEnd: null,
        lengthDays: null,
        why: 'circular phase definition',
      };
    }
    if (memo) return memo;
    this.phaseMemo.set(id, 'computing');
    const phase = this.agreement.phases.find((p) => p.id === id);
    const window = phase
      ? this.computePhase(phase)
      : { start: null, end: null, nominalEnd: null, lengthDays: null, why: `unknown phase ${id}` };
    this.phaseMemo.set(id, window);
    return window;
  }

  private computePhase(phase: Phase): PhaseWindow {
    const { calendar } = this;
    let start: number | null;
    let startWhy: string;
    if ('day' in phase.start) {
      const day = primary(phase.start.day);
      start = day === calendar.zeroHourDay ? calendar.zeroHour : calendar.dayStart(day);
      startWhy = `starts on Day ${day}`;
      if (start > this.asOf) start = null;
    } else {
      start = this.conditionTime(phase.start.when);
      startWhy = `starts when ${this.describeCondition(phase.start.when)}`;
    }
    if (start === null) {
      return {
        start: null,
        end: null,
        nominalEnd: null,
        lengthDays: null,
        why: `${startWhy}; not yet`,
      };
    }
    const duration = phase.durationDays === undefined ? null : primary(phase.durationDays);
    if (duration === null) {
      return {
        start,
        end: null,
        nominalEnd: null,
        lengthDays: null,
        why: `${startWhy}; open-ended`,
      };
    }
    const nominalEnd = calendar.dayStart(calendar.dayOf(start) + duration);
    let end: number | null = nominalEnd;
    const notes: string[] = [];
    for (const extension of phase.extensions ?? []) {
      const cap =
        extension.maxDays === undefined
          ? Number.POSITIVE_INFINITY
          : nominalEnd + extension.maxDays * DAY_MS;
      if ('whileOngoing' in extension) {
        const started = this.conditionTime(extension.whileOngoing.started);
        const stopped = this.conditionTime(extension.whileOngoing.stopped);
        if (
          started !== null &&
          started <= nominalEnd &&
          (stopped === null || stopped > nominalEnd)
        ) {
          if (stopped === null) {
            end = Number.isFinite(cap) && cap <= this.asOf ? cap : null;
            notes.push(
              `extended while ${this.describeCondition(extension.whileOngoing.started)} continues`,
            );
          } else {
            end = Math.min(stopped, cap);
            notes.push(
              `extended until ${this.when(end)} (${this.describeCondition(extension.whileOngoing.stopped)})`,
            );
          }
        }
      } else {
        const rule = extension.perCount;
        const beyond = primary(rule.beyond);
        const every = primary(rule.every);
        const days = primary(rule.days);
        const records = this.records(rule.measure);
        const match = compiledMatch(rule.measure);
        // Releases that earn an extra day happen during that day (the mediators announce it the
        // evening before), so each round also counts what happened in the candidate extension.
        let current = nominalEnd;
        let counted = 0;
        for (let round = 0; round < 400; round++) {
          const horizon = Math.min(current + days * DAY_MS, cap);
          counted = 0;
          for (const record of records) {
            if (record.record.occurredAt < horizon) counted += match.quantity(record.event);
          }
          const extra = Math.floor(Math.max(0, counted - beyond) / every) * days;
          const next = Math.min(calendar.dayStart(calendar.dayOf(start) + duration + extra), cap);
          if (next <= current) break;
          current = next;
        }
        const extraDays = Math.round((current - nominalEnd) / DAY_MS);
        if (extraDays > 0) {
          notes.push(
            `+${extraDays} day${extraDays === 1 ? '' : 's'} for ${formatNumber(Math.max(0, counted - beyond))} counted beyond ${formatNumber(beyond)}`,
          );
        }
        end = current;
      }
    }
    const lengthDays =
      end === null ? null : Math.round((end - calendar.dayStart(calendar.dayOf(start))) / DAY_MS);
    return {
      start,
      end,
      nominalEnd,
      lengthDays,
      why: [`${startWhy}, ${duration} days`, ...notes].join('; '),
    };
  }

  phaseStatuses(): PhaseStatus[] {
    return this.agreement.phases.map((phase) => {
      const window = this.phase(phase.id);
      const state =
        window.start === null
          ? 'pending'
          : window.end !== null && window.end <= this.asOf
            ? 'ended'
            : 'active';
      const dayOfPhase =
        state === 'active' && window.start !== null
          ? this.calendar.dayOf(this.asOf) - this.calendar.dayOf(window.start) + 1
          : null;
      return {
        id: phase.id,
        name: phase.name ?? null,
        state,
        startedAt: window.start === null ? null : this.calendar.format(window.start),
        endsAt: window.end === null ? null : this.calendar.format(window.end),
        dayOfPhase,
        lengthDays: window.lengthDays,
        why: window.why,
      };
    });
  }

  // ---- conditions ---------------------------------------------------------------------------

  /** The first instant (≤ asOf) at which the condition holds, or null if it does not yet. */
  conditionTime(condition: Condition): number | null {
    const { calendar, asOf } = this;
    const upTo = (time: number | null) => (time !== null && time <= asOf ? time : null);
    if ('day' in condition) {
      const day = primary(condition.day);
      return upTo(condition.time ? calendar.at(day, condition.time) : calendar.dayStart(day));
    }
    if ('at' in condition) return upTo(Date.parse(condition.at));
    if ('phaseStarted' in condition) return upTo(this.phase(condition.phaseStarted).start);
    if ('phaseEnded' in condition) return upTo(this.phase(condition.phaseEnded).end);
    if ('event' in condition)
      return this.occurrences(condition.event)[0]?.record.occurredAt ?? null;
    if ('count' in condition) {
      const target = primary(condition.atLeast);
      const match = compiledMatch(condition.count);
      let counted = 0;
      for (const record of this.records(condition.count)) {
        counted += match.quantity(record.event);
        if (counted >= target) return record.record.occurredAt;
      }
      return target <= 0 ? calendar.zeroHour : null;
    }
    if ('obligationMet' in condition) return upTo(this.obligationMetAt(condition.obligationMet));
    if ('all' in condition) {
      let latest = Number.NEGATIVE_INFINITY;
      for (const inner of condition.all) {
        const time = this.conditionTime(inner);
        if (time === null) return null;
        latest = Math.max(latest, time);
      }
      return latest;
    }
    if ('any' in condition) {
      const times = condition.any
        .map((inner) => this.conditionTime(inner))
        .filter((t): t is number => t !== null);
      return times.length === 0 ? null : Math.min(...times);
    }
    // `not`: holds from zero hour as long as the inner condition has not held by asOf.
    return this.conditionTime(condition.not) === null ? Math.min(calendar.zeroHour, asOf) : null;
  }

  describeCondition(condition: Condition): string {
    if ('day' in condition)
      return `Day ${primary(condition.day)}${condition.time ? ` ${condition.time}` : ''}`;
    if ('at' in condition) return condition.at;
    if ('phaseStarted' in condition) return `${condition.phaseStarted} has started`;
    if ('phaseEnded' in condition) return `${condition.phaseEnded} has ended`;
    if ('event' in condition) return `${compiledMatch(condition.event).describe()} is reported`;
    if ('count' in condition) {
      return `at least ${formatNumber(primary(condition.atLeast))} counted of ${compiledMatch(condition.count).describe()}`;
    }
    if ('obligationMet' in condition) return `${condition.obligationMet} is met`;
    if ('all' in condition)
      return condition.all.map((c) => this.describeCondition(c)).join(' and ');
    if ('any' in condition) return condition.any.map((c) => this.describeCondition(c)).join(' or ');
    return `not (${this.describeCondition(condition.not)})`;
  }

  obligationMetAt(id: string): number | null {
    const memo = this.metMemo.get(id);
    if (memo === 'computing') return null;
    if (memo !== undefined) return memo;
    const obligation = this.agreement.obligations.find((o) => o.id === id);
    if (!obligation) return null;
    this.metMemo.set(id, 'computing');
    const metAt = this.metAtOf(obligation, this);
    this.metMemo.set(id, metAt);
    return metAt;
  }

  /** When an obligation applies: its phase and day bounds. `start` null: not yet. */
  window(obligation: Obligation): { start: number | null; end: number | null; why: string } {
    let start = this.calendar.zeroHour;
    let end: number | null = null;
    const parts: string[] = [];
    const during = obligation.during;
    if (during?.phase) {
      const phase = this.phase(during.phase);
      if (phase.start === null)
        return { start: null, end: null, why: `${during.phase} has not started` };
      start = phase.start;
      end = phase.end;
      parts.push(during.phase);
    }
    if (during?.fromDay !== undefined) {
      const day = primary(during.fromDay);
      start = Math.max(
        start,
        day === this.calendar.zeroHourDay ? this.calendar.zeroHour : this.calendar.dayStart(day),
      );
      parts.push(`from Day ${day}`);
    }
    if (during?.untilDay !== undefined) {
      const day = primary(during.untilDay);
      const until = this.calendar.dayEnd(day);
      end = end === null ? until : Math.min(end, until);
      parts.push(`until Day ${day}`);
    }
    if (start > this.asOf)
      return { start: null, end, why: `applies ${parts.join(' ') || 'from zero hour'}` };
    return { start, end, why: parts.join(', ') };
  }

  // ---- disputes, measures, findings ---------------------------------------------------------

  disputes(): (DisputeView & { obligations: string[]; resolvedAt: number | null })[] {
    if (this.disputeList)
      return this.disputeList as (DisputeView & {
        obligations: string[];
        resolvedAt: number | null;
      })[];
    const resolved = new Map<string, Effective>();
    for (const record of this.records(systemMatches.disputeResolved)) {
      const event = record.event as ViewOfType<'dispute_resolved'>;
      if (!this.mediators.has(event.source)) {
        this.warnings.push({
          eventId: event.id,
          message: `dispute ${event.payload.dispute} can only be resolved by a mediator; ${event.source} is not one`,
        });
        continue;
      }
      if (!resolved.has(event.payload.dispute)) resolved.set(event.payload.dispute, record);
    }
    const seen = new Set<string>();
    const list: (DisputeView & { obligations: string[]; resolvedAt: number | null })[] = [];
    for (const record of this.records(systemMatches.disputeOpened)) {
      const event = record.event as ViewOfType<'dispute_opened'>;
      if (seen.has(event.payload.dispute)) continue;
      seen.add(event.payload.dispute);
      const claims: Claim[] = event.payload.claims.map((c) => ({
        by: c.by,
        claim: c.claim,
        evidence: [...c.evidence],
        ...filesOf(c.files),
      }));
      list.push({
        id: event.payload.dispute,
        openedAt: this.calendar.format(record.record.occurredAt),
        openedBy: event.source,
        subject: event.payload.subject,
        ...(event.payload.contests ? { contests: { ...event.payload.contests } } : {}),
        claims,
        eventId: event.id,
        obligations: event.payload.obligations,
        resolvedAt: resolved.get(event.payload.dispute)?.record.occurredAt ?? null,
      });
    }
    // Each side's own claims, signed by that side, join the dispute they name.
    const byId = new Map(list.map((d) => [d.id, d]));
    for (const record of this.records(systemMatches.disputeClaim)) {
      const event = record.event as ViewOfType<'dispute_claim_added'>;
      const dispute = byId.get(event.payload.dispute);
      if (!dispute) {
        this.warnings.push({
          eventId: event.id,
          message: `claim by ${event.source} names no dispute opened as ${event.payload.dispute}`,
        });
        continue;
      }
      dispute.claims.push({
        by: event.source,
        claim: event.payload.claim,
        evidence: [...event.payload.evidence],
        ...filesOf(event.payload.files),
      });
    }
    this.disputeList = list;
    return list;
  }

  openDisputes(obligationId: string): (DisputeView & { obligations: string[] })[] {
    return this.disputes()
      .filter((d) => d.resolvedAt === null && d.obligations.includes(obligationId))
      .map(({ resolvedAt: _resolved, ...view }) => view);
  }

  measures(obligationId?: string): AppliedMeasure[] {
    if (!this.measureList) {
      const list: AppliedMeasure[] = [];
      for (const record of this.records(systemMatches.disputeResolved)) {
        const event = record.event as ViewOfType<'dispute_resolved'>;
        if (!this.mediators.has(event.source)) continue;
        for (const measure of event.payload.measures) {
          list.push({
            measure,
            at: record.record.occurredAt,
            eventId: event.id,
            dispute: event.payload.dispute,
          });
        }
      }
      this.measureList = list;
    }
    return obligationId === undefined
      ? this.measureList
      : this.measureList.filter((m) => m.measure.obligation === obligationId);
  }

  /**
   * The mediators' corrected counts for an obligation: per contested event, the figure of the
   * latest decision (by time, then id) known at `asOf`. The kind replaces the reported figure.
   */
  correctedCounts(obligationId: string): CorrectedCount[] {
    const latest = new Map<string, CorrectedCount>();
    for (const applied of this.measures(obligationId)) {
      const { measure } = applied;
      if (measure.kind !== 'correctCount') continue;
      const before = latest.get(measure.event);
      if (
        before === undefined ||
        applied.at > before.at ||
        (applied.at === before.at && applied.eventId > before.eventId)
      ) {
        latest.set(measure.event, { ...applied, event: measure.event, count: measure.count });
      }
    }
    return [...latest.values()];
  }

  findings(obligationId: string): Finding[] {
    if (!this.findingList) {
      const list: Finding[] = [];
      // The cell's position on an incident is its latest finding, unless a review returned it
      // to investigation: a confirmed finding superseded or returned breaches nothing.
      const returned = new Set<string>();
      for (const record of this.records(systemMatches.findingReviewed)) {
        const event = record.event as ViewOfType<'finding_reviewed'>;
        if (event.payload.decision === 'returned' && this.verifiers.has(event.source))
          returned.add(event.payload.finding);
      }
      const latest = new Map<string, string>();
      for (const record of this.records(systemMatches.finding)) {
        const event = record.event as ViewOfType<'finding_recorded'>;
        if (this.verifiers.has(event.source)) latest.set(event.payload.incident, event.id);
      }
      for (const record of this.records(systemMatches.finding)) {
        const event = record.event as ViewOfType<'finding_recorded'>;
        if (event.payload.outcome !== 'confirmed' || !event.payload.obligation) continue;
        if (this.verifiers.has(event.source)) {
          if (latest.get(event.payload.incident) !== event.id) {
            this.warnings.push({
              eventId: event.id,
              message: `finding superseded by ${latest.get(event.payload.incident)} on incident ${event.payload.incident}: not applied`,
            });
            continue;
          }
          if (returned.has(event.id)) {
            this.warnings.push({
              eventId: event.id,
              message: `finding returned to investigation by its review: not applied until a new finding`,
            });
            continue;
          }
        }
        if (!this.verifiers.has(event.source)) {
          this.warnings.push({
            eventId: event.id,
            message: `finding by ${event.source} not applied: findings are recorded by mediators, guarantors or monitors`,
          });
          continue;
        }
        list.push({ event: record, obligation: event.payload.obligation });
      }
      this.findingList = list;
    }
    return this.findingList.filter((f) => f.obligation === obligationId);
  }

  allegations(obligationId: string): Effective[] {
    return this.records(systemMatches.incident).filter(
      (r) => (r.event as ViewOfType<'incident_reported'>).payload.obligation === obligationId,
    );
  }

  withheld(obligationId: string): Effective[] {
    return this.records(systemMatches.withheld).filter(
      (r) => (r.event as ViewOfType<'release_withheld'>).payload.obligation === obligationId,
    );
  }
}
