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

export const statusResponse = z.looseObject({
  ledgerSize: z.number().int().describe('entries of the ledger the evaluation covers'),
  agreement: z.looseObject({ id: z.string(), version: z.number().int() }),
  asOf: z
    .string()
    .describe(
      'the instant evaluated: the one asked for, or else now (the first request of the second on this ledger)',
    ),
  day: z.number().int(),
  phases: z.array(z.unknown()),
  obligations: z.array(obligationStatus),
  warnings: z.array(z.unknown()),
});

export const statusSchema = {
  tags: ['status'],
  summary: "The engine's evaluation of the current agreement over the ledger's events",
  description:
    'Every obligation with its status and why, every phase, and warnings, as known at `asOf` (default: now; the requests of one second over the same ledger share one evaluation, made at the first of them). `agreement` picks another uploaded agreement than the last one uploaded. The response has an ETag; send it back as If-None-Match to get 304 Not Modified, without a body, while the ledger, the agreement versions and the asOf are the same.',
  querystring: z.object({
    asOf: instantText.optional(),
    agreement: slugText.optional(),
  }),
  response: { 200: statusResponse },
};
