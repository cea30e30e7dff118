import { TruceError } from '@truce/core';
import { AuditLog } from '../audit/audit-log.js';
import {
  dataKeyEnv,
  installKeyFile,
  kekFromSecret,
  loadKek,
  newKekSecret,
} from '../persons/data-keys.js';
import { PersonsService } from '../persons/persons-service.js';
import { sqlDriverOf } from '../store/index.js';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';
import { dataHelp, dataOption, withStore } from './ledger-options.js';
import { historyCommand, historyHelp, historyOptions } from './persons-history.js';

export const personsHelp = `Usage: truce persons rotate-key|reencrypt [options]
       truce persons history ID --user EMAIL --reason TEXT [--fields F,F…] [options]

Keys of the personal data of persons in exchanges (names, dates of birth, photos, identity
numbers), stored encrypted per field. The key-encryption key is ${dataKeyEnv} when set, else the
data folder's person-data.key (made on first use, mode 0600).

  rotate-key   wrap every data key under a new key-encryption key. With the key file: a new
               file is written (the old one is kept as person-data.key.old until you delete
               it). With ${dataKeyEnv}: the new secret is read from TRUCE_NEW_DATA_KEY; set
               ${dataKeyEnv} to it before the next start.
  reencrypt    a new data key, and every field's latest value sealed again under it (a new
               version of each field; the ledger's commitments stay valid).

Options:
${dataHelp}
  -h, --help       show this help

Run it while the server is stopped when the data folder is PGlite (one process at a time).

${historyHelp}`;

const options = { ...commonOptions, ...dataOption, ...historyOptions } as const;

export async function personsCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('persons', argv, options);
  if (values.help) {
    io.stdout.write(personsHelp);
    return 0;
  }
  const [sub, ...rest] = positionals;
  if (sub === 'history') {
    requirePositionals('persons history', rest, ['ID']);
    return historyCommand(rest[0]!, values, io);
  }
  if (sub !== 'rotate-key' && sub !== 'reencrypt') {
    throw new TruceError(
      'USAGE',
      `truce persons knows history, rotate-key and reencrypt${sub ? `, not "${sub}"` : ''}; run \`truce persons --help\``,
    );
  }
  requirePositionals(`persons ${sub}`, rest, []);
  const dataDir = values.data;
  const current = loadKek(dataDir, io.env);
  return withStore(dataDir, io, async (store) => {
    const db = sqlDriverOf(store);
    if (!db) throw new TruceError('USAGE', 'person data needs a PGlite or PostgreSQL store');
    const service = new PersonsService(db, new AuditLog(db), current, () => io.now());
    if (sub === 'reencrypt') {
      const { dataKey, fields } = await service.reencrypt();
      io.stderr.write(`re-encrypted ${fields} field values under the new data key ${dataKey}\n`);
      return 0;
    }
    if (current.origin === 'env') {
      const next = io.env.TRUCE_NEW_DATA_KEY;
      if (!next) {
        throw new TruceError(
          'USAGE',
          `${dataKeyEnv} is set: put the new secret in TRUCE_NEW_DATA_KEY (openssl rand -base64 32) and run again`,
        );
      }
      const count = await service.rewrap(kekFromSecret(next, 'env'));
      io.stderr.write(
        `wrapped ${count} data keys under the new key; set ${dataKeyEnv} to the new secret before the next start\n`,
      );
      return 0;
    }
    const secret = newKekSecret();
    const count = await service.rewrap(kekFromSecret(secret, 'file'));
    installKeyFile(dataDir, secret);
    io.stderr.write(
      `wrapped ${count} data keys under a new key file; the old one is person-data.key.old: delete it once backups no longer need it\n`,
    );
    return 0;
  });
}
