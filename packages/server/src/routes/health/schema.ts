import { z } from 'zod';

export const healthSchema = {
  tags: ['health'],
  summary: 'Liveness: the process answers',
  response: { 200: z.object({ status: z.literal('ok') }) },
};

export const readySchema = {
  tags: ['health'],
  summary: 'Readiness: the database answers',
  description:
    "`clock.skewMs` is how far this host's clock is ahead of the database's (negative: behind); `clock.ok` is false beyond 1 s, which is also logged. Sessions, lockouts, one-time codes and the audit log are dated by the host, the ledger's entries on PostgreSQL by the database: keep both synchronised (docs/SECURITY.md, time).",
  response: {
    200: z.object({
      status: z.literal('ready'),
      ledgerSize: z.number().int(),
      clock: z.object({ skewMs: z.number().int(), ok: z.boolean() }),
    }),
  },
};
