import { z } from 'zod';
import {
  entryResponse,
  instantText,
  limit,
  position,
  receiptResponse,
} from '../../http/schemas.js';

export const submitSignedSchema = {
  tags: ['events'],
  summary: 'Append envelopes signed by their organisations (all or none)',
  description:
    'Each envelope is {v, id, org, keyId, idempotencyKey, event, sig} as in packages/core/src/ledger/README.md. Findings and dispute decisions need the verify permission, other events the report permission. A retry with the same idempotency key and content returns the original receipt. Evidence files an event cites (by SHA-256, in `evidence` or `files`) must be uploaded first with PUT /api/v1/evidence/{sha256}: otherwise the batch is refused with EVIDENCE_NOT_FOUND (422), each missing file with its path.',
  body: z.object({
    envelopes: z.array(z.record(z.string(), z.unknown())).min(1).max(500),
  }),
  response: { 201: z.object({ receipts: z.array(receiptResponse) }) },
};

export const submitEventSchema = {
  tags: ['events'],
  summary: "Report an event for the signed-in user's organisation; the server signs it",
  description:
    "The event as in docs/EVENTS.md; `source` is the user's organisation (leave it out), `id` and `reportedAt` are filled in when absent. The server signs with the key it holds for the organisation (registered in the log by the operator on first use). With an Idempotency-Key header the id defaults to `<org>-<key>`, so a retry never makes a second event; send your own `id` and `reportedAt` to get the original receipt back on a retry (otherwise a retry is CONFLICT). Evidence files the event cites must be uploaded first (PUT /api/v1/evidence/{sha256}), else EVIDENCE_NOT_FOUND (422).",
  headers: z.object({
    'idempotency-key': z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,128}$/)
      .optional(),
  }),
  body: z.object({ event: z.record(z.string(), z.unknown()) }),
  response: { 200: receiptResponse, 201: receiptResponse },
};

export const listEventsSchema = {
  tags: ['events'],
  summary: 'Events in log order, filtered, a page at a time',
  description:
    'Follow `nextCursor` until it is null. A page may hold fewer than `limit` events (filters are applied while reading, at most 5000 entries per request). Filtered by a `type` other than `aid_batch`, the rows of imported files (carried by `aid_batch` entries) are matched one by one and listed as events of their own, each with its entry (`seq`) and `batch: {event, row}`; a page ends at an entry, so it stops before a batch that would take it past `limit`, and a batch with more matching rows than `limit` comes whole.',
  querystring: z.object({
    type: z
      .string()
      .regex(/^[a-z_]{1,64}$/)
      .optional(),
    source: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
      .optional(),
    since: instantText.optional().describe('events that occurred at or after this instant'),
    cursor: position.optional().describe('the sequence number to start at (from nextCursor)'),
    limit: limit(500, 100),
    ids: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}(,[A-Za-z0-9][A-Za-z0-9._:-]{0,127}){0,99}$/)
      .optional()
      .describe(
        'comma-separated event ids, at most 100 (the `eventIds` of a status): those events in log order, other filters ignored. The id of a row of an imported HXL file (`hxl-…-<line>`) gives that row as an event, with the batch entry that carries it (`seq`, and `batch: {event, row}`)',
      ),
  }),
  response: {
    200: z.object({
      events: z.array(entryResponse),
      nextCursor: z.number().int().nullable().describe('null: no more events'),
    }),
  },
};

export const getEventSchema = {
  tags: ['events'],
  summary: 'One event by sequence number, with its envelope and inclusion proof',
  params: z.object({ seq: position }),
};
