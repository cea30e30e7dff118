import { z } from 'zod';
import { instantText, slugText } from '../../http/schemas.js';

export const statusSchema = {
  tags: ['status'],
  summary: "The engine's evaluation of the current agreement over the ledger's events",
  description:
    'Every obligation with its status and why, every phase, and warnings, as known at `asOf` (default now). `agreement` picks another uploaded agreement than the last one uploaded.',
  querystring: z.object({
    asOf: instantText.optional(),
    agreement: slugText.optional(),
  }),
};
