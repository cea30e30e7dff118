import { z } from 'zod';
import { slug } from '../agreement/schema.js';
import { count, eventId } from './primitives.js';

/**
 * HXL hashtags (with attributes) of an imported row that truce does not map to a field, kept as
 * they were so that an export gives them back: `{ "#sector+cluster": "Food Security" }`.
 */
export const hxlAttributes = z
  .record(
    z
      .string()
      .max(200)
      .regex(/^#[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*$/, 'an HXL hashtag such as #sector+cluster'),
    z.string().max(2000),
  )
  .describe('HXL tags of the imported row that truce does not map, kept for the export');

/** A consignment's id, as the sending or registering organisation gives it. */
export const consignmentId = eventId.describe('the consignment, as registered (e.g. C-2025-0001)');

/** Humanitarian aid: trucks and items through the crossings. */
export const aidPayloads = {
  aid_trucks_crossed: z
    .object({
      crossing: slug,
      cargo: slug.describe('food, water, medical, shelter, fuel…'),
      destination: slug.optional().describe('north, south…'),
      count,
      halfLoaded: count.optional().describe('of `count`, trucks not fully loaded'),
      consignment: z
        .string()
        .max(128)
        .optional()
        .describe('the consignment these trucks are: counted once, at its consignment_crossed'),
      hxl: hxlAttributes.optional(),
    })
    .strict(),
  aid_items_delivered: z
    .object({
      crossing: slug.optional(),
      item: slug.describe('tents, caravans, …'),
      count,
      destination: slug.optional(),
      hxl: hxlAttributes.optional(),
    })
    .strict(),
  // A consignment's steps (docs/EVENTS.md): registered → inspected → crossed → collected →
  // warehoused → distributed. Each step names the consignment; `packages/core/src/aid` folds them.
  consignment_registered: z
    .object({
      consignment: consignmentId,
      crossing: slug.describe('the crossing it is booked through'),
      cargo: slug.describe('food, water, medical, shelter, fuel…'),
      trucks: count.min(1),
      pallets: count.optional(),
      tonnes: z.number().min(0).max(1_000_000).optional(),
      destination: slug.describe('north, south…'),
      sender: slug.describe('the organisation that sends it'),
      receiver: slug.describe('the organisation that is to collect it inside'),
      hxl: hxlAttributes.optional(),
    })
    .strict(),
  consignment_inspected: z
    .object({
      consignment: consignmentId,
      outcome: z.enum(['cleared', 'rejected']),
      reason: z.string().min(1).max(4000).optional().describe('why it was rejected'),
      crossing: slug.optional(),
    })
    .strict()
    .refine((p) => p.outcome === 'cleared' || p.reason !== undefined, {
      message: 'a rejection gives its reason',
      path: ['reason'],
    }),
  consignment_crossed: z
    .object({
      consignment: consignmentId,
      crossing: slug,
      trucks: count.optional().describe('trucks that crossed; by default those registered'),
      halfLoaded: count.optional().describe('of the trucks, those not fully loaded'),
    })
    .strict(),
  consignment_collected: z
    .object({
      consignment: consignmentId,
      outcome: z
        .enum(['collected', 'uncollected', 'intercepted'])
        .describe('collected by the receiving agency, left at the crossing, or taken on the way'),
      by: slug.optional().describe('the agency that collected it'),
      trucks: count.optional().describe('trucks collected after repacking, when it differs'),
      reason: z.string().min(1).max(4000).optional(),
    })
    .strict(),
  consignment_warehoused: z
    .object({
      consignment: consignmentId,
      warehouse: slug,
      area: slug.optional().describe('north, south…'),
    })
    .strict(),
  consignment_distributed: z
    .object({
      consignment: consignmentId,
      area: slug.optional(),
      people: count.optional().describe('people reached, when counted'),
    })
    .strict(),
} as const;
