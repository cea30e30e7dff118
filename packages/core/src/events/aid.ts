import { z } from 'zod';
import { slug } from '../agreement/schema.js';
import { count } from './primitives.js';

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
    })
    .strict(),
  aid_items_delivered: z
    .object({
      crossing: slug.optional(),
      item: slug.describe('tents, caravans, …'),
      count,
      destination: slug.optional(),
    })
    .strict(),
} as const;
