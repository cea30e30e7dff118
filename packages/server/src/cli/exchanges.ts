import { buildRegister, instant, parseAgreement, parseEventLines, TruceError } from '@truce/core';
import { dayWindow, handoverSheetCsv, personsHandedOverOn } from '../presenters/handover-sheet.js';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import { listCommand, reportHelp, reportOptions, stepCommand } from './exchanges-report.js';
import type { CliIo } from './io.js';
import { readInput } from './read-input.js';

export const exchangesHelp = `Usage: truce exchanges register|sheet AGREEMENT EVENTS... [options]
       truce exchanges list --day N --persons ID,ID… --user EMAIL [options]
       truce exchanges step --persons ID,ID… --step STEP --place PLACE --user EMAIL [options]

The exchange register from events files (JSON Lines; several files are read as one feed, e.g.
the base scenario and its register supplement): each person's status and chain of custody,
and what the register flags (unknown ids, duplicate or out-of-order steps, releases of persons
on no list, steps signed by the wrong side, remains not identified).

  register     print the persons by status and every issue (--json: the whole register)
  sheet        print the ICRC-style handover sheet of --day N as CSV

Options:
  --as-of ISO      the register as known at this instant (with an offset; default: all)
  --day N          the agreement's day, for sheet
  --json           register: print the register as JSON
  -h, --help       show this help

Exit status: 0, or 3 when the register has an issue of severity error (for scripts).
Example:
  truce exchanges sheet examples/agreements/gaza-2025.yaml \\
    examples/scenarios/gaza-2025-synthetic.jsonl examples/scenarios/gaza-2025-exchange-synthetic.jsonl --day 7

${reportHelp}`;

const options = {
  ...commonOptions,
  ...reportOptions,
  'as-of': { type: 'string' },
  day: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export async function exchangesCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('exchanges', argv, options);
  if (values.help) {
    io.stdout.write(exchangesHelp);
    return 0;
  }
  const [sub, agreementPath, ...eventPaths] = positionals;
  if (sub === 'list' || sub === 'step') {
    requirePositionals(`exchanges ${sub}`, positionals.slice(1), []);
    return sub === 'list' ? listCommand(values, io) : stepCommand(values, io);
  }
  if (sub !== 'register' && sub !== 'sheet') {
    throw new TruceError(
      'USAGE',
      `truce exchanges knows register, sheet, list and step${sub ? `, not "${sub}"` : ''}; run \`truce exchanges --help\``,
    );
  }
  requirePositionals(
    `exchanges ${sub}`,
    [agreementPath ?? '', ...eventPaths].filter(Boolean).slice(0, 2),
    ['AGREEMENT', 'EVENTS'],
  );
  const asOf = values['as-of'];
  if (asOf !== undefined && !instant.safeParse(asOf).success) {
    throw new TruceError(
      'USAGE',
      `--as-of needs an instant with an offset, e.g. 2025-01-25T18:00:00+02:00`,
    );
  }
  const agreementInput = await readInput(agreementPath ?? '', io);
  const agreement = parseAgreement(agreementInput.text, agreementInput.name);
  const events = [];
  for (const path of eventPaths) {
    const input = await readInput(path, io);
    events.push(...parseEventLines(input.text, input.name));
  }
  const register = buildRegister(events, {
    mediators: agreement.parties.filter((p) => p.roles.includes('mediator')).map((p) => p.id),
    ...(asOf !== undefined ? { asOf } : {}),
  });
  const failed = register.issues.some((i) => i.severity === 'error') ? 3 : 0;
  if (sub === 'sheet') {
    if (values.day === undefined || !/^-?\d{1,5}$/.test(values.day)) {
      throw new TruceError('USAGE', "sheet needs --day N (the agreement's day number)");
    }
    const day = Number(values.day);
    io.stdout.write(
      handoverSheetCsv(personsHandedOverOn(register, agreement, day), dayWindow(agreement, day)),
    );
    return failed;
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify(register, null, 2)}\n`);
    return failed;
  }
  const counts = new Map<string, number>();
  for (const person of register.persons)
    counts.set(person.status, (counts.get(person.status) ?? 0) + 1);
  io.stdout.write(
    `${register.persons.length} persons: ${[...counts].map(([s, n]) => `${n} ${s.replace(/_/g, ' ')}`).join(' · ')}\n`,
  );
  for (const issue of register.issues) {
    io.stdout.write(`${issue.severity} ${issue.code} ${issue.eventId}: ${issue.message}\n`);
  }
  if (register.issues.length === 0) io.stdout.write('no issues\n');
  return failed;
}
