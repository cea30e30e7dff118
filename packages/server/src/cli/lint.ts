import { parseAgreement } from '@truce/core';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';
import { readInput } from './read-input.js';

export const lintHelp = `Usage: truce lint AGREEMENT [options]

Validates an agreement (YAML; "-" reads stdin) against the agreement format
(docs/AGREEMENT-FORMAT.md) and checks that every id it refers to is defined.
Prints "ok: <id> v<version>, N obligations, M phases", or every problem as
"file:line:column path: message" on stderr.

Options:
  -h, --help       show this help

Exit status: 0 when valid, 2 when not, 1 on a bug.
`;

export async function lint(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('lint', argv, commonOptions);
  if (values.help) {
    io.stdout.write(lintHelp);
    return 0;
  }
  requirePositionals('lint', positionals, ['AGREEMENT']);
  const input = await readInput(positionals[0] ?? '', io);
  const agreement = parseAgreement(input.text, input.name);
  const obligations = agreement.obligations.length;
  const phases = agreement.phases.length;
  io.stdout.write(
    `ok: ${agreement.id} v${agreement.version}, ${obligations} obligation${obligations === 1 ? '' : 's'}, ${phases} phase${phases === 1 ? '' : 's'}\n`,
  );
  return 0;
}
