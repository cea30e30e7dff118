import { TruceError } from '@truce/core';
import { AccountsRepository } from '../accounts/accounts-repository.js';
import { AccountsService } from '../accounts/accounts-service.js';
import { BreachedPasswords } from '../accounts/breached-passwords.js';
import {
  type OrganisationKind,
  organisationKinds,
  type Permission,
  permissions,
  type Role,
  roles,
} from '../accounts/model.js';
import { AuditLog } from '../audit/audit-log.js';
import { defaultServerConfig } from '../http/config.js';
import { sqlDriverOf } from '../store/index.js';
import { commonOptions, parseCommandArgs, requirePositionals } from './arguments.js';
import type { CliIo } from './io.js';
import { dataHelp, dataOption, withStore } from './ledger-options.js';

export const usersHelp = `Usage: truce users create --org ID --role ROLE --email EMAIL [options]

Creates a user, and its organisation when it does not exist yet. This is how the first
mediator comes to be; after that, mediators create users through the API (POST /api/v1/users).
The password is read from TRUCE_PASSWORD, else from standard input (one line); it is never
an argument, so it stays out of shell history and process lists. 12 to 128 characters.

Options:
  --org ID            the organisation (e.g. qatar, un-ocha)
  --org-name NAME     its name, when it is created (default: the id)
  --org-kind KIND     ${organisationKinds.join(', ')} (default: mediator for mediators)
  --role ROLE         ${roles.join(', ')}
  --email EMAIL       the login
  --permissions LIST  comma-separated: ${permissions.join(', ')} (default none; a mediator
                      can change them later, except their own)
${dataHelp}
  -h, --help          show this help

Run it while the server is stopped when the data folder is PGlite (one process at a time).
`;

const options = {
  ...commonOptions,
  ...dataOption,
  org: { type: 'string' },
  'org-name': { type: 'string' },
  'org-kind': { type: 'string' },
  role: { type: 'string' },
  email: { type: 'string' },
  permissions: { type: 'string' },
} as const;

function oneOf<T extends string>(
  what: string,
  value: string | undefined,
  allowed: readonly T[],
): T {
  if (value === undefined || !(allowed as readonly string[]).includes(value)) {
    throw new TruceError(
      'USAGE',
      `${what} is one of ${allowed.join(', ')}${value === undefined ? '' : `, not "${value}"`}`,
    );
  }
  return value as T;
}

export async function usersCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('users', argv, options);
  if (values.help) {
    io.stdout.write(usersHelp);
    return 0;
  }
  const [sub, ...rest] = positionals;
  if (sub !== 'create') {
    throw new TruceError(
      'USAGE',
      `truce users knows create${sub ? `, not "${sub}"` : ''}; run \`truce users --help\``,
    );
  }
  requirePositionals('users create', rest, []);
  if (!values.org) throw new TruceError('USAGE', 'missing --org ID; run `truce users --help`');
  if (!values.email) throw new TruceError('USAGE', 'missing --email; run `truce users --help`');
  const role = oneOf<Role>('--role', values.role, roles);
  const granted = (values.permissions ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => oneOf<Permission>('each of --permissions', p, permissions));
  const password = (io.env.TRUCE_PASSWORD ?? (await io.readStdin())).replace(/\r?\n$/, '');
  const org = values.org;
  const email = values.email;
  const user = await withStore(values.data, io, async (store) => {
    const db = sqlDriverOf(store);
    if (!db) throw new TruceError('USAGE', 'accounts need a PGlite or PostgreSQL store');
    const repo = new AccountsRepository(db);
    const corpus = io.env.TRUCE_BREACHED_PASSWORDS?.trim();
    const accounts = new AccountsService(repo, new AuditLog(db), {
      clock: () => io.now(),
      ...defaultServerConfig,
      // The first mediator's password meets the same rules as the server's.
      breachedPasswords: corpus ? BreachedPasswords.open(corpus) : undefined,
    });
    const origin = { actor: { kind: 'anonymous' } as const, ip: 'cli' };
    if (!(await repo.organisation(org))) {
      const kind = oneOf<OrganisationKind>(
        '--org-kind',
        values['org-kind'] ?? (role === 'mediator' ? 'mediator' : undefined),
        organisationKinds,
      );
      await accounts.createOrganisation(origin, { id: org, name: values['org-name'] ?? org, kind });
    }
    return accounts.createUser(origin, { email, orgId: org, role, permissions: granted, password });
  });
  io.stdout.write(`${user.id}\n`);
  io.stderr.write(
    `created ${user.email} (${user.role} of ${user.orgId}${user.permissions.length ? `; ${user.permissions.join(', ')}` : ''})\n`,
  );
  return 0;
}
