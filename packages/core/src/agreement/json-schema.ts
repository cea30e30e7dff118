import { z } from 'zod';
import { eventSchema } from '../events/schema.js';
import { agreementSchema } from './schema.js';

/**
 * The JSON Schemas of the formats, derived from the zod schemas so that they cannot drift.
 * `io: 'input'` describes what a drafter may write (defaults make fields optional), not what
 * the parser returns. One function each, shared by `truce schema` and the generator that
 * commits the schemas into docs/.
 */
export function agreementJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(agreementSchema, { io: 'input' }) as Record<string, unknown>;
}

export function eventJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(eventSchema, { io: 'input' }) as Record<string, unknown>;
}
