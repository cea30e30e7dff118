import { TruceError } from '@truce/core';
import { AuditLog } from '../audit/audit-log.js';
import {
  dataKeyEnv,
  destroyKeyFiles,
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
       truce persons erase --reason TEXT --yes-erase-all-person-data [options]
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
  erase        the end of the mandate: every person's data made unreadable for good. The
               erasure is recorded (audited as persons.erase), then the key files are
               overwritten and removed; with ${dataKeyEnv}, destroy that secret where it is kept.
               Backups of the key files must go too. Reads of the data answer
               PERSON_DATA_ERASED; the ledger (pseudonymous ids, commitments) still verifies;
               new data goes under a new key.

Options:
${dataHelp}
  -h, --help       show this help

Run it while the server is stopped when the data folder is PGlite (one process at a time).

${historyHelp}`;

const options = {
  ...commonOptions,
  ...dataOption,
  ...historyOptions,
  'yes-erase-all-person-data': { type: 'boolean' },
} as const;

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
  if (sub === 'erase') return eraseCommand(values, io);
  if (sub !== 'rotate-key' && sub !== 'reencrypt') {
    throw new TruceError(
      'USAGE',
      `truce persons knows history, rotate-key, reencrypt and erase${sub ? `, not "${sub}"` : ''}; run \`truce persons --help\``,
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

async function eraseCommand(
  values: { data: string; reason?: string | undefined; 'yes-erase-all-person-data'?: boolean },
  io: CliIo,
): Promise<number> {
  const reason = values.reason?.trim();
  if (!reason || !values['yes-erase-all-person-data']) {
    throw new TruceError(
      'USAGE',
      "erasing every person's data cannot be undone: give --reason TEXT and --yes-erase-all-person-data",
    );
  }
  const fromEnv = Boolean(io.env[dataKeyEnv]);
  await withStore(values.data, io, async (store) => {
    const db = sqlDriverOf(store);
    if (!db) throw new TruceError('USAGE', 'person data needs a PGlite or PostgreSQL store');
    const service = new PersonsService(
      db,
      new AuditLog(db),
      () => loadKek(values.data, io.env),
      () => io.now(),
    );
    const origin = { actor: { kind: 'anonymous' } as const, ip: 'cli' };
    const { keys, dataKeys, fields } = await service.erase(origin, reason);
    io.stderr.write(
      `recorded the erasure of ${keys} key-encryption key(s): ${dataKeys} data key(s), ${fields} field value(s)\n`,
    );
  });
  // After the record: if this stops here, running it again finishes the job.
  for (const path of destroyKeyFiles(values.data)) io.stderr.write(`destroyed ${path}\n`);
  if (fromEnv) {
    io.stderr.write(
      `${dataKeyEnv} is set: destroy that secret where it is kept (and its copies), then unset it\n`,
    );
  }
  io.stderr.write('backups of the key files, if any, must be destroyed too\n');
  return 0;
}
