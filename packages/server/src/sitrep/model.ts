import {
  type Agreement,
  aid,
  Calendar,
  type Evaluation,
  type EventMatch,
  type ObligationStatus,
  type PeriodFigure,
  type SourceFigure,
  type Status,
  statuses,
  TruceError,
  type TruceEvent,
} from '@truce/core';
import { type EffectiveEvent, effectiveEvents } from './effective-events.js';

/**
 * The daily situation report as data: every figure taken from two evaluations of the engine (at
 * the end of the day before and at the end of the day), plus the day's reports listed as the
 * engine sees them (corrected, retractions removed). Nothing here is translated or formatted:
 * the renderer does that, once per language.
 */

/** The day a report covers, in the agreement's time zone. */
export interface SitrepWindow {
  /** The local calendar date, YYYY-MM-DD. */
  date: string;
  /** The day number as the agreement counts days. */
  day: number;
  /** Local midnight at the start of the day, and at the start of the next. */
  from: string;
  to: string;
  /** The instant the report is evaluated at: the last instant of the day, or now if earlier. */
  asOf: string;
  /** The last instant of the day before: the baseline of "what changed". */
  previousAsOf: string;
  /** False while the day is still running (the report is provisional). */
  complete: boolean;
}

/** What the report says about the data it covers. */
export type SitrepCoverage =
  | { kind: 'file'; file: string; events: number }
  | {
      kind: 'ledger';
      size: number;
      checkpoint: { size: number; rootHash: string; savedAt: string } | null;
    };

export interface SitrepInput {
  /** Every version of the agreement; the one in force at the end of the day is reported. */
  versions: readonly Agreement[];
  window: SitrepWindow;
  current: Evaluation;
  previous: Evaluation;
  /** The events; only those the report lists are read (the figures come from the evaluations). */
  events: readonly TruceEvent[];
  coverage: SitrepCoverage;
  generatedAt: string;
}

export interface PhaseLine {
  id: string;
  name: string;
  state: 'pending' | 'active' | 'ended';
  dayOfPhase: number | null;
  lengthDays: number | null;
  startedAt: string | null;
  endsAt: string | null;
}

export interface Transition {
  id: string;
  title: string;
  from: Status | null;
  to: Status;
  why: string;
}

export interface ReleaseObligationLine {
  id: string;
  title: string;
  kind: 'exchange' | 'schedule';
  owedBy: string[];
  status: Status;
  unit: string;
  /** Counted by the engine by the end of the day, and by the end of the day before. */
  done: number;
  donePrevious: number;
  /** Owed (exchange: owed so far by the ratios; schedule: the total) at both instants. */
  required: number | null;
  requiredPrevious: number | null;
}

export type ReleaseType = 'hostage_released' | 'remains_returned' | 'prisoner_released';

export interface ReleaseRow {
  type: ReleaseType;
  /** The parties that owe releases of this type (from the obligations that count them). */
  by: string[];
  category: string;
  living: boolean;
  /** Persons in reports of the day, and in all reports up to the end of the day. */
  today: number;
  total: number;
  /** Pseudonymous ids of the persons released that day (never names). */
  ids: string[];
}

export interface WithheldLine {
  eventId: string;
  source: string;
  at: string;
  obligation: string;
  persons: number;
  reason: string;
}

export interface AidDayRow {
  day: number;
  from: string;
  /** Each source's figure, in the order of `AidTable.sources`; null where it reported nothing. */
  bySource: (number | null)[];
  /** The figure that counts, by the obligation's rule, and what was owed. */
  done: number;
  required: number;
  met: boolean;
  complete: boolean;
  reported: boolean;
}

export interface AidTable {
  id: string;
  title: string;
  unit: string;
  status: Status;
  partOf: string | null;
  sources: string[];
  rows: AidDayRow[];
  /** The last complete day whose sources were reconciled: each pair's gap explained (core aid). */
  reconciliation: { day: number; text: string[] } | null;
}

export interface ProgressLine {
  id: string;
  title: string;
  kind: string;
  owedBy: string[];
  status: Status;
  done: number;
  required: number | null;
  unit: string;
  sources: SourceFigure[];
  why: string;
}

export interface ReportedLine {
  eventId: string;
  type: TruceEvent['type'];
  source: string;
  at: string;
  /** The payload fields the report shows, already chosen per type. */
  fields: Record<string, string | number>;
  correctedBy: string | null;
}

export interface OpenDispute {
  id: string;
  obligations: string[];
  subject: string;
  openedAt: string;
  openedBy: string;
  claims: { by: string; claim: string; evidence: string[] }[];
}

export interface ComplianceRow {
  id: string;
  title: string;
  kind: string;
  owedBy: string[];
  status: Status;
  underlying: Status | null;
  previous: Status | null;
  done: number;
  required: number | null;
  unit: string;
  why: string;
  alternatives: { source: string; status: Status }[];
}

export interface SitrepModel {
  agreement: { id: string; version: number; title: string; timeZone: string };
  window: SitrepWindow;
  generatedAt: string;
  coverage: SitrepCoverage;
  /** The phases as at the end of the day; `current` is the active one, if any. */
  phases: PhaseLine[];
  current: PhaseLine | null;
  /** Names of parties and organisations by id, for display. */
  names: Record<string, string>;
  summary: {
    counts: Record<Status, number>;
    previousCounts: Record<Status, number>;
    transitions: Transition[];
  };
  exchanges: {
    obligations: ReleaseObligationLine[];
    releases: ReleaseRow[];
    withheld: WithheldLine[];
  };
  aid: { daily: AidTable[]; totals: ProgressLine[] };
  movement: { obligations: ProgressLine[]; reports: ReportedLine[] };
  incidents: { reports: ReportedLine[]; findings: ReportedLine[]; awaitingFinding: ReportedLine[] };
  disputes: { open: OpenDispute[]; resolved: ReportedLine[] };
  compliance: ComplianceRow[];
  sources: {
    documents: Agreement['sources'];
    reporters: { org: string; reports: number; types: string[] }[];
  };
  warnings: { eventId: string; message: string }[];
}

/** How many days of aid figures the aid section shows, ending with the report's day. */
export const aidDays = 7;

const releaseTypes: readonly ReleaseType[] = [
  'hostage_released',
  'remains_returned',
  'prisoner_released',
];
const movementTypes = new Set(['returns_counted', 'crossing_opened', 'crossing_closed']);

/**
 * The report's day: `date` is a local calendar date in the agreement's zone. The report is as
 * of the last instant of that day ("by Day N" deadlines still open, Day N's quota figures not
 * yet judged), or of `now` when the day is still running; a day that has not begun is refused.
 */
export function sitrepWindow(agreement: Agreement, date: string, now: Date): SitrepWindow {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const asked = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  if (!match || Number.isNaN(asked) || new Date(asked).toISOString().slice(0, 10) !== date) {
    throw new TruceError('USAGE', `--date "${date}" is not a date; write it as YYYY-MM-DD`);
  }
  const calendar = new Calendar(agreement.timeZone, agreement.zeroHour, agreement.zeroHourDay);
  const zeroDate = localDate(Date.parse(agreement.zeroHour), agreement.timeZone);
  const day =
    agreement.zeroHourDay + Math.round((asked - Date.parse(`${zeroDate}T00:00:00Z`)) / 86_400_000);
  const from = calendar.dayStart(day);
  const to = calendar.dayEnd(day);
  const nowMs = now.getTime();
  if (nowMs < from) {
    throw new TruceError(
      'USAGE',
      `${date} has not begun yet in ${agreement.timeZone}; a report covers a day that has started`,
    );
  }
  const asOf = Math.min(to - 1, nowMs);
  return {
    date,
    day,
    from: calendar.format(from),
    to: calendar.format(to),
    asOf: withMilliseconds(calendar, asOf),
    previousAsOf: withMilliseconds(calendar, from - 1),
    complete: nowMs >= to,
  };
}

/** YYYY-MM-DD of an instant in a zone. */
export function localDate(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(ms);
}

/** The calendar's local ISO form, keeping the milliseconds (the last instant of a day is .999). */
function withMilliseconds(calendar: Calendar, ms: number): string {
  const text = calendar.format(ms);
  const millis = String(((ms % 1000) + 1000) % 1000).padStart(3, '0');
  return `${text.slice(0, 19)}.${millis}${text.slice(19)}`;
}

export function buildSitrep(input: SitrepInput): SitrepModel {
  const { current, previous, window } = input;
  const agreement =
    input.versions.find((version) => version.version === current.agreement.version) ??
    input.versions[0];
  if (!agreement) throw new TruceError('NOT_FOUND', 'no agreement to report on');
  const mediators = new Set(
    input.versions.flatMap((v) =>
      v.parties.filter((p) => p.roles.includes('mediator')).map((p) => p.id),
    ),
  );
  const from = Date.parse(window.from);
  const to = Date.parse(window.to);
  const asOf = Date.parse(window.asOf);
  const known = effectiveEvents(input.events, asOf, mediators);
  // "That day" is what became known that day: most reports about a day come in the next
  // morning, and a daily report lists what is new, whenever it happened (its time is shown).
  const ofDay = known.filter((e) => knownDuring(e, from, to));
  const before = new Map(previous.obligations.map((o) => [o.id, o]));
  const names: Record<string, string> = {};
  for (const version of input.versions) {
    for (const party of version.parties) names[party.id] = party.name;
  }

  const phases: PhaseLine[] = current.phases.map((phase) => ({
    id: phase.id,
    name: phase.name ?? phase.id,
    state: phase.state,
    dayOfPhase: phase.dayOfPhase,
    lengthDays: phase.lengthDays,
    startedAt: phase.startedAt,
    endsAt: phase.endsAt,
  }));

  return {
    agreement: current.agreement,
    window,
    generatedAt: input.generatedAt,
    coverage: input.coverage,
    phases,
    current: phases.find((phase) => phase.state === 'active') ?? null,
    names,
    summary: {
      counts: countByStatus(current.obligations),
      previousCounts: countByStatus(previous.obligations),
      transitions: current.obligations
        .filter((o) => before.get(o.id)?.status !== o.status)
        .map((o) => ({
          id: o.id,
          title: o.title,
          from: before.get(o.id)?.status ?? null,
          to: o.status,
          why: o.why,
        })),
    },
    exchanges: {
      obligations: current.obligations
        .filter(
          (o): o is ObligationStatus & { kind: 'exchange' | 'schedule' } =>
            o.kind === 'exchange' || o.kind === 'schedule',
        )
        .map((o) => {
          const earlier = before.get(o.id);
          return {
            id: o.id,
            title: o.title,
            kind: o.kind,
            owedBy: o.owedBy,
            status: o.status,
            unit: o.progress.unit,
            done: o.progress.done,
            donePrevious: earlier?.progress.done ?? 0,
            required: o.progress.required,
            requiredPrevious: earlier?.progress.required ?? null,
          };
        }),
      releases: releaseRows(agreement, known, from, to),
      withheld: ofDay.flatMap(({ event }): WithheldLine[] =>
        event.type === 'release_withheld'
          ? [
              {
                eventId: event.id,
                source: event.source,
                at: event.occurredAt,
                obligation: event.payload.obligation,
                persons: event.payload.persons,
                reason: event.payload.reason,
              },
            ]
          : [],
      ),
    },
    aid: aidSection(agreement, current, window.day),
    movement: {
      obligations: current.obligations
        .filter((o) => o.kind === 'permission' || isWithdrawal(agreement, o.id))
        .map(progressLine),
      reports: ofDay
        .filter((e) => movementTypes.has(e.event.type) || e.event.type === 'withdrawal_completed')
        .map(reported),
    },
    incidents: {
      reports: ofDay.filter((e) => e.event.type === 'incident_reported').map(reported),
      findings: ofDay.filter((e) => e.event.type === 'finding_recorded').map(reported),
      awaitingFinding: awaitingFinding(known).map(reported),
    },
    disputes: {
      open: openDisputes(current.obligations),
      resolved: ofDay.filter((e) => e.event.type === 'dispute_resolved').map(reported),
    },
    compliance: current.obligations.map((o) => ({
      id: o.id,
      title: o.title,
      kind: o.kind,
      owedBy: o.owedBy,
      status: o.status,
      underlying: o.underlying,
      previous: before.get(o.id)?.status ?? null,
      done: o.progress.done,
      required: o.progress.required,
      unit: o.progress.unit,
      why: o.why,
      alternatives: o.alternatives.map((a) => ({ source: a.source, status: a.status })),
    })),
    sources: {
      documents: agreement.sources,
      reporters: reporters(ofDay),
    },
    warnings: current.warnings,
  };
}

/** Whether an event became known (occurred and was reported) in [from, to). */
function knownDuring(e: EffectiveEvent, from: number, to: number): boolean {
  const knownAt = Math.max(e.occurredAt, e.reportedAt);
  return knownAt >= from && knownAt < to;
}

function countByStatus(obligations: readonly ObligationStatus[]): Record<Status, number> {
  const counts = Object.fromEntries(statuses.map((s) => [s, 0])) as Record<Status, number>;
  for (const o of obligations) counts[o.status]++;
  return counts;
}

function typesOf(match: EventMatch): string[] {
  return [match.type].flat();
}

/** Who releases persons of a type: the parties owing the obligations that count such releases. */
function releasers(agreement: Agreement, type: ReleaseType): string[] {
  const out = new Set<string>();
  for (const o of agreement.obligations) {
    const match = o.kind === 'schedule' ? o.measure : o.kind === 'exchange' ? o.release : null;
    if (match && typesOf(match).includes(type)) for (const party of o.owedBy) out.add(party);
  }
  return [...out];
}

function releaseRows(
  agreement: Agreement,
  known: readonly EffectiveEvent[],
  from: number,
  to: number,
): ReleaseRow[] {
  const rows = new Map<string, ReleaseRow>();
  for (const effective of known) {
    const { event } = effective;
    if (!(releaseTypes as readonly string[]).includes(event.type)) continue;
    const type = event.type as ReleaseType;
    const persons = (
      event.payload as { persons: { id: string; category: string; living: boolean }[] }
    ).persons;
    for (const person of persons) {
      const key = `${releaseTypes.indexOf(type)}\u0000${person.category}\u0000${person.living}`;
      let row = rows.get(key);
      if (!row) {
        row = {
          type,
          by: releasers(agreement, type),
          category: person.category,
          living: person.living,
          today: 0,
          total: 0,
          ids: [],
        };
        rows.set(key, row);
      }
      row.total++;
      if (knownDuring(effective, from, to)) {
        row.today++;
        row.ids.push(person.id);
      }
    }
  }
  return [...rows.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, row]) => ({ ...row, ids: row.ids.sort() }));
}

function aidSection(
  agreement: Agreement,
  current: Evaluation,
  day: number,
): { daily: AidTable[]; totals: ProgressLine[] } {
  const daily: AidTable[] = [];
  const totals: ProgressLine[] = [];
  for (const o of current.obligations) {
    if (o.kind !== 'quota') continue;
    const definition = agreement.obligations.find((d) => d.id === o.id);
    const calendarDays =
      definition?.kind === 'quota' && 'calendarDay' in definition.period && o.periods.length > 0;
    if (!calendarDays) {
      totals.push(progressLine(o));
      continue;
    }
    const shown: PeriodFigure[] = o.periods
      .filter((p) => p.day > day - aidDays && p.day <= day)
      .sort((a, b) => a.day - b.day);
    const sources = [
      ...new Set([
        ...o.sources.map((s) => s.source),
        ...shown.flatMap((p) => p.sources.map((s) => s.source)),
      ]),
    ];
    daily.push({
      id: o.id,
      title: o.title,
      unit: o.progress.unit,
      status: o.status,
      partOf: definition?.kind === 'quota' ? (definition.partOf ?? null) : null,
      sources,
      rows: shown.map((p) => ({
        day: p.day,
        from: p.from,
        bySource: sources.map((s) => p.sources.find((f) => f.source === s)?.done ?? null),
        done: p.done,
        required: p.required,
        met: p.met,
        complete: p.complete,
        reported: p.reported,
      })),
      reconciliation: lastReconciled(shown),
    });
  }
  return { daily, totals };
}

function lastReconciled(periods: readonly PeriodFigure[]): AidTable['reconciliation'] {
  const last = [...periods].reverse().find((p) => p.complete && p.reconciliation?.length);
  return last?.reconciliation
    ? { day: last.day, text: last.reconciliation.map(aid.describePair) }
    : null;
}

function isWithdrawal(agreement: Agreement, id: string): boolean {
  const o = agreement.obligations.find((d) => d.id === id);
  return o?.kind === 'deadline' && typesOf(o.act).includes('withdrawal_completed');
}

function progressLine(o: ObligationStatus): ProgressLine {
  return {
    id: o.id,
    title: o.title,
    kind: o.kind,
    owedBy: o.owedBy,
    status: o.status,
    done: o.progress.done,
    required: o.progress.required,
    unit: o.progress.unit,
    sources: o.sources,
    why: o.why,
  };
}

/** The fields each listed type shows; free text is kept, escaped by the renderer. */
function reported({ event, correctedBy }: EffectiveEvent): ReportedLine {
  const fields: Record<string, string | number> = {};
  const payload = event.payload as Record<string, unknown>;
  const keep = (key: string) => {
    const value = payload[key];
    if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
  };
  switch (event.type) {
    case 'returns_counted':
      for (const key of ['route', 'direction', 'count']) keep(key);
      break;
    case 'crossing_opened':
      for (const key of ['crossing', 'for']) keep(key);
      break;
    case 'crossing_closed':
      for (const key of ['crossing', 'reason']) keep(key);
      break;
    case 'withdrawal_completed':
      keep('zone');
      break;
    case 'incident_reported':
      for (const key of ['incident', 'category', 'obligation', 'against', 'place', 'description'])
        keep(key);
      break;
    case 'finding_recorded':
      for (const key of ['incident', 'outcome', 'obligation', 'attributedTo', 'summary']) keep(key);
      break;
    case 'dispute_resolved': {
      for (const key of ['dispute', 'decision']) keep(key);
      const measures = event.type === 'dispute_resolved' ? event.payload.measures : [];
      if (measures.length > 0) {
        fields.measures = measures
          .map((m) => {
            const detail =
              m.kind === 'delay'
                ? ` ${m.days}`
                : m.kind === 'addItem'
                  ? ` day ${m.day}: ${m.count}`
                  : m.kind === 'moveItem'
                    ? ` ${m.fromDay}→${m.toDay}`
                    : m.kind === 'suspend'
                      ? ` ${m.fromDay}–${m.untilDay}`
                      : m.kind === 'correctCount'
                        ? ` ${m.event}: ${m.count}`
                        : '';
            return `${m.kind} ${m.obligation}${detail}`;
          })
          .join('; ');
      }
      break;
    }
    default:
      break;
  }
  return {
    eventId: event.id,
    type: event.type,
    source: event.source,
    at: event.occurredAt,
    fields,
    correctedBy,
  };
}

/** Incidents reported so far that no finding has answered yet. */
function awaitingFinding(known: readonly EffectiveEvent[]): EffectiveEvent[] {
  const answered = new Set(
    known.flatMap(({ event }) =>
      event.type === 'finding_recorded' ? [event.payload.incident] : [],
    ),
  );
  return known.filter(
    ({ event }) => event.type === 'incident_reported' && !answered.has(event.payload.incident),
  );
}

function openDisputes(obligations: readonly ObligationStatus[]): OpenDispute[] {
  const byId = new Map<string, OpenDispute>();
  for (const o of obligations) {
    for (const dispute of o.disputes) {
      const existing = byId.get(dispute.id);
      if (existing) {
        existing.obligations.push(o.id);
        continue;
      }
      byId.set(dispute.id, {
        id: dispute.id,
        obligations: [o.id],
        subject: dispute.subject,
        openedAt: dispute.openedAt,
        openedBy: dispute.openedBy,
        claims: dispute.claims.map((c) => ({ by: c.by, claim: c.claim, evidence: c.evidence })),
      });
    }
  }
  return [...byId.values()];
}

function reporters(
  ofDay: readonly EffectiveEvent[],
): { org: string; reports: number; types: string[] }[] {
  const byOrg = new Map<string, { reports: number; types: Set<string> }>();
  for (const { event } of ofDay) {
    const entry = byOrg.get(event.source) ?? { reports: 0, types: new Set<string>() };
    entry.reports++;
    entry.types.add(event.type);
    byOrg.set(event.source, entry);
  }
  return [...byOrg.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([org, { reports, types }]) => ({ org, reports, types: [...types].sort() }));
}
