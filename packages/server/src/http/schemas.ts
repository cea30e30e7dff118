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
