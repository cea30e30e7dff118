import { z } from 'zod';
import { instantText, slugText } from '../../http/schemas.js';

const obligationStatus = z.looseObject({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  status: z
    .string()
    .describe('not_started, on_track, at_risk, met, late, breached, disputed, suspended or waived'),
  why: z.string().describe('the clause, the numbers and the ids of the events that decided it'),
});

export const statusSchema = {
  tags: ['status'],
  summary: "The engine's evaluation of the current agreement over the ledger's events",
  description:
    'Every obligation with its status and why, every phase, and warnings, as known at `asOf` (default now). `agreement` picks another uploaded agreement than the last one uploaded.',
  querystring: z.object({
    asOf: instantText.optional(),
    agreement: slugText.optional(),
  }),
  response: {
    200: z.looseObject({
      ledgerSize: z.number().int().describe('entries of the ledger the evaluation covers'),
      agreement: z.looseObject({ id: z.string(), version: z.number().int() }),
      asOf: z.string(),
      day: z.number().int(),
      phases: z.array(z.unknown()),
      obligations: z.array(obligationStatus),
      warnings: z.array(z.unknown()),
    }),
  },
};
