import { z } from 'zod';
import { slug } from '../agreement/schema.js';

/** The pieces that several event types share. */

export const eventId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, ".", "_", ":" or "-"');

/** A pseudonymous person id; never a name. */
export const personId = z
  .string()
  .regex(/^[A-Z]{1,3}-[0-9A-Z]{1,12}$/, 'a pseudonymous id such as H-0001 or P-0001');

export const person = z
  .object({
    id: personId,
    category: slug,
    living: z.boolean().default(true),
  })
  .strict();

export const keyIdPattern = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*:[0-9a-f]{16}$/, 'a key id: <org>:<16 hex digits>');

export const count = z.number().int().min(0).max(1_000_000);

export type Person = z.output<typeof person>;
