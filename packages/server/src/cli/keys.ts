import { TruceError } from '@truce/core';
import { OrgKeys } from '../accounts/org-keys.js';
import { generateOrgKey, Ledger, readLogIdentity } from '../ledger/index.js';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';
import { dataHelp, dataOption, withStore } from './ledger-options.js';

export const keysHelp = `Usage: truce keys generate --org ID [--out DIR]
       truce keys list [--data DIR] [--json]
       truce keys rotate --org ID [--reason TEXT] [--data DIR]

generate  an Ed25519 key for an organisation: DIR/ID.key (PKCS#8 PEM, mode 0600: keep it
          secret), DIR/ID.pub (its verifier key string, ID+<hash>+<base64>) and
          DIR/ID.registration.json (the public key with a proof of possession: hand it to the
          log operator for \`truce ledger register\`). Prints the key id, ID:<16 hex>, that
          envelopes signed with it carry.
list      the inventory of the log's keys: every key registered, its organisation, where
          and by whom it was registered, from when it is valid, whether and why it was
          revoked, and who holds its private key (this server for the log key and the
          organisation keys in DATA/org-keys, else the organisation itself).
rotate    replaces the key this server holds for an organisation (one that reports through
          the web forms): a new key, registered by the operator, then the old one revoked by
          the operator with the reason (default "rotated") and its private key deleted. Run it
          on a schedule, or at once when the key may have leaked. Resumes if interrupted.

Options:
  --org ID         the organisation (a slug such as qatar or icrc)
  --out DIR        where to write the files (generate; default: the current folder)
  --reason TEXT    why the old key is revoked (rotate)
  --json           print the inventory as JSON (list)
${dataHelp}
  -h, --help       show this help
`;

const options = {
  ...commonOptions,
  ...dataOption,
  org: { type: 'string' },
  out: { type: 'string', default: '.' },
  reason: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export async function keys(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('keys', argv, options);
  if (values.help) {
    io.stdout.write(keysHelp);
    return 0;
  }
  requirePositionals('keys', positionals, ['generate']);
  if (positionals[0] === 'list') return listKeys(values.data, values.json === true, io);
  if (positionals[0] === 'rotate') {
    if (!values.org) throw new TruceError('USAGE', 'missing --org ID; run `truce keys --help`');
    return rotateKey(values.data, values.org, values.reason, io);
  }
  if (positionals[0] !== 'generate') {
    throw new TruceError(
      'USAGE',
      `truce keys knows "generate", "list" and "rotate", not "${positionals[0]}"`,
    );
  }
  if (!values.org) throw new TruceError('USAGE', 'missing --org ID; run `truce keys --help`');
  const key = generateOrgKey(values.org, values.out);
  io.stdout.write(`${key.keyId}\n`);
  io.stderr.write(
    `wrote ${key.keyPath} (secret, mode 0600), ${key.pubPath} and ${key.requestPath}\n`,
  );
  return 0;
}

/** One line of the key inventory. */
export interface KeyInventoryLine {
  keyId: string;
  org: string;
  registeredAt: number;
  registeredBy: string;
  validFrom?: string;
  revokedAt?: number;
  revokedBy?: string;
  reason?: string;
  /** Who holds the private key: `server (log key)`, `server (org-keys)` or the organisation. */
  heldBy: string;
}

async function listKeys(dataDir: string, json: boolean, io: CliIo): Promise<number> {
  const identity = readLogIdentity(dataDir);
  const lines = await withStore(dataDir, io, async (store) => {
    const service = await Ledger.open(store, identity);
    try {
      const held = new OrgKeys(dataDir, service).heldKeyIds();
      return service.registry.listing().map(
        (key): KeyInventoryLine => ({
          ...key,
          heldBy:
            key.keyId === identity.keyId
              ? 'server (log key)'
              : held.has(key.keyId)
                ? 'server (org-keys)'
                : key.org,
        }),
      );
    } finally {
      await service.close();
    }
  });
  if (json) {
    io.stdout.write(`${JSON.stringify(lines, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(
    'key id\torganisation\tregistered at\tby\tvalid from\trevoked\tprivate key held by\n',
  );
  for (const line of lines) {
    const revoked =
      line.revokedAt === undefined
        ? '-'
        : `at ${line.revokedAt} by ${line.revokedBy}: ${line.reason ?? ''}`;
    io.stdout.write(
      `${line.keyId}\t${line.org}\t${line.registeredAt}\t${line.registeredBy}\t${line.validFrom ?? '-'}\t${revoked}\t${line.heldBy}\n`,
    );
  }
  return 0;
}

async function rotateKey(
  dataDir: string,
  org: string,
  reason: string | undefined,
  io: CliIo,
): Promise<number> {
  const identity = readLogIdentity(dataDir);
  const result = await withStore(dataDir, io, async (store) => {
    const service = await Ledger.open(store, identity, { now: () => io.now() });
    try {
      return await new OrgKeys(dataDir, service).rotate(org, io.now(), reason);
    } finally {
      await service.close();
    }
  });
  io.stdout.write(`${result.registered}\n`);
  io.stderr.write(
    `registered ${result.registered}${result.revoked ? ` and revoked ${result.revoked}` : ''} for ${org}\n`,
  );
  return 0;
}
