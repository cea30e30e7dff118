import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  agreementJsonSchema,
  eventJsonSchema,
} from '../packages/core/src/agreement/json-schema.js';

/**
 * Writes the JSON Schemas of the agreement format and of events into `docs/`. They come from
 * the same functions as `truce schema`, are committed, and `test/generated-files.test.ts` fails
 * when they are stale, so an editor's completion never disagrees with what `truce lint` accepts.
 *
 *     npm run generate:schemas
 */

export interface GeneratedFile {
  /** Relative to the repository root. */
  path: string;
  text: string;
}

function withHeader(
  schema: Record<string, unknown>,
  header: { $id: string; title: string; description: string },
): string {
  // `$schema` stays first, then what an editor shows about the file, then the body.
  const { $schema, ...body } = schema;
  return `${JSON.stringify({ $schema, ...header, ...body }, null, 2)}\n`;
}

export function generateSchemas(): GeneratedFile[] {
  return [
    {
      path: 'docs/agreement.schema.json',
      text: withHeader(agreementJsonSchema(), {
        $id: 'urn:truce:schema:agreement:1',
        title: 'truce agreement',
        description:
          'A ceasefire agreement as code (YAML): parties, days, phases and obligations. Generated from packages/core/src/agreement/schema.ts by `npm run generate:schemas`; see docs/AGREEMENT-FORMAT.md.',
      }),
    },
    {
      path: 'docs/event.schema.json',
      text: withHeader(eventJsonSchema(), {
        $id: 'urn:truce:schema:event:1',
        title: 'truce event',
        description:
          'One event as reported by one organisation; an events file holds one per line (JSON Lines). Generated from packages/core/src/events/schema.ts by `npm run generate:schemas`; see docs/EVENTS.md.',
      }),
    },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = new URL('../', import.meta.url);
  for (const file of generateSchemas()) {
    writeFileSync(new URL(file.path, root), file.text);
    console.log(`wrote ${file.path}`);
  }
}
