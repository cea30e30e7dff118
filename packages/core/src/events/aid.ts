import { z } from 'zod';
import { slug } from '../agreement/schema.js';
import { count } from './primitives.js';

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

/** Humanitarian aid: trucks and items through the crossings. */
export const aidPayloads = {
  aid_trucks_crossed: z
    .object({
      crossing: slug,
      cargo: slug.describe('food, water, medical, shelter, fuel…'),
      destination: slug.optional().describe('north, south…'),
      count,
      halfLoaded: count.optional().describe('of `count`, trucks not fully loaded'),
      consignment: z.string().max(128).optional(),
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
} as const;
