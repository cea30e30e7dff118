import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { TruceError } from '@truce/core';
import { exportFilterOf, hxlExportLines, hxlReconciliationLines } from '../hxl/export-hxl.js';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import { agreementFor, currentAgreement, sqlOf } from './import.js';
import type { CliIo } from './io.js';
import { dataHelp, dataOption, withStore } from './ledger-options.js';

export const exportHxlHelp = `Usage: truce export hxl [--reconciliation] [--from DAY] [--to DAY] [--out FILE] [--data DIR]

Writes the aid events of the log (trucks through crossings, items delivered) as HXL CSV, which
HDX and other HXL tools read: a header row, the hashtag row, one row per event as reported,
with its id (#meta+id) and the tags it was imported with. \`truce import hxl\` of this file into
an empty database gives the same events. Corrections and retractions are not applied here (the
ledger export, \`truce export --out DIR\`, has the whole history).

With --reconciliation, writes instead the reconciliation of the sources' truck figures, as the
dashboard and the status show it: for each day, all crossings and then each crossing and cargo,
one row per pair of sources with both figures, the difference, what half-loaded trucks and
crossings out of scope explain, and what nothing explains (corrections applied, as of now).

Options:
  --reconciliation    the reconciliation of sources, not the events
  --from DAY|INSTANT  events that occurred on or after this day (of the agreement's calendar)
                      or instant (with its offset)
  --to DAY|INSTANT    events that occurred up to the end of this day, or before this instant
  --out FILE          write to FILE (default: standard output)
  --agreement FILE    the agreement (calendar, source profiles) instead of the one in the
                      database
${dataHelp}
  -h, --help          show this help
`;

const options = {
  ...commonOptions,
  ...dataOption,
  from: { type: 'string' },
  to: { type: 'string' },
  out: { type: 'string' },
  reconciliation: { type: 'boolean' },
  agreement: { type: 'string' },
} as const;

export async function exportHxlCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('export hxl', argv, options);
  if (values.help) {
    io.stdout.write(exportHxlHelp);
    return 0;
  }
  requirePositionals('export hxl', positionals, []);
  const count = await withStore(values.data, io, async (store) => {
    const reconciliation = values.reconciliation === true;
    const needsAgreement =
      reconciliation || [values.from, values.to].some((v) => v !== undefined && v.length === 10);
    const agreement = !needsAgreement
      ? undefined
      : values.agreement !== undefined
        ? await agreementFor(values.agreement, sqlOf(store), io)
        : await currentAgreement(sqlOf(store), () => io.now());
    if (needsAgreement && !agreement) {
      throw new TruceError(
        'USAGE',
        reconciliation
          ? 'the reconciliation follows the agreement’s source profiles, and the database holds no agreement; upload one, or give --agreement FILE'
          : 'days are days of the agreement, and the database holds none; give instants with their offset, or --agreement FILE',
      );
    }
    const filter = exportFilterOf(agreement, values.from, values.to);
    const out = values.out === undefined ? undefined : createWriteStream(values.out);
    let rows = 0;
    const lines =
      reconciliation && agreement
        ? hxlReconciliationLines(store, agreement, io.now(), filter)
        : hxlExportLines(store, filter, () => rows++);
    try {
      for await (const text of lines) {
        if (out) {
          if (!out.write(text)) await once(out, 'drain');
        } else {
          io.stdout.write(text);
        }
      }
    } finally {
      if (out) {
        out.end();
        await once(out, 'close');
      }
    }
    return rows;
  });
  if (values.out !== undefined) {
    io.stderr.write(
      values.reconciliation
        ? `wrote the reconciliation of sources to ${values.out}\n`
        : `wrote ${count} aid events to ${values.out}\n`,
    );
  }
  return 0;
}
