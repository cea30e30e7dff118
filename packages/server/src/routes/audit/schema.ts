import { z } from 'zod';
import { limit, position } from '../../http/schemas.js';

export const listAuditSchema = {
  tags: ['audit'],
  summary: 'The audit log, oldest first, a page at a time',
  description: 'Follow `nextCursor` (pass it as `after`) until it is null.',
  querystring: z.object({
    after: position.optional(),
    limit: limit(1000, 100),
    action: z
      .string()
      .regex(/^[a-z.]{1,64}$/)
      .optional(),
    actor: z.uuid().optional(),
  }),
};

export const exportAuditSchema = {
  tags: ['audit'],
  summary: 'The whole audit log as JSON Lines (streamed)',
};

export const verifyAuditSchema = {
  tags: ['audit'],
  summary: 'Checks the hash chain of the whole audit log',
  description:
    "Recomputes every line's chain hash in chain order. `ok` false names the first line that does not verify. Keep the `head` you get: a later answer (or an export) whose chain does not pass through it was rewritten. It also compares the lines with the chain heads anchored in the ledger every few minutes (`anchors`): a line rewritten or removed after it was anchored fails there too, even if the chain was recomputed. The same checks run offline on an export with `truce audit verify FILE --ledger DIR`.",
  response: {
    200: z.object({
      ok: z.boolean(),
      lines: z.number().int(),
      head: z.object({ chainSeq: z.number().int(), hash: z.string() }).nullable(),
      problem: z.object({ chainSeq: z.number().int(), reason: z.string() }).optional(),
      anchors: z
        .object({
          ok: z.boolean(),
          checked: z.number().int().describe('anchored lines present with the anchored hash'),
          beyond: z.number().int().describe('anchors past the last line'),
          latest: z
            .object({
              chainSeq: z.number().int(),
              hash: z.string(),
              at: z.string(),
              seq: z.number().int().describe('the ledger position of the anchor'),
            })
            .nullable(),
          problem: z
            .object({ chainSeq: z.number().int(), seq: z.number().int(), reason: z.string() })
            .optional(),
        })
        .describe(
          "the chain heads the log operator anchored in the ledger (`audit_anchored` events, cosigned with the ledger's checkpoints), compared with the lines",
        ),
    }),
  },
};

export const auditShippingSchema = {
  tags: ['audit'],
  summary: 'How far the audit log has been shipped off this host',
  description:
    'With `TRUCE_AUDIT_SHIP_URL` set, every audit line goes, in chain order, to that collector as JSON Lines (the format of `GET /api/v1/audit/export`, so its copy verifies with `truce audit verify`). `shippedUpTo` is the last line it acknowledged, `behind` the lines after it, `lastError` the last failed POST (retried with a growing delay). `shipping` is null when no collector is set.',
  response: {
    200: z.object({
      shipping: z
        .object({
          target: z.string().describe('the collector, without credentials or query'),
          shippedUpTo: z.number().int(),
          behind: z.number().int(),
          shippedAt: z.string().nullable(),
          lastError: z.object({ message: z.string(), at: z.string() }).nullable(),
        })
        .nullable(),
    }),
  },
};
