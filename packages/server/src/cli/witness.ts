import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ledger, TruceError } from '@truce/core';
import {
  exportFiles,
  readPrivateKey,
  readWitnessState,
  verifyExport,
  witnessCheckpoint,
  writeWitnessState,
} from '../ledger/index.js';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';

export const witnessHelp = `Usage: truce witness --checkpoint DIR|FILE|URL --key FILE --state FILE [options]

Cosigns the log's latest checkpoint as a witness, only if it is consistent with the last
checkpoint this witness cosigned (kept in the state file): a log that shows different
histories to different parties is caught. Prints the cosignature line; hand it to the log
operator (\`truce ledger cosign LINE\`).

--checkpoint DIR   an export folder: verified in full, consistency computed from its entries
--checkpoint FILE  a signed checkpoint note (or URL to fetch one); after the first run it
                   needs --proof, the consistency proof from the remembered size

Options:
  --key FILE       the witness organisation's private key (PKCS#8 PEM, from \`truce keys\`)
  --org ID         the organisation (default: the key file's name without .key)
  --state FILE     where the last cosigned checkpoint is remembered (created on first run)
  --log-key VKEY   the log's verifier key (or a file holding it); needed on the first run
                   unless DIR holds log.pub, then remembered in the state file
  --proof FILE     consistency proof: one base64 hash per line
  --out FILE       also write the cosignature line to FILE
  -h, --help       show this help

Exit status: 0 when cosigned; 2 when the checkpoint is refused or the input is unusable.
`;

const options = {
  ...commonOptions,
  checkpoint: { type: 'string' },
  key: { type: 'string' },
  org: { type: 'string' },
  state: { type: 'string' },
  'log-key': { type: 'string' },
  proof: { type: 'string' },
  out: { type: 'string' },
} as const;

function keyText(value: string): string {
  return existsSync(value) ? readFileSync(value, 'utf8').trim() : value.trim();
}

export async function witness(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('witness', argv, options);
  if (values.help) {
    io.stdout.write(witnessHelp);
    return 0;
  }
  requirePositionals('witness', positionals, []);
  const { checkpoint: source, key: keyPath, state: statePath } = values;
  if (!source || !keyPath || !statePath) {
    throw new TruceError(
      'USAGE',
      'witness needs --checkpoint, --key and --state; run `truce witness --help`',
    );
  }
  const org = values.org ?? basename(keyPath).replace(/\.key$/, '');
  const signer = ledger.noteSigner(
    org,
    readPrivateKey(keyPath),
    ledger.signatureTypes.cosignatureV1,
  );
  const state = readWitnessState(statePath);
  let logKey = values['log-key'] === undefined ? state?.logKey : keyText(values['log-key']);

  let note: string;
  let proof: Uint8Array[] | undefined;
  if (/^https?:\/\//.test(source)) {
    const response = await fetch(source);
    if (!response.ok) throw new TruceError('NOT_FOUND', `${source} answered ${response.status}`);
    note = await response.text();
  } else if (existsSync(source) && statSync(source).isDirectory()) {
    logKey ??= readFileSync(join(source, exportFiles.logKey), 'utf8').trim();
    const verified = verifyExport(source, { logKey });
    if (!verified.ok) {
      throw new TruceError(
        'LEDGER_PROOF_INVALID',
        `refusing to cosign: the export fails at ${verified.position}: ${verified.reason}`,
      );
    }
    note = readFileSync(join(source, 'checkpoints', String(verified.size)), 'utf8');
    if (state && state.size < verified.size) {
      const lines = readFileSync(join(source, exportFiles.entries), 'utf8')
        .slice(0, -1)
        .split('\n');
      const tree = ledger.MemoryMerkleTree.of(lines.map((line) => Buffer.from(line, 'utf8')));
      proof = tree.consistencyProof(state.size, verified.size);
    }
  } else {
    try {
      note = readFileSync(source, 'utf8');
    } catch {
      throw new TruceError('NOT_FOUND', `cannot read the checkpoint ${source}`);
    }
  }
  if (proof === undefined && values.proof !== undefined) {
    proof = readFileSync(values.proof, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const hash = ledger.fromBase64(line.trim());
        if (!hash) throw new TruceError('USAGE', `${values.proof}: not a base64 hash: ${line}`);
        return hash;
      });
  }
  if (logKey === undefined) {
    throw new TruceError('USAGE', 'the first run needs --log-key: the log verifier key you trust');
  }
  const result = witnessCheckpoint({
    note,
    ...(proof ? { proof } : {}),
    logKey,
    state,
    witness: signer,
    timestamp: Math.floor(io.now().getTime() / 1000),
  });
  writeWitnessState(statePath, result.state);
  if (values.out) writeFileSync(values.out, result.line);
  io.stdout.write(result.line);
  io.stderr.write(
    `cosigned ${result.checkpoint.origin} at size ${result.checkpoint.size} as ${org}\n`,
  );
  return 0;
}
