import { z } from 'zod';
import { slug } from '../agreement/schema.js';
import { count, person, personId } from './primitives.js';

/** Exchanges: releases, remains, names lists. Persons are pseudonymous ids, never names. */
export const exchangePayloads = {
  hostage_released: z.object({ persons: z.array(person).min(1).max(10_000) }).strict(),
  prisoner_released: z
    .object({
      persons: z.array(person).min(1).max(10_000),
      inExchangeFor: z.array(personId).optional(),
    })
    .strict(),
  remains_returned: z.object({ persons: z.array(person).min(1).max(1000) }).strict(),
  release_withheld: z
    .object({
      obligation: slug,
      persons: count.describe('how many releases are held back'),
      reason: z.string().min(1).max(4000),
    })
    .strict(),
  names_list_delivered: z
    .object({
      forDay: z.number().int(),
      persons: z.array(personId).max(10_000),
    })
    .strict(),
} as const;
