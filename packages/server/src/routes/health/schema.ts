import { z } from 'zod';

export const healthSchema = {
  tags: ['health'],
  summary: 'Liveness: the process answers',
  response: { 200: z.object({ status: z.literal('ok') }) },
};

export const readySchema = {
  tags: ['health'],
  summary: 'Readiness: the database answers',
  response: { 200: z.object({ status: z.literal('ready'), ledgerSize: z.number().int() }) },
};
