import { TruceError } from '@truce/core';
import { generateOrgKey } from '../ledger/index.js';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';

export const keysHelp = `Usage: truce keys generate --org ID [--out DIR]

Generates an Ed25519 key for an organisation: DIR/ID.key (PKCS#8 PEM, mode 0600: keep it
secret), DIR/ID.pub (its verifier key string, ID+<hash>+<base64>) and
DIR/ID.registration.json (the public key with a proof of possession: hand it to the log
operator for \`truce ledger register\`). Prints the key id, ID:<16 hex>, that envelopes signed with it carry.

Options:
  --org ID         the organisation (a slug such as qatar or icrc)
  --out DIR        where to write the files (default: the current folder)
  -h, --help       show this help
`;

const options = {
  ...commonOptions,
  org: { type: 'string' },
  out: { type: 'string', default: '.' },
} as const;

export async function keys(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('keys', argv, options);
  if (values.help) {
    io.stdout.write(keysHelp);
    return 0;
  }
  requirePositionals('keys', positionals, ['generate']);
  if (positionals[0] !== 'generate') {
    throw new TruceError('USAGE', `truce keys knows "generate", not "${positionals[0]}"`);
  }
  if (!values.org) throw new TruceError('USAGE', 'missing --org ID; run `truce keys --help`');
  const key = generateOrgKey(values.org, values.out);
  io.stdout.write(`${key.keyId}\n`);
  io.stderr.write(
    `wrote ${key.keyPath} (secret, mode 0600), ${key.pubPath} and ${key.requestPath}\n`,
  );
  return 0;
}
