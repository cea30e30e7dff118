import { z } from 'zod';
import { batchRows, batchRowsJsonSchema } from '../events/aid.js';
import { eventSchema } from '../events/schema.js';
import { agreementSchema } from './schema.js';

/**
 * The JSON Schemas of the formats, derived from the zod schemas so that they cannot drift.
 * `io: 'input'` describes what a drafter may write (defaults make fields optional), not what
 * the parser returns. One function each, shared by `truce schema` and the generator that
 * commits the schemas into docs/.
 */
export function agreementJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(agreementSchema, { io: 'input' }) as Record<string, unknown>;
  return namedDefinitions(schema, { __schema0: 'condition' });
}

/**
 * zod names a recursive schema it had to lift into `$defs` by position (`__schema0`), which is
 * what an editor then shows a drafter. Give it its domain name; refuse to guess if zod's output
 * ever holds other anonymous definitions, so that a change is noticed rather than mislabelled.
 */
function namedDefinitions(
  schema: Record<string, unknown>,
  names: Record<string, string>,
): Record<string, unknown> {
  const definitions = Object.keys((schema.$defs as Record<string, unknown> | undefined) ?? {});
  if (definitions.some((name) => !(name in names))) {
    throw new Error(`unexpected anonymous JSON Schema definitions: ${definitions.join(', ')}`);
  }
  let text = JSON.stringify(schema);
  for (const [anonymous, name] of Object.entries(names)) {
    text = text
      .replaceAll(`"${anonymous}"`, `"${name}"`)
      .replaceAll(`/$defs/${anonymous}"`, `/$defs/${name}"`);
  }
  return JSON.parse(text) as Record<string, unknown>;
}

export function eventJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(eventSchema, {
    io: 'input',
    // A batch's rows are checked by a function (events/aid.ts): their schema is written here.
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema !== batchRows) return;
      const { description } = jsonSchema;
      for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
      Object.assign(jsonSchema, structuredClone(batchRowsJsonSchema), { description });
    },
  }) as Record<string, unknown>;
}
