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
  z
    .object({
      kind: z.literal('correctCount'),
      obligation: slug.describe("a quota: the contested event's figure counts toward it"),
      event: eventId.describe('the count event contested'),
      count: count.describe('the figure the mediators decided, in place of the reported one'),
    })
    .strict()
    .describe("a corrected count: the figure replaces the event's in the obligation's evaluation"),
]);

/** A position in GeoJSON order: longitude first, then latitude (WGS84). */
const position = z
  .tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)])
  .describe('[longitude, latitude] in WGS84, as GeoJSON writes them');

/** Where an incident happened, when a point is not enough: a line (a road) or an area. */
export const incidentGeometry = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('Point'), coordinates: position }).strict(),
    z
      .object({ type: z.literal('LineString'), coordinates: z.array(position).min(2).max(1000) })
      .strict(),
    z
      .object({
        type: z.literal('Polygon'),
        coordinates: z.array(z.array(position).min(4).max(1000)).min(1).max(20),
      })
      .strict(),
  ])
  .describe('a GeoJSON Point, LineString or Polygon (WGS84)');

/** A SHA-256 in lower-case hex: how a signed event pins a file that cannot be swapped later. */
export const sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest: 64 lower-case hexadecimal digits');

/** A file kept in the cell's evidence store, referenced by the digest of its bytes. */
export const evidenceFile = z
  .object({
    sha256: sha256Hex,
    name: z.string().min(1).max(200).optional().describe('the file name, for people'),
    mediaType: z
      .string()
      .regex(/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/, 'a media type such as image/jpeg')
      .max(100)
      .optional(),
    size: z.number().int().min(0).optional().describe('bytes'),
  })
  .strict();

const incidentId = z.string().min(1).max(128);
/** Every step of the incident workflow says why it was taken. */
const reason = z.string().trim().min(1, 'a reason is required at every step').max(4000);

const claim = z
  .object({
    by: slug,
    claim: z.string().min(1).max(4000),
    evidence: z.array(eventId).default([]),
    files: z
      .array(evidenceFile)
      .max(50)
      .optional()
      .describe("files in the evidence store supporting this side's claim"),
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
      geometry: incidentGeometry.optional(),
      clause: z
        .string()
        .min(1)
        .max(4000)
        .optional()
        .describe('the clause allegedly violated, as the reporter cites it'),
      description: z.string().max(10_000),
      evidence: z
        .array(evidenceFile)
        .max(50)
        .optional()
        .describe('files uploaded to the evidence store, pinned by their SHA-256'),
    })
    .strict(),
  incident_triaged: z
    .object({
      incident: incidentId,
      decision: z.enum(['accepted', 'duplicate', 'out_of_scope']),
      duplicateOf: incidentId.optional().describe('for a duplicate: the incident it repeats'),
      reason,
    })
    .strict()
    .refine((p) => p.decision !== 'duplicate' || p.duplicateOf !== undefined, {
      message: 'a duplicate names the incident it repeats (duplicateOf)',
      path: ['duplicateOf'],
    }),
  incident_assigned: z
    .object({
      incident: incidentId,
      assignee: slug.describe('the organisation that investigates'),
      reason,
    })
    .strict(),
  investigation_started: z.object({ incident: incidentId, reason }).strict(),
  finding_recorded: z
    .object({
      incident: z.string().min(1).max(128),
      outcome: z.enum(['confirmed', 'unfounded', 'inconclusive']),
      obligation: slug.optional(),
      attributedTo: slug.optional(),
      summary: z.string().max(10_000),
      evidence: z.array(evidenceFile).max(50).optional(),
    })
    .strict(),
  finding_reviewed: z
    .object({
      incident: incidentId,
      finding: eventId.describe('the finding_recorded event reviewed'),
      decision: z
        .enum(['endorsed', 'returned'])
        .describe('endorsed: ready to publish; returned: back to investigation'),
      reason,
    })
    .strict(),
  finding_published: z
    .object({
      incident: incidentId,
      finding: eventId.describe('the reviewed finding made public'),
      reason,
    })
    .strict(),
  dispute_opened: z
    .object({
      dispute: z.string().min(1).max(128),
      obligations: z.array(slug).min(1),
      subject: z.string().max(4000),
      contests: z
        .object({
          kind: z.enum(['finding', 'status', 'count', 'list']),
          ref: z
            .string()
            .min(1)
            .max(128)
            .optional()
            .describe('the finding event, obligation, count event or list contested'),
        })
        .strict()
        .optional()
        .describe('what the dispute contests'),
      claims: z.array(claim).min(1),
    })
    .strict(),
  dispute_claim_added: z
    .object({
      dispute: z.string().min(1).max(128),
      claim: z.string().min(1).max(4000),
      evidence: z.array(eventId).default([]),
      files: z.array(evidenceFile).max(50).optional(),
    })
    .strict()
    .describe(
      "a side's claim in an open dispute, signed by that side (the claim is by its source)",
    ),
  dispute_resolved: z
    .object({
      dispute: z.string().min(1).max(128),
      decision: z.string().min(1).max(10_000),
      measures: z.array(measureAction).default([]),
    })
    .strict(),
} as const;

export type MeasureAction = z.output<typeof measureAction>;
export type IncidentGeometry = z.output<typeof incidentGeometry>;
export type EvidenceFile = z.output<typeof evidenceFile>;

/** A file an event cites from the evidence store, and where in the event it is cited. */
export interface CitedFile {
  /** `payload.claims[0].files[1]`: the path in the event. */
  path: string;
  sha256: string;
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Every evidence-store file an event cites (`evidence` or `files` lists of `{ sha256 }`: an
 * incident report, a finding, a dispute's claims, a correction of any of them), so that the
 * server admits the event only once each file is in the store. Reads unparsed input defensively:
 * a payload of the wrong shape cites nothing here and is refused by the event schema instead.
 */
export function citedEvidence(event: unknown): CitedFile[] {
  const found: CitedFile[] = [];
  const walk = (value: unknown, path: string, depth: number): void => {
    if (depth > 8 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        walk(item, `${path}[${index}]`, depth + 1);
      });
      return;
    }
    for (const [key, inner] of Object.entries(value)) {
      const at = `${path}.${key}`;
      if ((key === 'evidence' || key === 'files') && Array.isArray(inner)) {
        inner.forEach((item, index) => {
          const sha256 = (item as { sha256?: unknown } | null)?.sha256;
          if (typeof sha256 === 'string' && SHA256.test(sha256))
            found.push({ path: `${at}[${index}]`, sha256 });
        });
      } else {
        walk(inner, at, depth + 1);
      }
    }
  };
  walk((event as { payload?: unknown } | null)?.payload, 'payload', 0);
  return found;
}
