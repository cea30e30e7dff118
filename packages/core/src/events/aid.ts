import { z } from 'zod';
import { instant, slug } from '../agreement/schema.js';
import { count, eventId } from './primitives.js';
import type { EventOf, TruceEvent } from './schema.js';

/**
 * HXL hashtags (with attributes) of an imported row that truce does not map to a field, kept as
 * they were so that an export gives them back: `{ "#sector+cluster": "Food Security" }`.
 */
export const hxlAttributes = z
  .record(
    z
      .string()
      .max(200)
      .regex(/^#[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*$/, 'an HXL hashtag such as #sector+cluster'),
    z.string().max(2000),
  )
  .describe('HXL tags of the imported row that truce does not map, kept for the export');

/** A consignment's id, as the sending or registering organisation gives it. */
export const consignmentId = eventId.describe('the consignment, as registered (e.g. C-2025-0001)');

const aidTrucksCrossed = z
  .object({
    crossing: slug,
    cargo: slug.describe('food, water, medical, shelter, fuel…'),
    destination: slug.optional().describe('north, south…'),
    count,
    halfLoaded: count.optional().describe('of `count`, trucks not fully loaded'),
    consignment: z
      .string()
      .max(128)
      .optional()
      .describe('the consignment these trucks are: counted once, at its consignment_crossed'),
    hxl: hxlAttributes.optional(),
  })
  .strict();

const aidItemsDelivered = z
  .object({
    crossing: slug.optional(),
    item: slug.describe('tents, caravans, …'),
    count,
    destination: slug.optional(),
    hxl: hxlAttributes.optional(),
  })
  .strict();

/** Rows of one `aid_batch` at most: a batch is one ledger entry, verified and stored whole. */
export const maxBatchRows = 1000;

/**
 * One row of an imported file inside its batch: an `aid_trucks_crossed` or `aid_items_delivered`
 * event without its `source` (the batch's). `id` is absent when the file gave none: the row's id
 * is then `hxl-<first 16 hex digits of the file's SHA-256>-<line>`, as for any imported row.
 * `reportedAt` is absent when the row did not give one: it is the batch's `payload.reportedAt`.
 */
const batchRow = z.discriminatedUnion('type', [
  z
    .object({
      id: eventId.optional(),
      line: z.number().int().min(1).describe('the line of the file the row is on'),
      type: z.literal('aid_trucks_crossed'),
      occurredAt: instant,
      reportedAt: instant.optional(),
      payload: aidTrucksCrossed,
    })
    .strict(),
  z
    .object({
      id: eventId.optional(),
      line: z.number().int().min(1).describe('the line of the file the row is on'),
      type: z.literal('aid_items_delivered'),
      occurredAt: instant,
      reportedAt: instant.optional(),
      payload: aidItemsDelivered,
    })
    .strict(),
]);

/** Humanitarian aid: trucks and items through the crossings. */
export const aidPayloads = {
  aid_trucks_crossed: aidTrucksCrossed,
  aid_items_delivered: aidItemsDelivered,
  // Up to 1,000 rows of one imported file, reported by one organisation, in one signed entry
  // (docs/HXL.md): the ledger's cost is per entry, and a file is appended whole or not at all.
  // Everything that reads events sees the rows, never the batch (`rowEventsOf`).
  aid_batch: z
    .object({
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/, 'the SHA-256 of the file, in lower-case hex')
        .describe('the file the rows come from'),
      lines: z
        .object({ first: z.number().int().min(1), last: z.number().int().min(1) })
        .strict()
        .describe('the first and the last line of the rows'),
      reportedAt: instant.describe('when the rows that do not say otherwise were reported'),
      rows: z.array(batchRow).min(1).max(maxBatchRows),
    })
    .strict(),
  // A consignment's steps (docs/EVENTS.md): registered → inspected → crossed → collected →
  // warehoused → distributed. Each step names the consignment; `packages/core/src/aid` folds them.
  consignment_registered: z
    .object({
      consignment: consignmentId,
      crossing: slug.describe('the crossing it is booked through'),
      cargo: slug.describe('food, water, medical, shelter, fuel…'),
      trucks: count.min(1),
      pallets: count.optional(),
      tonnes: z.number().min(0).max(1_000_000).optional(),
      destination: slug.describe('north, south…'),
      sender: slug.describe('the organisation that sends it'),
      receiver: slug.describe('the organisation that is to collect it inside'),
      hxl: hxlAttributes.optional(),
    })
    .strict(),
  consignment_inspected: z
    .object({
      consignment: consignmentId,
      outcome: z.enum(['cleared', 'rejected']),
      reason: z.string().min(1).max(4000).optional().describe('why it was rejected'),
      crossing: slug.optional(),
    })
    .strict()
    .refine((p) => p.outcome === 'cleared' || p.reason !== undefined, {
      message: 'a rejection gives its reason',
      path: ['reason'],
    }),
  consignment_crossed: z
    .object({
      consignment: consignmentId,
      crossing: slug,
      trucks: count.optional().describe('trucks that crossed; by default those registered'),
      halfLoaded: count.optional().describe('of the trucks, those not fully loaded'),
    })
    .strict(),
  consignment_collected: z
    .object({
      consignment: consignmentId,
      outcome: z
        .enum(['collected', 'uncollected', 'intercepted'])
        .describe('collected by the receiving agency, left at the crossing, or taken on the way'),
      by: slug.optional().describe('the agency that collected it'),
      trucks: count.optional().describe('trucks collected after repacking, when it differs'),
      reason: z.string().min(1).max(4000).optional(),
    })
    .strict(),
  consignment_warehoused: z
    .object({
      consignment: consignmentId,
      warehouse: slug,
      area: slug.optional().describe('north, south…'),
    })
    .strict(),
  consignment_distributed: z
    .object({
      consignment: consignmentId,
      area: slug.optional(),
      people: count.optional().describe('people reached, when counted'),
    })
    .strict(),
} as const;

/** The event types a batch's rows may have. */
export type BatchRowEvent = EventOf<'aid_trucks_crossed'> | EventOf<'aid_items_delivered'>;

/** The id of a row that the file gave none: from the file's hash and the row's line. */
export function importedRowId(sha256Hex: string, line: number): string {
  return `hxl-${sha256Hex.slice(0, 16)}-${line}`;
}

/**
 * The events a ledger event stands for: an `aid_batch`'s rows, each a whole event of the batch's
 * organisation, in file order; undefined for any other event (it stands for itself). The one
 * place batches are opened: the engine and the aid views call it where events enter them, so
 * that a batch of rows counts exactly as the same rows appended one by one.
 */
export function rowEventsOf(event: TruceEvent): BatchRowEvent[] | undefined {
  if (event.type !== 'aid_batch') return undefined;
  const { sha256, reportedAt, rows } = event.payload;
  const source = event.source;
  return rows.map((row) => {
    const id = row.id ?? importedRowId(sha256, row.line);
    const at = row.reportedAt ?? reportedAt;
    return row.type === 'aid_trucks_crossed'
      ? {
          id,
          type: row.type,
          occurredAt: row.occurredAt,
          reportedAt: at,
          source,
          payload: row.payload,
        }
      : {
          id,
          type: row.type,
          occurredAt: row.occurredAt,
          reportedAt: at,
          source,
          payload: row.payload,
        };
  });
}
