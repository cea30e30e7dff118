import { existsSync, readFileSync } from 'node:fs';
import { type VerifyOptions, verifyExport } from '../ledger/index.js';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';

export const verifyHelp = `Usage: truce verify DIR [--log-key VKEY|FILE] [--json]

Checks an export offline, from the folder alone: every envelope's signature with the keys
registered at that point of the log, every event against the schema, the Merkle tree
recomputed from the entries, each checkpoint's signature and root, consistency between
successive checkpoints, that the last checkpoint covers the whole export, every
cosignature, keys.json and the manifest's hashes.

Options:
  --log-key VKEY   the log's verifier key as you obtained it from another channel (or a
                   file holding it); without it, the export's own log.pub is trusted
  --json           print the result as JSON
  -h, --help       show this help

Exit status: 0 when everything holds; 1 with the first failing position and the reason;
2 when the folder cannot be read.
`;

const options = {
  ...commonOptions,
  'log-key': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export async function verify(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('verify', argv, options);
  if (values.help) {
    io.stdout.write(verifyHelp);
    return 0;
  }
  requirePositionals('verify', positionals, ['DIR']);
  const dir = positionals[0] as string;
  const pinned = values['log-key'];
  const verifyOptions: VerifyOptions = { onProgress: progressReporter(io, values.json === true) };
  if (pinned !== undefined) {
    verifyOptions.logKey = existsSync(pinned) ? readFileSync(pinned, 'utf8').trim() : pinned;
  }
  const result = verifyExport(dir, verifyOptions);
  if (io.stdout.isTTY && !values.json) io.stderr.write('\r\x1b[K');
  if (values.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return result.ok ? 0 : 1;
  }
  if (!result.ok) {
    io.stdout.write(`FAILED at ${result.position}: ${result.reason}\n`);
    return 1;
  }
  io.stdout.write(
    [
      `OK ${dir}: ${result.size} entries, ${result.checkpoints.length} checkpoints, ${result.keys} keys, ${result.cosignatures} cosignatures`,
      `log ${result.origin}, root ${result.rootHash}`,
      `log key ${result.logKey}${result.pinned ? ' (pinned)' : ' (from the export itself: pin it with --log-key to rule out a substituted log)'}`,
      `latest checkpoint cosigned by: ${result.latestCosigners.join(', ') || 'nobody yet'}`,
      '',
    ].join('\n'),
  );
  return 0;
}

/** A bar on a terminal, a few plain lines otherwise (logs, CI). */
function progressReporter(
  io: CliIo,
  quiet: boolean,
): (stage: string, done: number, total: number) => void {
  if (quiet) return () => {};
  if (io.stdout.isTTY) {
    const width = 30;
    return (stage, done, total) => {
      const filled = total === 0 ? width : Math.round((done / total) * width);
      io.stderr.write(
        `\r\x1b[K${stage.padEnd(12)}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`,
      );
    };
  }
  return (stage, done, total) => {
    if (done === total) io.stderr.write(`${stage}: ${done}/${total} checked\n`);
  };
}
