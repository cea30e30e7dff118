import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { type Agreement, parseAgreement, TruceError } from '@truce/core';
import { OrgKeys } from '../accounts/org-keys.js';
import { AuditLog } from '../audit/audit-log.js';
import { parseEncoding } from '../hxl/decode.js';
import { HxlImporter, type HxlImportReport } from '../hxl/hxl-import.js';
import { ImportsRepository } from '../hxl/imports-repository.js';
import { Ledger, readLogIdentity } from '../ledger/index.js';
import { AgreementsService } from '../routes/agreements/agreements-service.js';
import { type SqlDriver, type Store, sqlDriverOf } from '../store/index.js';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';
import { dataHelp, dataOption, withStore } from './ledger-options.js';

export const importHelp = `Usage: truce import hxl FILE.csv [--as ORG] [--dry-run] [--data DIR]

Imports an HXL-tagged CSV file of aid figures (trucks through crossings, items delivered) into
the ledger: columns are read by their hashtags (#date, #loc+name, #org+code,
#indicator+num+trucks… — docs/HXL.md), not by their header text, and tags truce does not map
are kept with each event. The file is read once: every bad cell is listed with its line,
column and hashtag, and a file with any is not imported at all; a good file is appended whole,
in one transaction. Importing the same file again changes nothing. Each row becomes an event
reported by its organisation (#org+code, or --as); rows travel in batches of up to 1,000, each
signed with the key the server holds for the organisation (docs/HXL.md).

Options:
  --as ORG            every row is ORG's report (rows naming another organisation are refused)
  --dry-run           check the file and say what would be imported; import nothing
  --assume-zone       read date-times without a UTC offset in the agreement's time zone
                      (without it they are refused: "16:00" is not a moment until it has a zone)
  --encoding ENC      auto (default: UTF-8 with or without BOM, else Windows-1256), utf-8,
                      windows-1256
  --delimiter CHAR    between columns (default ","; "\\t" for tabs)
  --agreement FILE    check crossings and organisations against this agreement instead of the
                      one in the database
  --read-threads N    worker threads that read a large file's 1 MiB segments beside this one
                      (default: one per other core, at most 3; 0: read on this thread only,
                      with the least memory). The events are the same whatever N.
  --json              print the report as JSON
${dataHelp}
  -h, --help          show this help
`;

const options = {
  ...commonOptions,
  ...dataOption,
  as: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'assume-zone': { type: 'boolean' },
  encoding: { type: 'string' },
  delimiter: { type: 'string' },
  agreement: { type: 'string' },
  'read-threads': { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** The agreement the cell works on: the latest version of the one last uploaded. */
export async function currentAgreement(
  db: SqlDriver,
  now: () => Date,
): Promise<Agreement | undefined> {
  const agreements = new AgreementsService(db, new AuditLog(db), now);
  const id = await agreements.currentId();
  return id === undefined ? undefined : (await agreements.versions(id)).at(-1);
}

export async function agreementFor(
  file: string | undefined,
  db: SqlDriver,
  io: CliIo,
): Promise<Agreement> {
  if (file !== undefined) {
    if (!existsSync(file)) throw new TruceError('NOT_FOUND', `no agreement file ${file}`);
    return parseAgreement(readFileSync(file, 'utf8'), file);
  }
  const agreement = await currentAgreement(db, () => io.now());
  if (!agreement) {
    throw new TruceError(
      'NOT_FOUND',
      'the database holds no agreement to check the file against; upload one (POST /api/v1/agreements) or give --agreement FILE',
    );
  }
  return agreement;
}

export function sqlOf(store: Store): SqlDriver {
  const db = sqlDriverOf(store);
  if (!db) throw new TruceError('USAGE', 'imports need a PGlite or PostgreSQL store');
  return db;
}

const number = (value: number) => value.toLocaleString('en-US');

/** A progress bar on a terminal, redrawn at most ten times a second; nothing in a pipe. */
function progressBar(io: CliIo, total: number) {
  let lastDrawn = 0;
  let drawn = false;
  return {
    update(phase: string, bytes: number) {
      const now = io.now().getTime();
      if (now - lastDrawn < 100 && bytes < total) return;
      lastDrawn = now;
      drawn = true;
      const share = total === 0 ? 1 : Math.min(1, bytes / total);
      const width = 30;
      const full = Math.round(share * width);
      const mb = (value: number) => (value / 1_048_576).toFixed(1);
      io.stderr.write(
        `\r${phase.padEnd(9)} [${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.floor(share * 100)).padStart(3)}% ${mb(bytes)}/${mb(total)} MB`,
      );
    },
    done() {
      if (drawn) io.stderr.write('\r\u001b[K');
    },
  };
}

export function describeReport(report: HxlImportReport, file: string): string {
  const f = report.file;
  const parts = [
    f.trucksRows > 0 ? `${number(f.trucksRows)} truck rows (${number(f.trucks)} trucks)` : '',
    f.itemsRows > 0 ? `${number(f.itemsRows)} item rows (${number(f.items)} items)` : '',
  ].filter((part) => part !== '');
  const span =
    f.firstOccurredAt && f.lastOccurredAt
      ? `, ${f.firstOccurredAt.slice(0, 10)} to ${f.lastOccurredAt.slice(0, 10)}`
      : '';
  const what = `${number(f.events)} events: ${parts.join(', ')}${span}, reported by ${f.sources.join(', ')}`;
  const kept = f.keptHashtags.length > 0 ? `\nkept as they are: ${f.keptHashtags.join(' ')}` : '';
  const encoding = `\nencoding ${f.encoding ?? 'utf-8'}, sha256 ${f.sha256}`;
  const record = report.import;
  const positions =
    record?.firstSeq !== undefined ? ` at log positions ${record.firstSeq}–${record.lastSeq}` : '';
  switch (report.outcome) {
    case 'dry_run':
      return `${file} is ready to import (nothing imported: --dry-run): ${what}${kept}${encoding}\n`;
    case 'already_imported':
      return `${file} was already imported (${record?.id}, ${record?.completedAt} by ${record?.importedBy})${positions}; nothing changed: ${what}${encoding}\n`;
    default: {
      const resumed =
        report.repeated > 0
          ? ` (${number(report.repeated)} were already in the log: an interrupted import, now complete)`
          : '';
      return `imported ${file} as ${record?.id}: ${what}${positions}${resumed}${kept}${encoding}\n`;
    }
  }
}

export async function importCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('import', argv, options);
  if (values.help) {
    io.stdout.write(importHelp);
    return 0;
  }
  requirePositionals('import', positionals, ['hxl', 'FILE.csv']);
  const [format, file] = positionals as [string, string];
  if (format !== 'hxl') {
    throw new TruceError(
      'USAGE',
      `truce imports hxl files, not "${format}"; run \`truce import --help\``,
    );
  }
  if (!existsSync(file)) throw new TruceError('NOT_FOUND', `no file ${file}`);
  const size = statSync(file).size;
  const encoding = parseEncoding(values.encoding);
  const delimiter = values.delimiter === '\\t' ? '\t' : values.delimiter;
  const threads = readThreadsOf(values['read-threads']);
  const identity = readLogIdentity(values.data);
  const progress = io.stdout.isTTY ? progressBar(io, size) : undefined;
  const report = await withStore(values.data, io, async (store) => {
    const db = sqlOf(store);
    const agreement = await agreementFor(values.agreement, db, io);
    const org = values.as;
    if (org !== undefined && !agreement.parties.some((party) => party.id === org)) {
      throw new TruceError(
        'USAGE',
        `--as ${org}: not an organisation of ${agreement.id} (${agreement.parties.map((p) => p.id).join(', ')})`,
      );
    }
    const ledger = await Ledger.open(store, identity, { now: () => io.now() });
    try {
      const orgKeys = new OrgKeys(values.data, ledger);
      const importer = new HxlImporter(ledger, new ImportsRepository(db), (source) =>
        orgKeys.keyFor(source, io.now()),
      );
      return await importer.import({
        open: () => createReadStream(file, { highWaterMark: 256 * 1024 }),
        fileName: basename(file),
        agreement,
        reportingOrg: org,
        importedBy: `cli:${org ?? 'rows'}`,
        assumeZone: values['assume-zone'],
        encoding,
        delimiter,
        threads,
        dryRun: values['dry-run'],
        now: io.now(),
        onProgress: progress ? (phase, bytes) => progress.update(phase, bytes) : undefined,
      });
    } finally {
      progress?.done();
      await ledger.close();
    }
  });
  io.stdout.write(
    values.json ? `${JSON.stringify(report, null, 2)}\n` : describeReport(report, file),
  );
  return 0;
}

/** `--read-threads N`: a whole number from 0 to 16; absent: the reader's default. */
function readThreadsOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const threads = /^[0-9]{1,2}$/.test(text) ? Number(text) : Number.NaN;
  if (!(threads >= 0 && threads <= 16)) {
    throw new TruceError(
      'USAGE',
      `--read-threads takes a whole number from 0 to 16, not "${text}"`,
    );
  }
  return threads;
}
