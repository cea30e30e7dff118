import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TruceError } from '@truce/core';
import { type AnchorReport, anchorsIn, checkAnchors } from '../audit/audit-anchor.js';
import { type ChainedLine, verifyAuditChain } from '../audit/audit-chain.js';
import { exportFiles } from '../ledger/export-format.js';
import { verifyExport } from '../ledger/verify-export.js';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';

export const auditHelp = `Usage: truce audit verify FILE [--ledger DIR [--log-key KEY]] [--head SEQ:HASH] [--json]

Checks the hash chain of an audit log export (GET /api/v1/audit/export, JSON Lines): every
line's hash must follow from the line before it, from the first line on, with no line missing
or repeated. Prints the head (the last line's chain number and hash): keep it, and pass it to
a later check with --head to prove that the later export still holds the same history.

With --ledger, also checks the export against the chain heads the log operator anchored in the
ledger (audit_anchored events, cosigned by the witnesses with the ledger's checkpoints): the
ledger export (truce export) is verified first, then every anchored line in FILE must have the
anchored hash. A rewrite that recomputed the whole chain passes the chain check but not this.

Options:
  --ledger DIR     a ledger export to check the anchors of
  --log-key KEY    the log's verifier key from another channel (pins the ledger export)
  --head SEQ:HASH  a head seen before: the chain must pass through it unchanged
  --json           print the report as JSON
  -h, --help       show this help

Exit status: 0 when the chain verifies; 2 when it does not or the file is unusable.
`;

const options = {
  ...commonOptions,
  head: { type: 'string' },
  ledger: { type: 'string' },
  'log-key': { type: 'string' },
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
  const anchors = values.ledger === undefined ? undefined : ledgerAnchors(values, lines);
  const anchorProblem =
    anchors === undefined ? undefined : anchors.ok ? undefined : anchors.problem?.reason;
  const ok = report.ok && headProblem === undefined && anchorProblem === undefined;
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ ...report, ok, ...(headProblem ? { headProblem } : {}), ...(anchors ? { anchors } : {}) }, null, 2)}\n`,
    );
  } else if (ok) {
    io.stdout.write(
      `audit chain verified: ${report.lines} line(s)${report.head ? `; head ${report.head.chainSeq}:${report.head.hash}` : ''}\n`,
    );
    if (anchors) {
      io.stdout.write(
        `anchors in the ledger: ${anchors.checked} matched${anchors.beyond ? `, ${anchors.beyond} past the end of this export (it is older)` : ''}${anchors.latest ? `; latest: line ${anchors.latest.chainSeq} at ledger position ${anchors.latest.seq}` : ''}\n`,
      );
    }
  } else {
    io.stderr.write(
      `audit chain NOT verified: ${report.problem?.reason ?? headProblem ?? anchorProblem}\n`,
    );
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

/**
 * The anchors of a ledger export checked against the lines: the export is verified first (a
 * forged anchor would otherwise prove nothing), then its operator's `audit_anchored` events.
 */
function ledgerAnchors(
  values: { ledger?: string | undefined; 'log-key'?: string | undefined },
  lines: readonly ChainedLine[],
): AnchorReport {
  const dir = values.ledger ?? '';
  const verified = verifyExport(dir, values['log-key'] ? { logKey: values['log-key'] } : {});
  if (!verified.ok) {
    throw new TruceError(
      'USAGE',
      `the ledger export ${dir} does not verify (${verified.position}: ${verified.reason}); its anchors prove nothing`,
    );
  }
  const text = readFileSync(join(dir, exportFiles.entries), 'utf8');
  const entries = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line, seq) => ({ seq, value: JSON.parse(line) as unknown }));
  const operator = (entries[0]?.value as { org?: unknown } | undefined)?.org;
  const anchors = typeof operator === 'string' ? anchorsIn(entries, operator) : [];
  const byChainSeq = new Map(lines.map((line) => [line.chainSeq, line]));
  const last = lines.reduce<ChainedLine | undefined>(
    (latest, line) => (!latest || line.chainSeq > latest.chainSeq ? line : latest),
    undefined,
  );
  return checkAnchors(
    anchors,
    (chainSeq) => byChainSeq.get(chainSeq)?.hash,
    last ? { chainSeq: last.chainSeq, at: last.at } : null,
  );
}
