import { z } from 'zod';
import { instantText, receiptResponse } from '../../http/schemas.js';

const incidentId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits, ".", "_", ":" or "-"');
const slug = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,119}$/, 'an id of the agreement');
const reason = z
  .string()
  .trim()
  .min(1, 'say why: every step of the workflow records its reason')
  .max(4000);
const evidence = z
  .array(
    z.object({
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      name: z.string().min(1).max(200).optional(),
      mediaType: z.string().max(100).optional(),
      size: z.number().int().min(0).optional(),
    }),
  )
  .max(50)
  .optional();
const idempotency = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/)
    .optional(),
});

const stepBody = z.discriminatedUnion('step', [
  z.object({
    step: z.literal('triage'),
    decision: z.enum(['accepted', 'duplicate', 'out_of_scope']),
    duplicateOf: incidentId.optional(),
    reason,
  }),
  z.object({ step: z.literal('assign'), assignee: slug, reason }),
  z.object({ step: z.literal('investigate'), reason }),
  z.object({
    step: z.literal('record_finding'),
    outcome: z.enum(['confirmed', 'unfounded', 'inconclusive']),
    attributedTo: slug.optional(),
    obligation: slug.optional().describe('default: the obligation the report named'),
    reason: reason.describe('the finding’s summary'),
    evidence,
  }),
  z.object({
    step: z.literal('review'),
    finding: incidentId.describe('the event id of the finding reviewed'),
    decision: z.enum(['endorsed', 'returned']),
    reason,
  }),
  z.object({ step: z.literal('publish'), finding: incidentId, reason }),
]);

const incidentFile = z.looseObject({
  incident: z.string(),
  state: z
    .string()
    .describe(
      'reported, triaged, duplicate, out_of_scope, assigned, under_investigation, finding, reviewed or published',
    ),
  steps: z.array(z.unknown()).describe('{step, eventId, by, at, reason, state} in order'),
  deadlines: z
    .array(z.unknown())
    .describe('{step, dueAt, doneAt, status: pending | overdue | done | late}'),
  nextSteps: z.array(z.string()).describe('the steps the caller may take now'),
  problems: z.array(z.unknown()).describe('{eventId, message}: events that were not applied'),
});

export const listIncidentsSchema = {
  tags: ['incidents'],
  summary: 'The incident queue: every incident with its workflow state, steps and deadlines',
  description:
    'Folded from the events at `asOf` (default now): the state of each incident, each step with its reason, every step deadline (pending, overdue, done, late), the steps the caller may take next, possible duplicates (reports close in time and place), and steps that name no reported incident.',
  querystring: z.object({ asOf: instantText.optional() }),
  response: {
    200: z.object({
      asOf: z.string(),
      incidents: z.array(incidentFile),
      duplicates: z
        .array(z.unknown())
        .describe('{incident, candidate, hoursApart, metresApart, samePlace, sameCategory}'),
      orphans: z.array(z.object({ eventId: z.string(), incident: z.string() })),
    }),
  },
};

export const getIncidentSchema = {
  tags: ['incidents'],
  summary: 'One incident with its steps, deadlines and possible duplicates',
  params: z.object({ incident: incidentId }),
  querystring: z.object({ asOf: instantText.optional() }),
  response: { 200: incidentFile },
};

export const reportIncidentSchema = {
  tags: ['incidents'],
  summary: "Report an incident for the user's organisation",
  description:
    'The payload of incident_reported (docs/EVENTS.md): where (lat/lon, a GeoJSON point, line or polygon, or a named place), what (category, description, the clause allegedly violated, the obligation), and evidence already uploaded with PUT /api/v1/evidence/{sha256}, cited by SHA-256. `occurredAt` is when it happened; the report time is now.',
  headers: idempotency,
  body: z.object({
    occurredAt: instantText,
    payload: z.looseObject({ incident: incidentId, evidence }),
  }),
  response: {
    201: z.object({ incident: z.string(), eventId: z.string(), receipt: receiptResponse }),
    200: z.object({ incident: z.string(), eventId: z.string(), receipt: receiptResponse }),
  },
};

export const stepIncidentSchema = {
  tags: ['incidents'],
  summary: 'Take the next workflow step on an incident, with its reason',
  description:
    'triage (accepted, duplicate of another incident, out of scope) → assign → investigate → record_finding (confirmed with attribution, unfounded, inconclusive) → review (by another organisation than the finding’s; endorsed or returned to investigation) → publish. Triage to review need the verify permission, publish the publish permission; only organisations that are mediators, guarantors or monitors of the agreement take steps. A step that does not follow from the state is INCIDENT_STEP_INVALID (409), saying what must happen first.',
  headers: idempotency,
  params: z.object({ incident: incidentId }),
  body: stepBody,
  response: {
    201: z.object({ state: z.string(), eventId: z.string(), receipt: receiptResponse }),
    200: z.object({ state: z.string(), eventId: z.string(), receipt: receiptResponse }),
  },
};
