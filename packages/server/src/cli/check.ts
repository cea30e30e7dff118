import {
  evaluate,
  instant,
  parseAgreement,
  parseEventLines,
  statuses,
  TruceError,
} from '@truce/core';
import {
  allowedList,
  commonOptions,
  parseCommandArgs,
  requirePositionals,
  wantsColor,
} from './arguments.js';
import { painter } from './color.js';
import type { CliIo } from './io.js';
import { evaluationJson, evaluationTable } from './present-evaluation.js';
import { readInput } from './read-input.js';

export const checkHelp = `Usage: truce check AGREEMENT EVENTS [options]

Evaluates every obligation of AGREEMENT (YAML) against EVENTS (JSON Lines; "-" reads stdin)
and prints, for each, its status, progress and why.

Options:
  --as-of ISO      evaluate as of this instant; it must carry an offset
                   (e.g. 2025-02-11T12:00:00+02:00). Default: now.
  --amendment FILE a later version of the agreement (with \`supersedes\` and
                   \`effectiveFrom\`); repeat for several. Each period is judged under
                   the version in force then
  --fail-on LIST   exit 3 when an obligation has one of these statuses
                   (comma-separated, e.g. breached,late): for scripts and CI
  --json           print { agreement, asOf, obligations } as JSON instead of a table
  -v, --verbose    print the full why, forecast, sources, disputes and events of each obligation
  --color          colour even when stdout is not a terminal
  --no-color       never colour (NO_COLOR is respected too)
  -h, --help       show this help

Exit status: 0 when evaluated (whatever the statuses, unless --fail-on), 3 when --fail-on
matched, 2 on invalid input, 1 on a bug.

Example:
  truce check examples/agreements/gaza-2025.yaml examples/scenarios/gaza-2025-synthetic.jsonl \\
    --as-of 2025-02-11T12:00:00+02:00
`;

const options = {
  ...commonOptions,
  'as-of': { type: 'string' },
  amendment: { type: 'string', multiple: true },
  'fail-on': { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
} as const;

export async function check(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals, tokens } = parseCommandArgs('check', argv, options);
  if (values.help) {
    io.stdout.write(checkHelp);
    return 0;
  }
  requirePositionals('check', positionals, ['AGREEMENT', 'EVENTS']);
  const [agreementPath = '', eventsPath = ''] = positionals;
  const asOfFlag = values['as-of'];
  if (asOfFlag !== undefined) parseAsOf(asOfFlag);
  const failOn = parseFailOn(values['fail-on']);
  if (agreementPath === '-' && eventsPath === '-') {
    throw new TruceError('USAGE', 'only one of AGREEMENT and EVENTS can be read from stdin ("-")');
  }

  const agreementInput = await readInput(agreementPath, io);
  const agreement = parseAgreement(agreementInput.text, agreementInput.name);
  const versions = [agreement];
  for (const path of values.amendment ?? []) {
    const input = await readInput(path, io);
    const amendment = parseAgreement(input.text, input.name);
    if (amendment.id !== agreement.id || amendment.supersedes === undefined) {
      throw new TruceError(
        'AGREEMENT_INVALID',
        `${input.name} is not an amendment of ${agreement.id}: give it the same id, a higher version and \`supersedes\``,
        [
          {
            file: input.name,
            path: 'supersedes',
            message: `expected supersedes: { id: ${agreement.id}, version: … }`,
          },
        ],
      );
    }
    versions.push(amendment);
  }
  const eventsInput = await readInput(eventsPath, io);
  const events = parseEventLines(eventsInput.text, eventsInput.name);
  const asOf = asOfFlag ?? instantInZone(io.now(), agreement.timeZone);

  const evaluation = evaluate(versions, events, asOf);

  if (values.json) {
    io.stdout.write(`${JSON.stringify(evaluationJson(evaluation), null, 2)}\n`);
  } else {
    io.stdout.write(
      evaluationTable(evaluation, {
        paint: painter(wantsColor(tokens, io)),
        columns: io.stdout.columns ?? 120,
        verbose: values.verbose === true,
      }),
    );
  }
  return evaluation.obligations.some((obligation) => failOn.has(obligation.status)) ? 3 : 0;
}

function parseFailOn(list: string | undefined): ReadonlySet<string> {
  if (list === undefined) return new Set();
  return new Set(
    allowedList(
      list,
      statuses,
      (unknown) => `--fail-on: unknown status ${unknown}; use ${statuses.join(', ')}`,
    ),
  );
}

/** A time without an offset means different instants in Gaza, Cairo and Doha: refuse it. */
export function parseAsOf(text: string): string {
  if (instant.safeParse(text).success) return text;
  throw new TruceError(
    'AS_OF_INVALID',
    `--as-of "${text}" is not a date-time with an offset; write e.g. 2025-02-11T12:00:00+02:00 or 2025-02-11T10:00:00Z`,
  );
}

/**
 * `date` as ISO 8601 with the offset of `timeZone` at that instant, to the second, so that the
 * default "now" reads in the agreement's local time. Falls back to UTC for an unknown zone.
 */
export function instantInZone(date: Date, timeZone: string): string {
  const utc = `${date.toISOString().slice(0, 19)}Z`;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    }).formatToParts(date);
  } catch {
    return utc;
  }
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((entry) => entry.type === type)?.value ?? '';
  const zoneName = part('timeZoneName');
  const offset = zoneName === 'GMT' ? '+00:00' : zoneName.replace(/^GMT/, '');
  if (!/^[+-]\d{2}:\d{2}$/.test(offset)) return utc;
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')}${offset}`;
}
