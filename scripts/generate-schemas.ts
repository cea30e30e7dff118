import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { agreementSchema, condition } from '../packages/core/src/agreement/schema.js';
import { eventSchema } from '../packages/core/src/events/schema.js';

/**
 * Writes the JSON Schemas of the agreement format and of events into `docs/`. They are
 * generated from the zod schemas, committed, and `test/generated-files.test.ts` fails when
 * they are stale, so an editor's completion never disagrees with what `truce lint` accepts.
 *
 *     npm run generate:schemas
 */

export interface GeneratedFile {
  /** Relative to the repository root. */
  path: string;
  text: string;
}

/**
 * Names for the schemas that must live in `$defs`. The recursive `condition` has to be a
 * definition; without a name zod calls it `__schema0`, which is what an editor would show.
 * The name is given here rather than with `.meta({ id })` in schema.ts because an id in zod's
 * global registry would be pulled into `$defs` of every other conversion (the OpenAPI document).
 */
const definitionNames = new Map<z.core.$ZodType, string>([[condition, 'condition']]);

class NamedDefinitions extends z.core.$ZodRegistry<Record<string, unknown>> {
  override get<S extends z.core.$ZodType>(schema: S) {
    // Descriptions (`.describe()`) live in the global registry; keep them.
    const meta = z.globalRegistry.get(schema);
    const id = definitionNames.get(schema);
    return id === undefined ? meta : { ...meta, id };
  }
}

function toJsonSchema(
  schema: z.core.$ZodType,
  header: { $id: string; title: string; description: string },
): string {
  // `io: 'input'` describes what a drafter writes: fields with a default are optional.
  const { $schema, ...body } = z.toJSONSchema(schema, {
    io: 'input',
    target: 'draft-2020-12',
    metadata: new NamedDefinitions(),
  });
  return `${JSON.stringify({ $schema, ...header, ...body }, null, 2)}\n`;
}

export function generateSchemas(): GeneratedFile[] {
  return [
    {
      path: 'docs/agreement.schema.json',
      text: toJsonSchema(agreementSchema, {
        $id: 'urn:truce:schema:agreement:1',
        title: 'truce agreement',
        description:
          'A ceasefire agreement as code (YAML): parties, days, phases and obligations. Generated from packages/core/src/agreement/schema.ts by `npm run generate:schemas`; see docs/AGREEMENT-FORMAT.md.',
      }),
    },
    {
      path: 'docs/event.schema.json',
      text: toJsonSchema(eventSchema, {
        $id: 'urn:truce:schema:event:1',
        title: 'truce event',
        description:
          'One event as reported by one organisation; an events file holds one per line (JSON Lines). Generated from packages/core/src/events/schema.ts by `npm run generate:schemas`; see docs/EVENTS.md.',
      }),
    },
  ];
}

const root = new URL('../', import.meta.url);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of generateSchemas()) {
    writeFileSync(new URL(file.path, root), file.text);
    console.log(`wrote ${file.path}`);
  }
}
