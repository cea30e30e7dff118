import { readFileSync } from 'node:fs';
import { TruceError } from '@truce/core';
import { type ChainedLine, verifyAuditChain } from '../audit/audit-chain.js';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';

export const auditHelp = `Usage: truce audit verify FILE [--head SEQ:HASH] [--json]

Checks the hash chain of an audit log export (GET /api/v1/audit/export, JSON Lines): every
line's hash must follow from the line before it, from the first line on, with no line missing
or repeated. Prints the head (the last line's chain number and hash): keep it, and pass it to
a later check with --head to prove that the later export still holds the same history.

Options:
  --head SEQ:HASH  a head seen before: the chain must pass through it unchanged
  --json           print the report as JSON
  -h, --help       show this help

Exit status: 0 when the chain verifies; 2 when it does not or the file is unusable.
`;

const options = {
  ...commonOptions,
  head: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export async function auditCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('audit', argv, options);
  if (values.help) {
    io.stdout.write(auditHelp);
    return 0;
  }
  requirePositionals('audit', positionals, ['verify', 'FILE']);
  const [subcommand, file] = positionals as [string, string];
  if (subcommand !== 'verify') {
    throw new TruceError(
      'USAGE',
      `unknown audit command "${subcommand}"; try \`truce audit verify FILE\``,
    );
  }
  const lines = readLines(file);
  const report = verifyAuditChain(lines);
  let headProblem: string | undefined;
  if (report.ok && values.head !== undefined) {
    const match = /^(\d+):([0-9a-f]{64})$/.exec(values.head);
    if (!match)
      throw new TruceError('USAGE', '--head takes SEQ:HASH, as printed by an earlier check');
    const seq = Number(match[1]);
    const seen = lines.find((line) => line.chainSeq === seq);
    if (!seen) headProblem = `the export has no line ${seq}: it does not extend the head given`;
    else if (seen.hash !== match[2]) {
      headProblem = `line ${seq} has another hash than the head given: the history was rewritten`;
    }
  }
  const ok = report.ok && headProblem === undefined;
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ ...report, ok, ...(headProblem ? { headProblem } : {}) }, null, 2)}\n`,
    );
  } else if (ok) {
    io.stdout.write(
      `audit chain verified: ${report.lines} line(s)${report.head ? `; head ${report.head.chainSeq}:${report.head.hash}` : ''}\n`,
    );
  } else {
    io.stderr.write(`audit chain NOT verified: ${report.problem?.reason ?? headProblem}\n`);
  }
  return ok ? 0 : 2;
}

function readLines(file: string): ChainedLine[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TruceError('USAGE', `cannot read ${file}: ${(error as Error).message}`);
  }
  const lines: ChainedLine[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new TruceError('USAGE', `${file}:${index + 1}: not JSON; is this an audit export?`);
    }
    const line = value as Partial<ChainedLine>;
    if (typeof line.chainSeq !== 'number' || typeof line.hash !== 'string') {
      throw new TruceError(
        'USAGE',
        `${file}:${index + 1}: no chainSeq and hash; is this an audit export of truce 0.x with the audit chain?`,
      );
    }
    lines.push(line as ChainedLine);
  }
  return lines;
}
