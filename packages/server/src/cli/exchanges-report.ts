import {
  handoverSteps,
  type ListProblem,
  personId,
  type RegisterIssue,
  slug,
  TruceError,
} from '@truce/core';
import { userHelp, withCellAs } from './exchanges-cell.js';
import type { CliIo } from './io.js';
import { dataHelp, dataOption } from './ledger-options.js';

export const reportHelp = `Recording, in the cell's database (as a user of the cell):

  list         a names list delivered for a release day (names_list_delivered), checked
               against the register and the agreement's order rules
  step         one step of the chain of custody (handover_step)

  Both are signed for your organisation with the key the server holds for it.

Options of list and step:
${userHelp}
  --persons IDS    the persons, comma-separated pseudonymous ids (H-0001,H-0003)
  --day N          list: the agreement's day of the release the list is for
  --step STEP      step: ${handoverSteps.join(', ')}
  --place PLACE    step: where (a place of the agreement, e.g. kerem-shalom)
  --note TEXT      step: a note (optional)
  --at ISO         when it happened, with an offset (default: now)
  --record-anyway  record it although it names an unknown person, repeats a step, comes
                   out of order or hands over someone on no names list: it is then
                   recorded as reported, and flagged in the register
  --json           print the receipt and what was flagged as JSON
${dataHelp}

Refused (exit 2, nothing recorded): a person the register does not know, a step already
recorded, a step after a later one, a handover to the ICRC of someone on no names list.
These are most often typos; --record-anyway records what did happen. Recorded with a
warning (exit 3): a list that breaks the order rule or the day's count, a step signed by a
side the chain of custody does not expect.

Example:
  truce exchanges step --persons H-0001,H-0003 --step handed_to_icrc --place kerem-shalom \\
    --user liaison@example.org
`;

export const reportOptions = {
  ...dataOption,
  user: { type: 'string' },
  persons: { type: 'string' },
  step: { type: 'string' },
  place: { type: 'string' },
  note: { type: 'string' },
  at: { type: 'string' },
  'record-anyway': { type: 'boolean' },
} as const;

interface ReportValues {
  data: string;
  user?: string | undefined;
  persons?: string | undefined;
  step?: string | undefined;
  place?: string | undefined;
  note?: string | undefined;
  at?: string | undefined;
  day?: string | undefined;
  json?: boolean | undefined;
  'record-anyway'?: boolean | undefined;
}

/** Problems that are most often a typo: refused unless --record-anyway. */
const refusedCodes = new Set<string>([
  'EXCHANGE_PERSON_UNKNOWN',
  'LIST_PERSON_UNKNOWN',
  'EXCHANGE_STEP_DUPLICATE',
  'EXCHANGE_STEP_OUT_OF_ORDER',
  'EXCHANGE_NOT_ON_LIST',
]);

function personIds(text: string | undefined, command: string): string[] {
  const ids = (text ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (ids.length === 0) {
    throw new TruceError('USAGE', `${command} needs --persons ID,ID… (e.g. H-0001,H-0003)`);
  }
  const bad = ids.filter((id) => !personId.safeParse(id).success);
  if (bad.length > 0) {
    throw new TruceError(
      'USAGE',
      `--persons: ${bad.map((id) => `"${id}"`).join(', ')} ${bad.length > 1 ? 'are not' : 'is not'} a pseudonymous id like H-0001 or P-0001 (names never go on the ledger)`,
    );
  }
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (repeated.length > 0) {
    throw new TruceError('USAGE', `--persons names ${[...new Set(repeated)].join(', ')} twice`);
  }
  return ids;
}

function occurredAt(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/(Z|[+-]\d{2}:\d{2})$/.test(text) || Number.isNaN(Date.parse(text))) {
    throw new TruceError(
      'USAGE',
      '--at needs an ISO 8601 instant with an offset, e.g. 2025-01-25T14:30:00+02:00',
    );
  }
  return text;
}

type Flagged = { code: string; person?: string | undefined; message: string };

/** Refuses a report whose checks found a likely typo, unless --record-anyway. */
function refuseTypos(flagged: Flagged[], values: ReportValues, what: string): void {
  const refused = flagged.filter((f) => refusedCodes.has(f.code));
  if (refused.length === 0 || values['record-anyway']) return;
  throw new TruceError(
    'VALIDATION_FAILED',
    `${what} not recorded: ${refused.map((f) => f.message).join(' ')} Correct it, or run again with --record-anyway if it is what happened (it is then flagged in the register).`,
    refused.map((f) => ({ path: f.person ? `persons ${f.person}` : 'persons', message: f.code })),
  );
}

function printOutcome(
  io: CliIo,
  values: ReportValues,
  what: string,
  result: { receipt: { seq: number }; eventId: string; issues: RegisterIssue[] },
  problems: ListProblem[] = [],
): number {
  const flagged: Flagged[] = [...problems, ...result.issues];
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          receipt: { seq: result.receipt.seq, eventId: result.eventId },
          problems,
          issues: result.issues,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    io.stdout.write(`${result.eventId}\n`);
    io.stderr.write(`recorded ${what} ${result.eventId} at log position ${result.receipt.seq}\n`);
    for (const f of flagged) io.stderr.write(`warning ${f.code}: ${f.message}\n`);
  }
  return flagged.length > 0 ? 3 : 0;
}

export async function listCommand(values: ReportValues, io: CliIo): Promise<number> {
  const persons = personIds(values.persons, 'exchanges list');
  if (values.day === undefined || !/^-?\d{1,5}$/.test(values.day)) {
    throw new TruceError('USAGE', "exchanges list needs --day N (the agreement's day number)");
  }
  const at = occurredAt(values.at);
  const input = {
    forDay: Number(values.day),
    persons,
    ...(at !== undefined ? { occurredAt: at } : {}),
  };
  return withCellAs(values.data, io, values.user, 'exchanges.submit', async (cell) => {
    const org = cell.origin.actor.kind === 'anonymous' ? '' : cell.origin.actor.user.orgId;
    const preview = await cell.exchanges.preview(org, { type: 'names_list_delivered', ...input });
    refuseTypos([...preview.problems, ...preview.issues], values, 'the list was');
    const result = await cell.exchanges.submitList(cell.origin, input);
    return printOutcome(io, values, 'the names list', result, result.problems);
  });
}

export async function stepCommand(values: ReportValues, io: CliIo): Promise<number> {
  const persons = personIds(values.persons, 'exchanges step');
  const step = values.step;
  if (!step || !(handoverSteps as readonly string[]).includes(step)) {
    throw new TruceError(
      'USAGE',
      `exchanges step needs --step, one of ${handoverSteps.join(', ')}${step ? `, not "${step}"` : ''}`,
    );
  }
  if (!values.place || !slug.safeParse(values.place).success) {
    throw new TruceError(
      'USAGE',
      `exchanges step needs --place, a place of the agreement in lower case (e.g. kerem-shalom)${values.place ? `, not "${values.place}"` : ''}`,
    );
  }
  const at = occurredAt(values.at);
  const input = {
    persons,
    step,
    place: values.place,
    ...(at !== undefined ? { occurredAt: at } : {}),
    ...(values.note ? { note: values.note } : {}),
  };
  return withCellAs(values.data, io, values.user, 'exchanges.submit', async (cell) => {
    const org = cell.origin.actor.kind === 'anonymous' ? '' : cell.origin.actor.user.orgId;
    const preview = await cell.exchanges.preview(org, { type: 'handover_step', ...input });
    refuseTypos(preview.issues, values, 'the step was');
    const result = await cell.exchanges.recordStep(cell.origin, input);
    return printOutcome(io, values, `the step ${step.replace(/_/g, ' ')}`, result);
  });
}
