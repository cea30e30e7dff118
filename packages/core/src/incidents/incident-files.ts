import type { EventOf, IncidentGeometry, TruceEvent } from '../events/schema.js';
import {
  closedStates,
  type IncidentState,
  type StepInput,
  stepOfEventType,
  transition,
  type WorkflowMemory,
  type WorkflowStep,
  workflowSteps,
} from './workflow.js';

/**
 * Every incident as the cell knows it at `asOf`: the report, each workflow step with its
 * reason, the state, the finding, and the deadline of each step. Folded from the events alone
 * (status is derived, never stored). A step that does not follow from the state (a finding on
 * an incident nobody triaged, a publication without review) changes nothing and is listed as a
 * problem of the incident, so it stays visible without ever skipping verification.
 */

const HOUR_MS = 3_600_000;

/** Hours allowed for each step, counted from the step it follows. */
export interface StepDeadlines {
  /** From occurrence to report (the CMCC's 48 hours). */
  report: number;
  /** From report to triage. */
  triage: number;
  /** From acceptance to assignment. */
  assign: number;
  /** From assignment to the start of the investigation. */
  investigate: number;
  /** From report to finding (seven days). */
  finding: number;
  /** From finding to review. */
  review: number;
  /** From the endorsing review to publication. */
  publish: number;
}

export const defaultStepDeadlines: StepDeadlines = {
  report: 48,
  triage: 24,
  assign: 24,
  investigate: 48,
  finding: 7 * 24,
  review: 72,
  publish: 48,
};

export interface StepRecord {
  step: WorkflowStep;
  eventId: string;
  by: string;
  at: string;
  reason: string;
  /** The state the step led to. */
  state: IncidentState;
}

export interface DeadlineRecord {
  step: keyof StepDeadlines;
  dueAt: string;
  doneAt: string | null;
  /** done: in time; late: done after dueAt; overdue: not done and past dueAt. */
  status: 'pending' | 'overdue' | 'done' | 'late';
}

export type IncidentFile = {
  incident: string;
  state: IncidentState;
  closed: boolean;
  reportEventId: string;
  reportedBy: string;
  occurredAt: string;
  reportedAt: string;
  category: string;
  description: string;
  clause?: string | undefined;
  obligation?: string | undefined;
  against?: string | undefined;
  place?: string | undefined;
  /** Where, as a point, when the report gives one (lat/lon, a point, or a shape's middle). */
  position?: { lat: number; lon: number } | undefined;
  geometry?: IncidentGeometry | undefined;
  evidence: { sha256: string; name?: string | undefined; mediaType?: string | undefined }[];
  assignee?: string | undefined;
  duplicateOf?: string | undefined;
  finding?:
    | {
        eventId: string;
        by: string;
        outcome: 'confirmed' | 'unfounded' | 'inconclusive';
        attributedTo?: string | undefined;
        obligation?: string | undefined;
        summary: string;
      }
    | undefined;
  publishedFinding?: string | undefined;
  steps: StepRecord[];
  deadlines: DeadlineRecord[];
  problems: { eventId: string; message: string }[];
};

export interface IncidentFileOptions {
  /** Instant (ms) at which the files are read: later-reported events are not known yet. */
  asOf: number;
  deadlines?: Partial<StepDeadlines>;
  /**
   * Organisations whose verification counts (the agreement's mediators, guarantors and
   * monitors), as the engine applies findings; absent: any organisation's.
   */
  verifiers?: ReadonlySet<string>;
  /** Positions of named places (the agreement's `places`), for reports that give only a name. */
  places?: ReadonlyMap<string, { lat: number; lon: number }>;
}

type WorkflowEvent = EventOf<
  | 'incident_reported'
  | 'incident_triaged'
  | 'incident_assigned'
  | 'investigation_started'
  | 'finding_recorded'
  | 'finding_reviewed'
  | 'finding_published'
>;

function isWorkflowEvent(event: TruceEvent): event is WorkflowEvent {
  return stepOfEventType.has(event.type);
}

/** The middle of a geometry's vertices: good enough to compare places a few km apart. */
export function positionOf(geometry: IncidentGeometry): { lat: number; lon: number } {
  const points =
    geometry.type === 'Point'
      ? [geometry.coordinates]
      : geometry.type === 'LineString'
        ? geometry.coordinates
        : (geometry.coordinates[0] ?? []);
  let lon = 0;
  let lat = 0;
  for (const [x, y] of points) {
    lon += x;
    lat += y;
  }
  return { lat: lat / points.length, lon: lon / points.length };
}

/** The command a workflow event stands for (the fold replays the same checks as the server). */
export function stepInputOf(event: WorkflowEvent): StepInput {
  switch (event.type) {
    case 'incident_reported':
      return { step: 'report', reason: event.payload.description || event.payload.category };
    case 'incident_triaged':
      return {
        step: 'triage',
        decision: event.payload.decision,
        duplicateOf: event.payload.duplicateOf,
        reason: event.payload.reason,
      };
    case 'incident_assigned':
      return { step: 'assign', assignee: event.payload.assignee, reason: event.payload.reason };
    case 'investigation_started':
      return { step: 'investigate', reason: event.payload.reason };
    case 'finding_recorded':
      return {
        step: 'record_finding',
        outcome: event.payload.outcome,
        attributedTo: event.payload.attributedTo,
        reason: event.payload.summary,
      };
    case 'finding_reviewed':
      return {
        step: 'review',
        finding: event.payload.finding,
        decision: event.payload.decision,
        reason: event.payload.reason,
      };
    case 'finding_published':
      return { step: 'publish', finding: event.payload.finding, reason: event.payload.reason };
  }
}

const allPermissions = ['report', 'verify', 'publish'] as const;

/** The incident files at `asOf`, newest report first. */
export function incidentFiles(
  events: Iterable<TruceEvent>,
  options: IncidentFileOptions,
): IncidentFile[] {
  const limits = { ...defaultStepDeadlines, ...options.deadlines };
  const known: WorkflowEvent[] = [];
  for (const event of events) {
    if (!isWorkflowEvent(event)) continue;
    if (Date.parse(event.reportedAt) > options.asOf) continue;
    known.push(event);
  }
  // Ledger order is report order; ties keep the order given (the log's).
  const order = known.map((event, index) => ({ event, index, at: Date.parse(event.reportedAt) }));
  order.sort((a, b) => a.at - b.at || a.index - b.index);

  const files = new Map<string, IncidentFile & { memory: WorkflowMemory }>();
  for (const { event } of order) {
    const id = event.payload.incident;
    const file = files.get(id);
    const input = stepInputOf(event);
    if (event.type === 'incident_reported') {
      if (file) {
        file.problems.push({
          eventId: event.id,
          message: `incident ${id} was already reported (${file.reportEventId}); a second report under the same id is ignored — report it under a new id or correct the first`,
        });
        continue;
      }
      const p = event.payload;
      const position =
        p.lat !== undefined && p.lon !== undefined
          ? { lat: p.lat, lon: p.lon }
          : p.geometry
            ? positionOf(p.geometry)
            : p.place
              ? options.places?.get(p.place)
              : undefined;
      files.set(id, {
        incident: id,
        state: 'reported',
        closed: false,
        reportEventId: event.id,
        reportedBy: event.source,
        occurredAt: event.occurredAt,
        reportedAt: event.reportedAt,
        category: p.category,
        description: p.description,
        clause: p.clause,
        obligation: p.obligation,
        against: p.against,
        place: p.place,
        position,
        geometry: p.geometry,
        evidence: (p.evidence ?? []).map(({ sha256, name, mediaType }) => ({
          sha256,
          name,
          mediaType,
        })),
        steps: [
          {
            step: 'report',
            eventId: event.id,
            by: event.source,
            at: event.reportedAt,
            reason: input.reason,
            state: 'reported',
          },
        ],
        deadlines: [],
        problems: [],
        memory: { state: 'reported' },
      });
      continue;
    }
    // A step naming an incident nobody reported: listed by `orphanSteps`.
    if (!file) continue;
    const step = stepOfEventType.get(event.type)!;
    if (
      options.verifiers &&
      workflowSteps[step].permission !== 'report' &&
      !options.verifiers.has(event.source)
    ) {
      file.problems.push({
        eventId: event.id,
        message: `${step.replace('_', ' ')} by ${event.source} not applied: only the mediators, guarantors and monitors of the agreement verify`,
      });
      continue;
    }
    // Permissions were checked when the step was submitted (the server signs only what the
    // user may do); the fold checks order, reasons and who reviews.
    const outcome = transition(file.memory, input, {
      org: event.source,
      permissions: allPermissions,
    });
    if (!outcome.ok) {
      file.problems.push({ eventId: event.id, message: `not applied: ${outcome.message}` });
      continue;
    }
    file.state = outcome.state;
    file.memory.state = outcome.state;
    file.steps.push({
      step,
      eventId: event.id,
      by: event.source,
      at: event.reportedAt,
      reason: input.reason,
      state: outcome.state,
    });
    switch (event.type) {
      case 'incident_triaged':
        if (event.payload.decision === 'duplicate') file.duplicateOf = event.payload.duplicateOf;
        break;
      case 'incident_assigned':
        file.assignee = event.payload.assignee;
        break;
      case 'finding_recorded':
        file.finding = {
          eventId: event.id,
          by: event.source,
          outcome: event.payload.outcome,
          attributedTo: event.payload.attributedTo,
          obligation: event.payload.obligation,
          summary: event.payload.summary,
        };
        file.memory.finding = { eventId: event.id, by: event.source };
        file.memory.endorsed = undefined;
        break;
      case 'finding_reviewed':
        file.memory.endorsed =
          event.payload.decision === 'endorsed' ? event.payload.finding : undefined;
        break;
      case 'finding_published':
        file.publishedFinding = event.payload.finding;
        break;
    }
  }
  const result: IncidentFile[] = [];
  for (const { memory: _memory, ...file } of files.values()) {
    file.closed = closedStates.has(file.state);
    file.deadlines = deadlinesOf(file, limits, options.asOf);
    result.push(file);
  }
  result.sort((a, b) => Date.parse(b.reportedAt) - Date.parse(a.reportedAt));
  return result;
}

/** Steps that never reached an incident: a triage or finding naming an unreported id. */
export function orphanSteps(
  events: Iterable<TruceEvent>,
  asOf: number,
): { eventId: string; incident: string }[] {
  const reported = new Set<string>();
  const steps: { eventId: string; incident: string; at: number }[] = [];
  for (const event of events) {
    if (!isWorkflowEvent(event) || Date.parse(event.reportedAt) > asOf) continue;
    if (event.type === 'incident_reported') reported.add(event.payload.incident);
    else
      steps.push({
        eventId: event.id,
        incident: event.payload.incident,
        at: Date.parse(event.reportedAt),
      });
  }
  return steps
    .filter((s) => !reported.has(s.incident))
    .map(({ eventId, incident }) => ({ eventId, incident }));
}

function deadlinesOf(file: IncidentFile, limits: StepDeadlines, asOf: number): DeadlineRecord[] {
  const iso = (ms: number) => new Date(ms).toISOString();
  const doneAt = (step: WorkflowStep, after = 0): number | null => {
    const found = file.steps.find((s) => s.step === step && Date.parse(s.at) >= after);
    return found ? Date.parse(found.at) : null;
  };
  const record = (step: keyof StepDeadlines, from: number, done: number | null): DeadlineRecord => {
    const due = from + limits[step] * HOUR_MS;
    return {
      step,
      dueAt: iso(due),
      doneAt: done === null ? null : iso(done),
      status: done === null ? (asOf > due ? 'overdue' : 'pending') : done > due ? 'late' : 'done',
    };
  };
  const reported = Date.parse(file.reportedAt);
  const out = [record('report', Date.parse(file.occurredAt), reported)];
  const triaged = doneAt('triage');
  out.push(record('triage', reported, triaged));
  const accepted = file.steps.find((s) => s.step === 'triage' && s.state === 'triaged');
  if (!accepted) return out;
  const acceptedAt = Date.parse(accepted.at);
  const assigned = doneAt('assign');
  out.push(record('assign', acceptedAt, assigned));
  if (assigned !== null) out.push(record('investigate', assigned, doneAt('investigate')));
  const found = doneAt('record_finding');
  out.push(record('finding', reported, found));
  if (file.finding) {
    const latest = Date.parse(file.steps.find((s) => s.eventId === file.finding?.eventId)!.at);
    const reviewed = doneAt('review', latest);
    out.push(record('review', latest, reviewed));
    const endorsed = file.steps.find(
      (s) => s.step === 'review' && s.state === 'reviewed' && Date.parse(s.at) >= latest,
    );
    if (endorsed) out.push(record('publish', Date.parse(endorsed.at), doneAt('publish')));
  }
  return out;
}

/** Incidents with a step past its deadline, for the queue's "overdue" view. */
export function overdueSteps(file: IncidentFile): DeadlineRecord[] {
  return file.deadlines.filter((d) => d.status === 'overdue');
}

/** What the next step of an incident is checked against (`transition`), from its file. */
export function workflowMemory(file: IncidentFile): WorkflowMemory {
  const last = [...file.steps]
    .reverse()
    .find((s) => s.step === 'review' || s.step === 'record_finding');
  return {
    state: file.state,
    finding: file.finding ? { eventId: file.finding.eventId, by: file.finding.by } : undefined,
    endorsed:
      last?.step === 'review' && last.state === 'reviewed' ? file.finding?.eventId : undefined,
  };
}
