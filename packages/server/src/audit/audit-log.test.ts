import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteStore, type SqlDriver, type Store, sqlDriverOf } from '../store/index.js';
import { freshPgliteFolder } from '../store/testing/fixtures.js';
import { type AuditEntry, AuditLog } from './audit-log.js';

let dataDir: string;
let store: Store;
let db: SqlDriver;
/** Statements that wrote audit lines, counted on the real database connection. */
let inserts = 0;

beforeAll(async () => {
  dataDir = await freshPgliteFolder();
  store = await openPgliteStore({ dataDir, durability: 'process-crash' });
  const driver = sqlDriverOf(store)!;
  db = {
    ...driver,
    query: (text, params) => {
      if (text.includes('INSERT INTO audit_log')) inserts += 1;
      return driver.query(text, params);
    },
    exec: (sql) => driver.exec(sql),
    transaction: (work) => driver.transaction(work),
    observedFlushes: () => driver.observedFlushes(),
    close: () => driver.close(),
  };
});

afterAll(async () => {
  await store?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const line = (action: string): AuditEntry => ({
  at: '2025-01-21T09:00:00.000Z',
  actor: 'u1',
  actorOrg: 'qatar',
  action,
  target: undefined,
  outcome: 'success',
  ip: '127.0.0.1',
  details: { n: action },
});

describe('the audit log', () => {
  it('writes the lines of one turn in one statement, in the order they were written', async () => {
    const audit = new AuditLog(db);
    inserts = 0;
    const actions = ['a.1', 'a.2', 'a.3', 'a.4', 'a.5'];
    await Promise.all(actions.map((action) => audit.append(line(action))));
    expect(inserts).toBe(1);
    const records = await audit.list({ limit: 10 });
    expect(records.map((r) => r.action)).toEqual(actions);
    expect(records[0]).toMatchObject({ actor: 'u1', target: undefined, details: { n: 'a.1' } });
  });

  it('writes a line inside the transaction it is given, which can take it back', async () => {
    const audit = new AuditLog(db);
    await db
      .transaction(async (tx) => {
        await audit.append(line('rolled.back'), tx);
        throw new Error('the change failed');
      })
      .catch(() => undefined);
    expect(await audit.list({ limit: 10, action: 'rolled.back' })).toEqual([]);
  });
});
