import { writeFile } from 'node:fs/promises';
import { parseAgreement, parseEventLines, TruceError } from '@truce/core';
import { AuditLog } from '../audit/audit-log.js';
import { AgreementsService } from '../routes/agreements/agreements-service.js';
import { dictionaries, isLanguage, languages } from '../sitrep/i18n.js';
import {
  ledgerSource,
  prepareSitrep,
  renderSitrep,
  type SitrepFormat,
  type SitrepSource,
  sitrepFileName,
  sitrepFormats,
} from '../sitrep/sitrep.js';
import { sqlDriverOf } from '../store/index.js';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';
import { withStore } from './ledger-options.js';
import { readInput } from './read-input.js';

export const sitrepHelp = `Usage: truce sitrep --date YYYY-MM-DD (--agreement FILE --events FILE | --data DIR) [options]

Writes the daily situation report of one day: phase and day, what changed since the day
before, exchanges, aid, movement and returns, incidents and findings, open disputes, every
obligation's status and why, and the sources. The day is a calendar date in the agreement's
time zone; the report is as of its last instant (or now, while the day is still running).

Input, one of:
  --agreement FILE   the agreement (YAML), with
  --events FILE      its events (JSON Lines)
  --amendment FILE   a later version of the agreement; repeat for several
  --data DIR         the data folder of a cell: its ledger and its current agreement
                     (with DATABASE_URL set, that PostgreSQL)

Options:
  --date YYYY-MM-DD  the day to report on (required)
  --lang LANG        ${languages.join(', ')} (default en); ar and he are right to left
  --format FORMAT    html or pdf (default: from --out's extension, else html); pdf prints
                     with headless Chromium at /usr/bin/chromium, or TRUCE_CHROMIUM
  --out FILE         where to write (default sitrep-AGREEMENT-DATE-LANG.FORMAT here);
                     "-" writes HTML to stdout
  -h, --help         show this help

Example:
  truce sitrep --date 2025-02-10 --lang ar --format pdf \\
    --agreement examples/agreements/gaza-2025.yaml \\
    --events examples/scenarios/gaza-2025-synthetic.jsonl
`;

const options = {
  ...commonOptions,
  date: { type: 'string' },
  lang: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  agreement: { type: 'string' },
  amendment: { type: 'string', multiple: true },
  events: { type: 'string' },
  data: { type: 'string' },
} as const;

export async function sitrep(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('sitrep', argv, options);
  if (values.help) {
    io.stdout.write(sitrepHelp);
    return 0;
  }
  requirePositionals('sitrep', positionals, []);
  if (values.date === undefined) {
    throw new TruceError('USAGE', 'missing --date YYYY-MM-DD; run `truce sitrep --help`');
  }
  const language = values.lang ?? 'en';
  if (!isLanguage(language)) {
    throw new TruceError(
      'USAGE',
      `--lang "${language}" is not one of ${languages.join(', ')}; the report exists in those`,
    );
  }
  const format = formatOf(values.format, values.out);
  if (values.out === '-' && format === 'pdf') {
    throw new TruceError('USAGE', 'a PDF is not written to stdout; give --out FILE.pdf');
  }

  const source = await readSource(values, io);
  const model = prepareSitrep(source, values.date, io.now());
  const rendered = await renderSitrep(model, language, format, io.env);
  if (values.out === '-') {
    io.stdout.write(String(rendered.body));
    return 0;
  }
  const out = values.out ?? sitrepFileName(model, language, format);
  await write(out, rendered.body);
  io.stderr.write(
    `wrote ${out}: ${dictionaries[language].title.toLowerCase()} of ${model.agreement.id}, ${model.window.date} (Day ${model.window.day})\n`,
  );
  return 0;
}

function formatOf(flag: string | undefined, out: string | undefined): SitrepFormat {
  const value = flag ?? (out?.toLowerCase().endsWith('.pdf') ? 'pdf' : 'html');
  if (!(sitrepFormats as readonly string[]).includes(value)) {
    throw new TruceError('USAGE', `--format "${value}" is not one of ${sitrepFormats.join(', ')}`);
  }
  return value as SitrepFormat;
}

async function readSource(
  values: { agreement?: string; amendment?: string[]; events?: string; data?: string },
  io: CliIo,
): Promise<SitrepSource> {
  const fromFiles = values.agreement !== undefined || values.events !== undefined;
  if (fromFiles === (values.data !== undefined)) {
    throw new TruceError(
      'USAGE',
      'give either --agreement FILE and --events FILE, or --data DIR; run `truce sitrep --help`',
    );
  }
  if (values.data !== undefined) {
    return withStore(values.data, io, async (store) => {
      const db = sqlDriverOf(store);
      if (!db)
        throw new TruceError('USAGE', 'the stored agreement needs a PGlite or PostgreSQL store');
      const clock = () => io.now();
      return ledgerSource(store, new AgreementsService(db, new AuditLog(db), clock));
    });
  }
  if (values.agreement === undefined || values.events === undefined) {
    throw new TruceError('USAGE', 'give both --agreement FILE and --events FILE');
  }
  const agreementInput = await readInput(values.agreement, io);
  const versions = [parseAgreement(agreementInput.text, agreementInput.name)];
  for (const path of values.amendment ?? []) {
    const input = await readInput(path, io);
    versions.push(parseAgreement(input.text, input.name));
  }
  const eventsInput = await readInput(values.events, io);
  const events = parseEventLines(eventsInput.text, eventsInput.name);
  return {
    versions,
    events,
    coverage: { kind: 'file', file: eventsInput.name, events: events.length },
  };
}

async function write(path: string, body: string | Uint8Array): Promise<void> {
  try {
    await writeFile(path, body);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') {
      throw new TruceError('NOT_FOUND', `cannot write ${path}: its folder does not exist`);
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EISDIR') {
      throw new TruceError(
        'USAGE',
        `cannot write ${path}: ${code === 'EISDIR' ? 'it is a folder' : 'permission denied'}`,
      );
    }
    throw error;
  }
}
