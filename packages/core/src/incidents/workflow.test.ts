import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  availableSteps,
  type IncidentState,
  type StepActor,
  type StepInput,
  transition,
  type WorkflowMemory,
  workflowSteps,
} from './workflow.js';

const orgs = ['qatar', 'egypt', 'monitor-cell', 'israel'] as const;
const permissionSets = fc.subarray(['report', 'verify', 'publish'] as const);
const reasons = fc.oneof(fc.constant(''), fc.constant('   '), fc.constant('Logs checked.'));

const stepInput: fc.Arbitrary<StepInput> = fc.oneof(
  reasons.map((reason) => ({ step: 'report' as const, reason })),
  fc
    .record({
      decision: fc.constantFrom('accepted', 'duplicate', 'out_of_scope'),
      duplicateOf: fc.option(fc.constant('inc-0'), { nil: undefined }),
      reason: reasons,
    })
    .map((r) => ({ step: 'triage' as const, ...r })),
  fc
    .record({ assignee: fc.constantFrom(...orgs), reason: reasons })
    .map((r) => ({ step: 'assign' as const, ...r })),
  reasons.map((reason) => ({ step: 'investigate' as const, reason })),
  fc
    .record({
      outcome: fc.constantFrom('confirmed', 'unfounded', 'inconclusive'),
      attributedTo: fc.option(fc.constant('israel'), { nil: undefined }),
      reason: reasons,
    })
    .map((r) => ({ step: 'record_finding' as const, ...r })),
  fc
    .record({
      finding: fc.constantFrom('f-1', 'f-2', 'f-3'),
      decision: fc.constantFrom('endorsed', 'returned'),
      reason: reasons,
    })
    .map((r) => ({ step: 'review' as const, ...r })),
  fc
    .record({ finding: fc.constantFrom('f-1', 'f-2', 'f-3'), reason: reasons })
    .map((r) => ({ step: 'publish' as const, ...r })),
);

const actor: fc.Arbitrary<StepActor> = fc.record({
  org: fc.constantFrom(...orgs),
  permissions: permissionSets,
});

interface Taken {
  input: StepInput;
  actor: StepActor;
  from: IncidentState | null;
  to: IncidentState;
}

/** Applies attempts in order as the fold does, keeping what the next checks need. */
function run(attempts: { input: StepInput; actor: StepActor }[]): Taken[] {
  const memory: WorkflowMemory = { state: null };
  let findings = 0;
  const taken: Taken[] = [];
  for (const { input, actor } of attempts) {
    const outcome = transition(memory, input, actor);
    if (!outcome.ok) continue;
    taken.push({ input, actor, from: memory.state, to: outcome.state });
    memory.state = outcome.state;
    if (input.step === 'record_finding') {
      findings++;
      memory.finding = { eventId: `f-${findings}`, by: actor.org };
      memory.endorsed = undefined;
    }
    if (input.step === 'review')
      memory.endorsed = input.decision === 'endorsed' ? input.finding : undefined;
  }
  return taken;
}

const attempts = fc.array(fc.record({ input: stepInput, actor }), { maxLength: 40 });

describe('the incident workflow as a state machine', () => {
  it('takes no step without the permission it needs and a reason', () => {
    fc.assert(
      fc.property(attempts, (list) => {
        for (const step of run(list)) {
          expect(step.actor.permissions).toContain(workflowSteps[step.input.step].permission);
          expect(step.input.reason.trim()).not.toBe('');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never reaches published without a finding, then a review by another organisation that endorsed it', () => {
    fc.assert(
      fc.property(attempts, (list) => {
        const taken = run(list);
        taken.forEach((step, i) => {
          if (step.to !== 'published') return;
          const review = taken[i - 1];
          expect(review?.input.step).toBe('review');
          expect(review?.to).toBe('reviewed');
          const finding = [...taken.slice(0, i)]
            .reverse()
            .find((t) => t.input.step === 'record_finding');
          expect(finding).toBeDefined();
          expect(finding?.actor.org).not.toBe(review?.actor.org);
          // …and the finding came out of an investigation of an accepted report.
          const path = taken.slice(0, i).map((t) => t.to);
          for (const state of ['reported', 'triaged', 'assigned', 'under_investigation', 'finding'])
            expect(path).toContain(state);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('closes duplicates and out-of-scope reports for good', () => {
    fc.assert(
      fc.property(attempts, (list) => {
        const taken = run(list);
        const closedAt = taken.findIndex((t) => t.to === 'duplicate' || t.to === 'out_of_scope');
        if (closedAt >= 0) expect(taken.slice(closedAt + 1)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('offers only the steps the user may take from the state', () => {
    expect(availableSteps('reported', ['report'])).toEqual([]);
    expect(availableSteps('reported', ['verify'])).toEqual(['triage']);
    expect(availableSteps('reviewed', ['verify'])).toEqual([]);
    expect(availableSteps('reviewed', ['publish'])).toEqual(['publish']);
    expect(availableSteps('triaged', ['verify', 'publish'])).toEqual(['assign']);
  });

  it('says what to do next when a step is refused', () => {
    const publishEarly = transition(
      { state: 'under_investigation' },
      { step: 'publish', finding: 'f-1', reason: 'Urgent.' },
      { org: 'qatar', permissions: ['publish'] },
    );
    expect(publishEarly).toEqual({
      ok: false,
      code: 'INCIDENT_STEP_INVALID',
      message: 'cannot publish an incident that is under investigation: record a finding first',
    });
    const noPermission = transition(
      { state: 'reported' },
      { step: 'triage', decision: 'accepted', reason: 'Credible.' },
      { org: 'israel', permissions: ['report'] },
    );
    expect(noPermission).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    const selfReview = transition(
      { state: 'finding', finding: { eventId: 'f-1', by: 'egypt' } },
      { step: 'review', finding: 'f-1', decision: 'endorsed', reason: 'Sound.' },
      { org: 'egypt', permissions: ['verify'] },
    );
    expect(selfReview).toMatchObject({
      ok: false,
      message: expect.stringContaining('another organisation'),
    });
  });
});
