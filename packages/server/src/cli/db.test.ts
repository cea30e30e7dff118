import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../store/index.js';
import { memoryIo } from './io.js';
import { run } from './run.js';

/** `truce db` on the embedded database (the PostgreSQL roles: store/roles.test.ts). */

const scratch = mkdtempSync(join(tmpdir(), 'truce-cli-db-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function truce(argv: string[], env: Record<string, string> = {}) {
  const io = memoryIo({ env });
  const code = await run(argv, io);
  return { code, stdout: io.output(), stderr: io.errors() };
}

describe('truce db', () => {
  it('migrates a data folder to the newest schema version', async () => {
    const newest = Math.max(...migrations.map((migration) => migration.version));
    const migrated = await truce(['db', 'migrate', '--data', join(scratch, 'data')]);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toBe(`the pglite database is at schema version ${newest}\n`);
  }, 60_000);

  it('grants only on PostgreSQL, to a role it is given', async () => {
    const embedded = await truce(['db', 'grant', '--role', 'truce_app']);
    expect(embedded.code).not.toBe(0);
    expect(embedded.stderr).toMatch(/DATABASE_URL/);
    const nameless = await truce(['db', 'grant'], { DATABASE_URL: 'postgres://nowhere/truce' });
    expect(nameless.stderr).toMatch(/--role/);
    expect((await truce(['db', 'drop'])).stderr).toMatch(/"migrate" and "grant"/);
  });
});
