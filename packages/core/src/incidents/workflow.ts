import { TruceError } from '../errors.js';

/**
 * The incident workflow of a ceasefire monitoring mission, as a pure state machine: an
 * allegation is triaged (accepted, a duplicate, or out of scope), assigned to an investigating
 * organisation, investigated, closed with a finding, reviewed by another organisation (the
 * technical committee) and only then published. Each step is taken by someone holding the
 * step's permission and says why. Nothing here reads a clock or a store: the state of an
 * incident is a fold of its events (`incident-files.ts`).
 */

export const incidentStates = [
  'reported',
  'triaged',
  'duplicate',
  'out_of_scope',
  'assigned',
  'under_investigation',
  'finding',
  'reviewed',
  'published',
] as const;
export type IncidentState = (typeof incidentStates)[number];

/** States in which nothing more happens to an incident. */
export const closedStates: ReadonlySet<IncidentState> = new Set([
  'duplicate',
  'out_of_scope',
  'published',
]);

/** The permissions of `accounts/model.ts`: reporting, verifying and publishing are kept apart. */
export type WorkflowPermission = 'report' | 'verify' | 'publish';

export const workflowSteps = {
  report: { eventType: 'incident_reported', permission: 'report' },
  triage: { eventType: 'incident_triaged', permission: 'verify' },
  assign: { eventType: 'incident_assigned', permission: 'verify' },
  investigate: { eventType: 'investigation_started', permission: 'verify' },
  record_finding: { eventType: 'finding_recorded', permission: 'verify' },
  review: { eventType: 'finding_reviewed', permission: 'verify' },
  publish: { eventType: 'finding_published', permission: 'publish' },
} as const satisfies Record<string, { eventType: string; permission: WorkflowPermission }>;
export type WorkflowStep = keyof typeof workflowSteps;
export const workflowStepNames = Object.keys(workflowSteps) as WorkflowStep[];

/** The event type of each step, and back. */
export const stepOfEventType: ReadonlyMap<string, WorkflowStep> = new Map(
  workflowStepNames.map((step) => [workflowSteps[step].eventType, step]),
);

/** One step as a command: what the user asks for, with the reason required at each step. */
export type StepInput =
  | { step: 'report'; reason: string }
  | {
      step: 'triage';
      decision: 'accepted' | 'duplicate' | 'out_of_scope';
      duplicateOf?: string | undefined;
      reason: string;
    }
  | { step: 'assign'; assignee: string; reason: string }
  | { step: 'investigate'; reason: string }
  | {
      step: 'record_finding';
      outcome: 'confirmed' | 'unfounded' | 'inconclusive';
      attributedTo?: string | undefined;
      /** The finding's summary is its reason. */
      reason: string;
    }
  | { step: 'review'; finding: string; decision: 'endorsed' | 'returned'; reason: string }
  | { step: 'publish'; finding: string; reason: string };

/** Who takes a step: the organisation and the permissions of the user acting for it. */
export interface StepActor {
  org: string;
  permissions: readonly string[];
}

/** What the fold knows about an incident besides its state, for the checks of the next step. */
export interface WorkflowMemory {
  state: IncidentState | null;
  /** The last finding recorded: its event id and the organisation that recorded it. */
  finding?: { eventId: string; by: string } | undefined;
  /** The finding endorsed by the last review, if the last review endorsed one. */
  endorsed?: string | undefined;
}

export type StepOutcome =
  | { ok: true; state: IncidentState }
  | { ok: false; code: 'FORBIDDEN' | 'INCIDENT_STEP_INVALID'; message: string };

/** From which states each step may be taken. */
const from: Record<WorkflowStep, readonly (IncidentState | null)[]> = {
  report: [null],
  triage: ['reported'],
  // Reassignment is allowed until the investigation starts.
  assign: ['triaged', 'assigned'],
  investigate: ['assigned'],
  record_finding: ['under_investigation'],
  review: ['finding'],
  publish: ['reviewed'],
};

/** What the user must do first, for each state a step cannot be taken in. */
const nextOf: Record<IncidentState, string> = {
  reported: 'triage it first',
  triaged: 'assign it to an investigating organisation first',
  duplicate: 'it was closed as a duplicate',
  out_of_scope: 'it was closed as out of scope',
  assigned: 'start the investigation first',
  under_investigation: 'record a finding first',
  finding: 'the finding must be reviewed first',
  reviewed: 'publish or leave it',
  published: 'it is published; open a dispute to contest the finding',
};

/**
 * The state after `input`, or why it is refused: without the step's permission (FORBIDDEN),
 * without a reason, or from a state the step cannot follow (INCIDENT_STEP_INVALID). The only way
 * to `published` is a finding, then a review by another organisation that endorses it.
 */
export function transition(
  memory: WorkflowMemory,
  input: StepInput,
  actor: StepActor,
): StepOutcome {
  const rule = workflowSteps[input.step];
  if (!actor.permissions.includes(rule.permission)) {
    return {
      ok: false,
      code: 'FORBIDDEN',
      message: `${input.step.replace('_', ' ')} needs the ${rule.permission} permission; ask a mediator to grant it`,
    };
  }
  if (input.reason.trim() === '') {
    return {
      ok: false,
      code: 'INCIDENT_STEP_INVALID',
      message: `${input.step.replace('_', ' ')} needs a reason: say why, for the record`,
    };
  }
  const state = memory.state;
  if (!from[input.step].includes(state)) {
    return {
      ok: false,
      code: 'INCIDENT_STEP_INVALID',
      message:
        state === null
          ? `no incident reported under this id; report it before you ${input.step.replace('_', ' ')}`
          : `cannot ${input.step.replace('_', ' ')} an incident that is ${state.replace('_', ' ')}: ${nextOf[state]}`,
    };
  }
  switch (input.step) {
    case 'report':
      return { ok: true, state: 'reported' };
    case 'triage':
      if (input.decision === 'duplicate' && !input.duplicateOf) {
        return {
          ok: false,
          code: 'INCIDENT_STEP_INVALID',
          message: 'a duplicate names the incident it repeats (duplicateOf)',
        };
      }
      return {
        ok: true,
        state:
          input.decision === 'accepted'
            ? 'triaged'
            : input.decision === 'duplicate'
              ? 'duplicate'
              : 'out_of_scope',
      };
    case 'assign':
      return { ok: true, state: 'assigned' };
    case 'investigate':
      return { ok: true, state: 'under_investigation' };
    case 'record_finding':
      if (input.outcome === 'confirmed' && !input.attributedTo) {
        return {
          ok: false,
          code: 'INCIDENT_STEP_INVALID',
          message: 'a confirmed finding names the party it is attributed to (attributedTo)',
        };
      }
      return { ok: true, state: 'finding' };
    case 'review':
      if (memory.finding?.eventId !== input.finding) {
        return {
          ok: false,
          code: 'INCIDENT_STEP_INVALID',
          message: `review the latest finding (${memory.finding?.eventId ?? 'none'}), not ${input.finding}`,
        };
      }
      if (memory.finding.by === actor.org) {
        return {
          ok: false,
          code: 'INCIDENT_STEP_INVALID',
          message: `${actor.org} recorded this finding; another organisation reviews it`,
        };
      }
      return {
        ok: true,
        state: input.decision === 'endorsed' ? 'reviewed' : 'under_investigation',
      };
    case 'publish':
      if (memory.endorsed !== input.finding) {
        return {
          ok: false,
          code: 'INCIDENT_STEP_INVALID',
          message: `only the endorsed finding (${memory.endorsed ?? 'none'}) can be published`,
        };
      }
      return { ok: true, state: 'published' };
  }
}

/** `transition`, throwing the refusal as a TruceError (for the server's commands). */
export function requireTransition(
  memory: WorkflowMemory,
  input: StepInput,
  actor: StepActor,
): IncidentState {
  const outcome = transition(memory, input, actor);
  if (!outcome.ok) throw new TruceError(outcome.code, outcome.message);
  return outcome.state;
}

/** The steps a user holding `permissions` could take next, from `state`. */
export function availableSteps(
  state: IncidentState | null,
  permissions: readonly string[],
): WorkflowStep[] {
  return workflowStepNames.filter(
    (step) =>
      step !== 'report' &&
      from[step].includes(state) &&
      permissions.includes(workflowSteps[step].permission),
  );
}
