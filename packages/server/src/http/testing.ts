/**
 * Shared by the HTTP tests: a real server on a fresh PGlite data folder (or, when
 * TRUCE_TEST_DATABASE_URL is set, on a fresh schema of that PostgreSQL), a user of every role
 * (with every permission the role can hold), and their session cookies and CSRF tokens.
 */
import { readFileSync, rmSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import type { Role } from '../accounts/model.js';
import { roles } from '../accounts/model.js';
import type { Mailer } from '../alerts/smtp.js';
import { createLogIdentity, Ledger } from '../ledger/index.js';
import { grantablePermissions } from '../policies/matrix.js';
import { openPgliteStore, openPostgresStore, type Store } from '../store/index.js';
import {
  freshPgliteFolder,
  freshSchemaName,
  postgresQuery,
  postgresUrl,
  temporaryFolder,
} from '../store/testing/fixtures.js';
import type { ServerConfig } from './config.js';
import type { TruceApp } from './context.js';
import { buildServer } from './server.js';

export const testPassword = 'a long enough test passphrase';

export interface Credentials {
  userId: string;
  email: string;
  cookie: string;
  csrfToken: string;
}

export interface TestServer {
  app: TruceApp;
  /** Where the log key and server-held organisation keys live (and PGlite's database). */
  dataDir: string;
  /** Which database the server runs on. */
  database: 'pglite' | 'postgres';
  /** Moves the server's clock (sessions, tokens, lockout). */
  advance(milliseconds: number): void;
  now(): Date;
  as: Record<Role, Credentials>;
  /** Headers that authenticate as `role` (with the CSRF header for unsafe methods). */
  headers(role: Role | 'anonymous'): Record<string, string>;
  login(email: string, password: string): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

const orgOf: Record<
  Role,
  { id: string; kind: 'mediator' | 'party' | 'agency' | 'monitor' | 'observer' }
> = {
  mediator: { id: 'qatar', kind: 'mediator' },
  party_liaison: { id: 'israel', kind: 'party' },
  agency: { id: 'un-ocha', kind: 'agency' },
  monitor: { id: 'monitor-cell', kind: 'monitor' },
  observer: { id: 'press', kind: 'observer' },
};

export const exampleAgreement = () =>
  readFileSync(new URL('../../../../examples/agreements/gaza-2025.yaml', import.meta.url), 'utf8');

export function cookieHeader(response: LightMyRequestResponse): string {
  return response.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

export async function startTestServer(
  options: { config?: Partial<ServerConfig>; start?: Date; mailer?: Mailer } = {},
): Promise<TestServer> {
  const database = await openTestDatabase();
  const { dataDir, store } = database;
  let now = (options.start ?? new Date('2025-01-21T09:00:00Z')).getTime();
  const clock = () => new Date(now);
  const { identity } = createLogIdentity(dataDir, {
    origin: 'truce.test/log',
    operator: 'operator',
  });
  const ledger = await Ledger.open(store, identity, { now: clock });
  const app = await buildServer({
    ledger,
    dataDir,
    clock,
    logger: false,
    config: { secureCookies: false, streamPollMs: 20, ...options.config },
    mailer: options.mailer,
  });
  const system = { actor: { kind: 'anonymous' } as const, ip: 'test' };
  const as = {} as Record<Role, Credentials>;
  const login = (email: string, password: string) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  for (const role of roles) {
    const org = orgOf[role];
    await app.truce.accounts.createOrganisation(system, {
      id: org.id,
      name: org.id,
      kind: org.kind,
    });
    const email = `${role}@example.org`;
    const user = await app.truce.accounts.createUser(system, {
      email,
      orgId: org.id,
      role,
      permissions: [...grantablePermissions[role]],
      password: testPassword,
    });
    const response = await login(email, testPassword);
    if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`);
    as[role] = {
      userId: user.id,
      email,
      cookie: cookieHeader(response),
      csrfToken: (response.json() as { csrfToken: string }).csrfToken,
    };
  }
  return {
    app,
    dataDir,
    database: database.kind,
    as,
    advance: (milliseconds) => {
      now += milliseconds;
    },
    now: clock,
    login,
    headers: (role): Record<string, string> =>
      role === 'anonymous' ? {} : { cookie: as[role].cookie, 'x-csrf-token': as[role].csrfToken },
    close: async () => {
      await app.close();
      await ledger.close();
      await database.dispose();
    },
  };
}

interface TestDatabase {
  kind: 'pglite' | 'postgres';
  dataDir: string;
  store: Store;
  /** Closes the store and removes its data: the folder, and the schema on PostgreSQL. */
  dispose(): Promise<void>;
}

/** PGlite by default; a fresh schema on TRUCE_TEST_DATABASE_URL when it is set (CI). */
async function openTestDatabase(): Promise<TestDatabase> {
  if (postgresUrl === undefined) {
    const dataDir = await freshPgliteFolder();
    const store = await openPgliteStore({ dataDir, durability: 'process-crash' });
    return {
      kind: 'pglite',
      dataDir,
      store,
      dispose: async () => {
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const schema = freshSchemaName();
  const dataDir = temporaryFolder('http');
  const store = await openPostgresStore({ connectionString: postgresUrl, schema });
  return {
    kind: 'postgres',
    dataDir,
    store,
    dispose: async () => {
      try {
        await store.close();
      } finally {
        await postgresQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
