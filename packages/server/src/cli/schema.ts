import { agreementJsonSchema, eventJsonSchema, TruceError } from '@truce/core';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';

export const schemaHelp = `Usage: truce schema [agreement|event] [options]

Prints the JSON Schema (draft 2020-12) of the agreement format (the default) or of an event,
derived from the same zod schemas the parser uses. Point an editor's YAML support at it for
completion and checks while drafting.

Options:
  -h, --help       show this help
`;

const schemas = { agreement: agreementJsonSchema, event: eventJsonSchema } as const;

export async function schema(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('schema', argv, commonOptions);
  if (values.help) {
    io.stdout.write(schemaHelp);
    return 0;
  }
  requirePositionals('schema', positionals, [], ['agreement|event']);
  const which = positionals[0] ?? 'agreement';
  if (which !== 'agreement' && which !== 'event') {
    throw new TruceError(
      'USAGE',
      `truce schema knows "agreement" and "event", not "${which}"; run \`truce schema --help\``,
    );
  }
  io.stdout.write(`${JSON.stringify(schemas[which](), null, 2)}\n`);
  return 0;
}
