import { errorCodes } from '@truce/core';
import { z } from 'zod';

/** Building blocks of the route schemas. */

/** A non-negative integer in a path or query string ("12", not "012" or "1e3"). */
export const position = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,15})$/, 'a non-negative integer')
  .transform(Number)
  .refine(Number.isSafeInteger, 'too large');

export const limit = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,5}$/, `a number from 1 to ${max}`)
    .optional()
    .transform((text) => (text === undefined ? fallback : Number(text)))
    .refine((n) => n <= max, `at most ${max}`);

/** An ISO 8601 instant with an offset. */
export const instantText = z
  .string()
  .max(64)
  .refine(
    (text) =>
      /[T ]\d{2}:\d{2}.*(Z|[+-]\d{2}:?\d{2})$/i.test(text) && !Number.isNaN(Date.parse(text)),
    'an ISO 8601 instant with offset, e.g. 2025-01-20T10:00:00+02:00',
  );

export const slugText = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits, -');

/**
 * Every 4xx body: `{"error":{"code","message","details"}}`, with the stable codes. Added to
 * each route's responses in one place (server.ts), so the OpenAPI document lists it everywhere.
 */
export const errorResponse = z
  .object({
    error: z.object({
      code: z.enum(errorCodes),
      message: z.string().describe('what went wrong and what to do next'),
      details: z.array(
        z.looseObject({
          message: z.string(),
          path: z.string().optional(),
          line: z.number().optional(),
          column: z.number().optional(),
          file: z.string().optional(),
        }),
      ),
    }),
  })
  .describe('An error; match on `code`, never on `message`')
  // One component in the OpenAPI document (#/components/schemas/Error), referenced by every route.
  .meta({ id: 'Error' });

/** A receipt for an appended envelope: its place in the log and the log's signed promise. */
export const receiptResponse = z.looseObject({
  seq: z.number().int(),
  leafHash: z.string(),
  appendedAt: z.string(),
  idempotent: z.boolean().describe('true when this is the receipt of an earlier submission'),
  promise: z.unknown().describe('the log’s signed promise to cover the entry in a checkpoint'),
});

/** An event as listed (presenters/ledger.ts `presentEntry`). */
export const entryResponse = z.looseObject({
  seq: z.number().int(),
  appendedAt: z.string(),
  leafHash: z.string(),
  org: z.string(),
  keyId: z.string(),
  event: z.unknown(),
});
