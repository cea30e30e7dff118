import { z } from 'zod';
import { slug } from '../agreement/schema.js';
import { count, eventId } from './primitives.js';

const measureAction = z.discriminatedUnion('kind', [
  z
    .object({ kind: z.literal('addItem'), obligation: slug, day: z.number().int(), count: count })
    .strict(),
  z
    .object({
      kind: z.literal('moveItem'),
      obligation: slug,
      fromDay: z.number().int(),
      toDay: z.number().int(),
    })
    .strict(),
  z
    .object({ kind: z.literal('delay'), obligation: slug, days: z.number().int().min(1).max(365) })
    .strict(),
  z.object({ kind: z.literal('waive'), obligation: slug }).strict(),
  z
    .object({
      kind: z.literal('suspend'),
      obligation: slug,
      fromDay: z.number().int(),
      untilDay: z.number().int(),
    })
    .strict(),
]);

const claim = z
  .object({
    by: slug,
    claim: z.string().min(1).max(4000),
    evidence: z.array(eventId).default([]),
  })
  .strict();

/** Incidents, findings and disputes. */
export const incidentPayloads = {
  incident_reported: z
    .object({
      incident: z.string().min(1).max(128),
      category: z.enum([
        'fire',
        'incursion',
        'flight',
        'obstruction_of_aid',
        'obstruction_of_returns',
        'ill_treatment',
        'other',
      ]),
      obligation: slug.optional().describe('the obligation allegedly breached'),
      against: slug.optional(),
      place: slug.optional(),
      lat: z.number().min(-90).max(90).optional(),
      lon: z.number().min(-180).max(180).optional(),
      description: z.string().max(10_000),
    })
    .strict(),
  finding_recorded: z
    .object({
      incident: z.string().min(1).max(128),
      outcome: z.enum(['confirmed', 'unfounded', 'inconclusive']),
      obligation: slug.optional(),
      attributedTo: slug.optional(),
      summary: z.string().max(10_000),
    })
    .strict(),
  dispute_opened: z
    .object({
      dispute: z.string().min(1).max(128),
      obligations: z.array(slug).min(1),
      subject: z.string().max(4000),
      claims: z.array(claim).min(1),
    })
    .strict(),
  dispute_resolved: z
    .object({
      dispute: z.string().min(1).max(128),
      decision: z.string().min(1).max(10_000),
      measures: z.array(measureAction).default([]),
    })
    .strict(),
} as const;

export type MeasureAction = z.output<typeof measureAction>;
