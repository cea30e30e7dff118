import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { originOfUser, testUser } from '../accounts/testing.js';
import { AuditLog } from '../audit/audit-log.js';
import { loadKek } from '../persons/data-keys.js';
import { PersonsService } from '../persons/persons-service.js';
import { openPgliteStore, sqlDriverOf } from '../store/index.js';
import { freshPgliteFolder } from '../store/testing/fixtures.js';
import { memoryIo } from './io.js';
import { run } from './run.js';

const example = (path: string) =>
  fileURLToPath(new URL(`../../../../examples/${path}`, import.meta.url));
const agreement = example('agreements/gaza-2025.yaml');
const base = example('scenarios/gaza-2025-synthetic.jsonl');
const supplement = example('scenarios/gaza-2025-exchange-synthetic.jsonl');
const scratch = mkdtempSync(join(tmpdir(), 'truce-cli-exchanges-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function truce(argv: string[], env: Record<string, string> = {}) {
  const io = memoryIo({ env, now: new Date('2025-06-01T10:00:00Z') });
  const code = await run(argv, io);
  return { code, stdout: io.output(), stderr: io.errors() };
}

describe('truce exchanges', () => {
  it('sheet: the Day-33 handovers, the wrong remains shown as not identified on that day', async () => {
    const result = await truce(['exchanges', 'sheet', agreement, base, supplement, '--day', '33']);
    expect(result.code).toBe(0);
    const rows = result.stdout.trim().split('\r\n');
    expect(rows[0]).toMatch(/^person,category,living,held_by/);
    expect(rows.slice(1).map((r) => r.split(',')[0])).toEqual([
      'H-0020',
      'H-0021',
      'H-0022',
      'H-0023',
    ]);
    expect(rows[4]).toContain(',not_identified,');
    expect(rows[1]).toContain(',kerem-shalom,hamas,');
  });

  it('register: counts by status and every issue; exit 3 on an unknown person', async () => {
    const ok = await truce(['exchanges', 'register', agreement, base, supplement]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('EXCHANGE_REMAINS_NOT_IDENTIFIED e-000931');
    const bad = join(scratch, 'bad.jsonl');
    writeFileSync(
      bad,
      `${JSON.stringify({ id: 'x-bad', type: 'handover_step', occurredAt: '2025-01-20T10:00:00+02:00', reportedAt: '2025-01-20T10:00:00+02:00', source: 'icrc', payload: { persons: ['H-9999'], step: 'received', place: 'kerem-shalom' } })}\n`,
    );
    const unknown = await truce(['exchanges', 'register', agreement, base, supplement, bad]);
    expect(unknown.code).toBe(3);
    expect(unknown.stdout).toContain('error EXCHANGE_PERSON_UNKNOWN x-bad');
  });
});

describe('truce persons', () => {
  it('rotate-key re-wraps the data keys under a new key file; the data still reads', async () => {
    const data = await freshPgliteFolder();
    const open = async () => {
      const store = await openPgliteStore({ dataDir: data, durability: 'process-crash' });
      const db = sqlDriverOf(store);
      if (!db) throw new Error('no sql');
      return { store, db };
    };
    const agency = originOfUser(
      testUser({ id: 'u-1', orgId: 'icrc', role: 'agency', permissions: ['report'] }),
    );
    {
      const { store, db } = await open();
      const persons = new PersonsService(db, new AuditLog(db), loadKek(data, {}), () => new Date());
      await persons.record(agency, 'H-0001', { name: 'Test Person 0001' });
      await store.close();
    }
    const before = readFileSync(join(data, 'person-data.key'), 'utf8');
    const rotated = await truce(['persons', 'rotate-key', '--data', data]);
    expect(rotated.code).toBe(0);
    expect(rotated.stderr).toContain('wrapped 1 data keys');
    expect(readFileSync(join(data, 'person-data.key'), 'utf8')).not.toBe(before);
    const reencrypted = await truce(['persons', 'reencrypt', '--data', data]);
    expect(reencrypted.stderr).toContain('re-encrypted 1 field values');
    const { store, db } = await open();
    const persons = new PersonsService(db, new AuditLog(db), loadKek(data, {}), () => new Date());
    const read = await persons.decrypt(agency, 'H-0001', ['name'], 'check after the rotation');
    expect(read.values.name).toBe('Test Person 0001');
    await store.close();
    rmSync(data, { recursive: true, force: true });
  });
});
