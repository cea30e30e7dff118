import { TruceError } from '@truce/core';
import { exportLedger, hasLogIdentity, Ledger, readLogIdentity } from '../ledger/index.js';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';
import { dataHelp, dataOption, withStore } from './ledger-options.js';

export const exportHelp = `Usage: truce export --out DIR [--data DIR]

Writes the log up to a fresh checkpoint into DIR, for anyone to check with \`truce verify DIR\`
offline: entries.jsonl (the signed envelopes in sequence order), checkpoints/<size> (the
signed checkpoints), cosignatures.jsonl, keys.json (the registry the key events build),
log.pub (the log's verifier key) and manifest.json (every file's size and SHA-256).

Options:
  --out DIR        the export folder (created; an earlier export there is replaced)
${dataHelp}
  -h, --help       show this help
`;

const options = { ...commonOptions, ...dataOption, out: { type: 'string' } } as const;

export async function exportCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('export', argv, options);
  if (values.help) {
    io.stdout.write(exportHelp);
    return 0;
  }
  requirePositionals('export', positionals, []);
  if (!values.out) throw new TruceError('USAGE', 'missing --out DIR; run `truce export --help`');
  const out = values.out;
  if (!hasLogIdentity(values.data)) readLogIdentity(values.data);
  const identity = readLogIdentity(values.data);
  const result = await withStore(values.data, io, async (store) => {
    // Sign a checkpoint of everything first, so that the export covers the whole log.
    const service = await Ledger.open(store, identity);
    await service.close();
    return exportLedger(store, identity, out);
  });
  io.stdout.write(
    `exported ${result.size} entries, ${result.checkpoints} checkpoints, ${result.cosignatures} cosignatures to ${out}\n`,
  );
  return 0;
}
