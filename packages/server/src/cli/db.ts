import { TruceError } from '@truce/core';
import { migrations, sqlDriverOf } from '../store/index.js';
import { grantLeastPrivilege } from '../store/roles.js';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';
import { dataHelp, dataOption, withStore } from './ledger-options.js';

export const dbHelp = `Usage: truce db migrate [--data DIR]
       truce db grant --role NAME

migrate  applies the migrations this truce has and the database lacks, then exits (truce
         serve does the same at start; with the least-privilege setup below its role cannot,
         so the owner runs this before starting a new version).
grant    gives the role the server connects as what it needs on the database of DATABASE_URL
         and nothing more: SELECT and INSERT on the insert-only tables (the ledger, the audit
         log, agreement versions, person data), SELECT on schema_migrations, SELECT, INSERT,
         UPDATE and DELETE on the others. Run it as the schema's owner after every migrate.
         Not owning the tables, the server's role cannot alter, truncate or drop them, nor
         disable the triggers that keep them insert-only (docs/STORAGE.md, "Roles").

Options:
  --role NAME      the server's PostgreSQL role (grant)
${dataHelp}
  -h, --help       show this help
`;

const options = { ...commonOptions, ...dataOption, role: { type: 'string' } } as const;

export async function db(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('db', argv, options);
  if (values.help) {
    io.stdout.write(dbHelp);
    return 0;
  }
  requirePositionals('db', positionals, ['migrate']);
  const command = positionals[0];
  if (command !== 'migrate' && command !== 'grant') {
    throw new TruceError('USAGE', `truce db knows "migrate" and "grant", not "${command}"`);
  }
  if (command === 'grant') {
    if (!io.env.DATABASE_URL) {
      throw new TruceError(
        'USAGE',
        'truce db grant is for PostgreSQL: set DATABASE_URL (the embedded database has no roles)',
      );
    }
    if (!values.role) throw new TruceError('USAGE', 'missing --role NAME; run `truce db --help`');
  }
  return withStore(values.data, io, async (store) => {
    const newest = Math.max(...migrations.map((migration) => migration.version));
    if (command === 'migrate') {
      io.stdout.write(`the ${store.kind} database is at schema version ${newest}\n`);
      return 0;
    }
    const driver = sqlDriverOf(store);
    if (!driver) throw new TruceError('USAGE', 'this store has no SQL database');
    const grants = await grantLeastPrivilege(driver, 'public', values.role!);
    for (const { table, privileges } of grants) {
      io.stdout.write(`${values.role} ${table}: ${privileges}\n`);
    }
    return 0;
  });
}
