import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../cli/io.js';
import { run } from '../cli/run.js';
import { buildServer } from '../http/server.js';
import { cookieHeader, exampleAgreement } from '../http/testing.js';
import { createLogIdentity, Ledger } from '../ledger/index.js';
import { sampleEvent } from '../ledger/testing.js';
import { openPostgresStore, sqlDriverOf } from './index.js';
import { postgresUrl } from './testing/fixtures.js';

/**
 * The least-privilege setup of docs/STORAGE.md on a real PostgreSQL (CI), through the commands
 * an operator runs: the database's owner migrates (`truce db migrate`) and grants (`truce db
 * grant`); the server's role serves with those privileges and nothing else, and cannot change
 * the record even if it tries.
 */
describe.skipIf(!postgresUrl)('least privilege on PostgreSQL', () => {
  it('runs the server as a role that owns nothing, which cannot change or remove a line', async () => {
    const suffix = randomBytes(4).toString('hex');
    const owner = `truce_owner_${suffix}`;
    const role = `truce_app_${suffix}`;
    const database = `truce_lp_${suffix}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    const as = (name: string) => {
      const url = new URL(postgresUrl!);
      url.username = name;
      url.password = '';
      url.pathname = `/${database}`;
      return url.toString();
    };
    const truce = async (argv: string[], databaseUrl: string) => {
      const io = memoryIo({ env: { DATABASE_URL: databaseUrl } });
      const code = await run(argv, io);
      return { code, stdout: io.output(), stderr: io.errors() };
    };
    const dataDir = mkdtempSync(join(tmpdir(), 'truce-roles-'));
    try {
      // As docs/STORAGE.md says: an owner of the database (and so of its public schema), and
      // a role for the server that may only connect.
      await admin.query(`CREATE ROLE ${owner} LOGIN`);
      await admin.query(`CREATE ROLE ${role} LOGIN`);
      await admin.query(`CREATE DATABASE ${database} OWNER ${owner}`);
      await admin.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
      await admin.query(`GRANT CONNECT ON DATABASE ${database} TO ${role}`);

      // The server's role cannot apply the migrations; the owner does, then grants.
      const early = await truce(['db', 'migrate'], as(role));
      expect(early.code).not.toBe(0);
      expect(early.stderr).toMatch(/truce db migrate/);
      const migrated = await truce(['db', 'migrate'], as(owner));
      expect(migrated.code, migrated.stderr).toBe(0);
      const granted = await truce(['db', 'grant', '--role', role], as(owner));
      expect(granted.code, granted.stderr).toBe(0);
      expect(granted.stdout).toContain(`${role} events: SELECT, INSERT\n`);
      expect(granted.stdout).toContain(`${role} audit_log: SELECT, INSERT\n`);
      expect(granted.stdout).toContain(`${role} schema_migrations: SELECT\n`);
      expect(granted.stdout).toContain(`${role} sessions: SELECT, INSERT, UPDATE, DELETE\n`);

      // The server, as the role: opens (no migration to apply), logs in, reports, audits.
      const store = await openPostgresStore({ connectionString: as(role) });
      const { identity } = createLogIdentity(dataDir, { origin: 'truce.test/log', operator: 'op' });
      const ledger = await Ledger.open(store, identity);
      const app = await buildServer({
        ledger,
        dataDir,
        logger: false,
        config: { secureCookies: false },
      });
      try {
        const system = { actor: { kind: 'anonymous' } as const, ip: 'test' };
        await app.truce.accounts.createOrganisation(system, {
          id: 'qatar',
          name: 'Qatar',
          kind: 'mediator',
        });
        const password = 'a long passphrase for this role test';
        await app.truce.accounts.createUser(system, {
          email: 'mediator@example.org',
          orgId: 'qatar',
          role: 'mediator',
          permissions: ['report', 'verify', 'publish'],
          password,
        });
        const login = await app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: 'mediator@example.org', password },
        });
        expect(login.statusCode, login.body).toBe(200);
        const headers = { cookie: cookieHeader(login), 'x-csrf-token': login.json().csrfToken };
        const upload = await app.inject({
          method: 'POST',
          url: '/api/v1/agreements',
          headers: { ...headers, 'content-type': 'application/yaml' },
          payload: exampleAgreement(),
        });
        expect(upload.statusCode, upload.body).toBe(201);
        const { source: _s, id: _i, reportedAt: _r, ...event } = sampleEvent('lp-1', 'qatar', 1);
        const reported = await app.inject({
          method: 'POST',
          url: '/api/v1/events',
          headers,
          payload: { event },
        });
        expect(reported.statusCode, reported.body).toBe(201);
        const verified = await app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers });
        expect(verified.json()).toMatchObject({ ok: true });

        // Whatever it tries, the role cannot change the record.
        const db = sqlDriverOf(store)!;
        for (const statement of [
          'UPDATE events SET org = org',
          'DELETE FROM events',
          'DELETE FROM audit_log',
          'TRUNCATE audit_log',
          'ALTER TABLE events DISABLE TRIGGER ALL',
          'DROP TRIGGER audit_log_insert_only ON audit_log',
          'CREATE TABLE intruder (x int)',
        ]) {
          await expect(db.exec(statement), statement).rejects.toThrow(
            /permission denied|must be owner/,
          );
        }
      } finally {
        await app.close();
        await ledger.close();
        await store.close();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
      for (const name of [role, owner]) {
        await admin.query(`DROP ROLE IF EXISTS ${name}`).catch(() => undefined);
      }
      await admin.end();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
