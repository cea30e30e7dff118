import {
  defaultNoticeRules,
  eventSchema,
  type FoldOptions,
  foldNotices,
  foldOptionsOf,
  type NoticeView,
  noticeKinds,
  parseAgreement,
  parseEventLines,
  TruceError,
} from '@truce/core';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';
import { readInput } from './read-input.js';

export const noticeHelp = `Usage: truce notice list EVENTS... [options]
       truce notice send --from ORG --to ORG[,ORG…] --kind KIND --subject TEXT [options]
       truce notice ack NOTICE --org ORG [options]

list   every notice in the events files (JSON Lines) with each recipient's state:
       delivered, read, acknowledged, answered; overdue acknowledgements and the escalation
       steps reached, as known at --as-of.
         --agreement FILE  its mediators, guarantors and notice rules (default rules: 24 h
                           to acknowledge, mediators after 24 h, guarantors after 48 h)
         --as-of ISO       default now
         --org ORG         only notices to, from or through ORG
         --overdue         only notices with an overdue acknowledgement
         --json            the fold as JSON
send   prints a notice_sent event (one JSON line) to append to an events file, sign with
       \`truce ledger import\` or submit with POST /api/v1/events.
         --kind KIND       ${noticeKinds.join(', ')}
         --id NOTICE       the notice's id (default: <from>-<kind>-<time>)
         --body TEXT, --reply-by ISO, --for-day N, --via ORG[,ORG…], --regarding OBLIGATION
         --at ISO          when it was sent (default now)
ack    prints a notice_acknowledged event of ORG (a recipient) for NOTICE.
         --note TEXT, --at ISO

Exit status: 0 on success, 2 on invalid input, 1 on a bug.
`;

const options = {
  ...commonOptions,
  agreement: { type: 'string' },
  'as-of': { type: 'string' },
  org: { type: 'string' },
  overdue: { type: 'boolean' },
  json: { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  via: { type: 'string' },
  kind: { type: 'string' },
  subject: { type: 'string' },
  body: { type: 'string' },
  'reply-by': { type: 'string' },
  'for-day': { type: 'string' },
  regarding: { type: 'string' },
  id: { type: 'string' },
  at: { type: 'string' },
  note: { type: 'string' },
} as const;

const list = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function instant(text: string | undefined, io: CliIo, flag: string): string {
  if (text === undefined) return io.now().toISOString();
  if (!/(Z|[+-]\d{2}:\d{2})$/.test(text) || Number.isNaN(Date.parse(text))) {
    throw new TruceError('USAGE', `${flag} needs an ISO 8601 instant with an offset`);
  }
  return text;
}

/** A valid event (checked against the schema) as one line. */
function printEvent(io: CliIo, event: Record<string, unknown>): number {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) {
    throw new TruceError(
      'EVENT_INVALID',
      'the event would not be valid',
      parsed.error.issues.map((issue) => ({
        path: issue.path.join('.'),
        message: issue.message,
      })),
    );
  }
  io.stdout.write(`${JSON.stringify(event)}\n`);
  return 0;
}

export async function noticeCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('notice', argv, options);
  const [sub, ...rest] = positionals;
  if (values.help || sub === undefined) {
    io.stdout.write(noticeHelp);
    return sub === undefined && !values.help ? 2 : 0;
  }
  if (sub === 'send') {
    for (const flag of ['from', 'to', 'kind', 'subject'] as const) {
      if (!values[flag]) throw new TruceError('USAGE', `notice send needs --${flag}`);
    }
    const at = instant(values.at, io, '--at');
    const from = values.from!;
    const notice = values.id ?? `${from}-${values.kind}-${at.replace(/[^0-9]/g, '').slice(0, 12)}`;
    return printEvent(io, {
      id: `${from}-notice-${notice}`,
      type: 'notice_sent',
      occurredAt: at,
      reportedAt: at,
      source: from,
      payload: {
        notice,
        kind: values.kind,
        to: list(values.to),
        ...(values.via ? { via: list(values.via) } : {}),
        subject: values.subject,
        ...(values.body ? { body: values.body } : {}),
        ...(values['reply-by'] ? { replyBy: instant(values['reply-by'], io, '--reply-by') } : {}),
        ...(values['for-day'] ? { forDay: Number(values['for-day']) } : {}),
        ...(values.regarding ? { regarding: values.regarding } : {}),
      },
    });
  }
  if (sub === 'ack') {
    requirePositionals('notice ack', rest, ['NOTICE']);
    if (!values.org) throw new TruceError('USAGE', 'notice ack needs --org (the recipient)');
    const at = instant(values.at, io, '--at');
    return printEvent(io, {
      id: `${values.org}-notice-${rest[0]}-acknowledged`,
      type: 'notice_acknowledged',
      occurredAt: at,
      reportedAt: at,
      source: values.org,
      payload: { notice: rest[0], ...(values.note ? { note: values.note } : {}) },
    });
  }
  if (sub !== 'list') {
    throw new TruceError('USAGE', `unknown "notice ${sub}"; the subcommands are list, send, ack`);
  }
  if (rest.length === 0) {
    throw new TruceError('USAGE', 'notice list needs one or more EVENTS files ("-" for stdin)');
  }
  const events = [];
  for (const path of rest) {
    const input = await readInput(path, io);
    events.push(...parseEventLines(input.text, input.name));
  }
  const asOf = Date.parse(instant(values['as-of'], io, '--as-of'));
  let foldOptions: FoldOptions = {
    asOf,
    rules: defaultNoticeRules,
    mediators: [],
    guarantors: [],
  };
  if (values.agreement) {
    const input = await readInput(values.agreement, io);
    foldOptions = foldOptionsOf(parseAgreement(input.text, input.name), asOf);
  }
  const fold = foldNotices(events, foldOptions);
  const org = values.org;
  const shown = fold.notices.filter(
    (n) =>
      (org === undefined || n.from === org || n.to.includes(org) || n.via.includes(org)) &&
      (!values.overdue || n.overdue),
  );
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ asOf: new Date(asOf).toISOString(), notices: shown, warnings: fold.warnings }, null, 2)}\n`,
    );
    return 0;
  }
  for (const notice of shown.slice().reverse()) io.stdout.write(describe(notice));
  io.stdout.write(
    `${shown.length} notice${shown.length === 1 ? '' : 's'}, ${shown.filter((n) => n.overdue).length} with an overdue acknowledgement\n`,
  );
  for (const warning of fold.warnings)
    io.stderr.write(`warning: ${warning.eventId}: ${warning.message}\n`);
  return 0;
}

function describe(notice: NoticeView): string {
  const at = (ms: number) => new Date(ms).toISOString().replace(':00.000Z', 'Z');
  const lines = [
    `${notice.notice}  ${notice.kind}  ${notice.from} → ${notice.to.join(', ')}  sent ${at(notice.sentAt)} (${notice.eventId})${notice.overdue ? '  OVERDUE' : ''}`,
    `    ${notice.subject}`,
    ...notice.recipients.map((r) => {
      const step =
        r.answeredAt !== null
          ? `answered ${at(r.answeredAt)}`
          : r.acknowledgedAt !== null
            ? `acknowledged ${at(r.acknowledgedAt)}`
            : r.readAt !== null
              ? `read ${at(r.readAt)}`
              : r.delivery
                ? `delivered ${at(r.delivery.at)} by ${r.delivery.by} (${r.delivery.channel})`
                : 'sent';
      return `    ${r.org}: ${step}${r.overdue ? `, not acknowledged (due ${at(notice.acknowledgeBy)})` : ''}`;
    }),
    ...notice.escalations.map(
      (e) =>
        `    escalated to the ${e.to} (${e.orgs.join(', ')}) ${at(e.at)}${e.cleared ? ', since acknowledged' : ''}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
