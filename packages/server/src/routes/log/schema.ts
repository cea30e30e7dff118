import { z } from 'zod';

export const logSchema = {
  tags: ['ledger'],
  summary: "The log's identity: origin, operator and the verifier key that parties pin",
  description:
    'Public by design: the key verifies checkpoints, it signs nothing. A party should compare it with the key it received out of band (docs/LEDGER.md) before trusting a verification made with it.',
  response: {
    200: z.object({ origin: z.string(), operator: z.string(), verifierKey: z.string() }),
  },
};
