import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../cli/audit.js';
import { memoryIo } from '../cli/io.js';
import { presentAuditRecord } from '../presenters/audit.js';
import { openPgliteStore, type SqlDriver, type Store, sqlDriverOf } from '../store/index.js';
import { freshPgliteFolder } from '../store/testing/fixtures.js';
import { auditChainGenesis, nextAuditHash, verifyAuditChain } from './audit-chain.js';
import { type AuditEntry, AuditLog } from './audit-log.js';

let dataDir: string;
let scratch: string;
let store: Store;
let db: SqlDriver;

beforeAll(async () => {
  dataDir = await freshPgliteFolder();
  scratch = mkdtempSync(join(tmpdir(), 'truce-audit-chain-'));
  store = await openPgliteStore({ dataDir, durability: 'process-crash' });
  db = sqlDriverOf(store)!;
}, 60_000);

afterAll(async () => {
  await store?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const line = (action: string, details: Record<string, unknown> = {}): AuditEntry => ({
  at: '2025-01-21T09:00:00.123Z',
  actor: 'u1',
  actorOrg: 'qatar',
  action,
  target: action === 'person.read' ? 'H-0001' : undefined,
  outcome: 'success',
  ip: undefined,
  details,
});

/** Edits the log behind the insert-only trigger, as someone with the database's keys could. */
async function tamper(sql: string): Promise<void> {
  await db.exec(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_insert_only;
    ${sql};
    ALTER TABLE audit_log ENABLE TRIGGER audit_log_insert_only;`);
}

describe('the audit chain', () => {
  it('the database numbers every line and chains its hash to the one before', async () => {
    const audit = new AuditLog(db);
    await Promise.all(['a.1', 'a.2', 'a.3'].map((action) => audit.append(line(action))));
    await audit.append(line('person.read', { reason: 'handover «check»', fields: ['name'] }));
    const records = await audit.list({ limit: 10 });
    expect(records.map((r) => r.chainSeq)).toEqual([1, 2, 3, 4]);
    // The database's hash is the one the specification in audit-chain.ts gives.
    let previous = auditChainGenesis;
    for (const record of records) {
      previous = nextAuditHash(previous, record);
      expect(record.hash).toBe(previous);
    }
    expect(await audit.verifyChain()).toEqual({
      ok: true,
      lines: 4,
      head: { chainSeq: 4, hash: records[3]!.hash },
    });
  });

  it('an edited line is found, though the insert-only trigger was switched off to edit it', async () => {
    const audit = new AuditLog(db);
    await tamper(`UPDATE audit_log SET actor = 'someone-else' WHERE chain_seq = 2`);
    const report = await audit.verifyChain(2);
    expect(report).toMatchObject({ ok: false, problem: { chainSeq: 2 } });
    expect(report.problem?.reason).toMatch(/does not match its hash/);
    await tamper(`UPDATE audit_log SET actor = 'u1' WHERE chain_seq = 2`);
    expect((await audit.verifyChain(2)).ok).toBe(true);
  });

  it('a removed line is found', async () => {
    const audit = new AuditLog(db);
    await audit.append(line('a.5'));
    await tamper(`DELETE FROM audit_log WHERE chain_seq = 3`);
    const report = await audit.verifyChain();
    expect(report).toMatchObject({ ok: false, problem: { chainSeq: 3 } });
    expect(report.problem?.reason).toMatch(/line 3 is missing/);
  });

  it('an export verifies offline with `truce audit verify`, and a rewritten one does not', async () => {
    const records = (await new AuditLog(db).list({ limit: 100 })).filter((r) => r.chainSeq < 3);
    const exported = records.map((r) => JSON.stringify(presentAuditRecord(r))).join('\n');
    const file = join(scratch, 'audit.jsonl');
    writeFileSync(file, `${exported}\n`);
    let io = memoryIo();
    expect(await auditCommand(['verify', file], io)).toBe(0);
    const head = `2:${records[1]!.hash}`;
    expect(io.output()).toContain(`head ${head}`);
    // The same history, checked against the head kept from before.
    io = memoryIo();
    expect(await auditCommand(['verify', file, '--head', head], io)).toBe(0);
    // A head from another history.
    io = memoryIo();
    expect(await auditCommand(['verify', file, '--head', `2:${'ab'.repeat(32)}`], io)).toBe(2);
    expect(io.errors()).toMatch(/rewritten/);
    // A detail changed in the file.
    writeFileSync(file, exported.replace('"n":', '"m":').replace('"actor":"u1"', '"actor":"u2"'));
    io = memoryIo();
    expect(await auditCommand(['verify', file], io)).toBe(2);
    expect(io.errors()).toMatch(/NOT verified: line 1 does not match/);
  });

  it('checks lines in chain order and reports one that appears twice', () => {
    const first = { chainSeq: 1, at: '2025-01-21T09:00:00.000Z', action: 'x', outcome: 'success' };
    const a = { ...first, actor: null, actorOrg: null, target: null, ip: null, details: {} };
    const hashA = nextAuditHash(auditChainGenesis, a);
    const b = { ...a, chainSeq: 2, action: 'y' };
    const hashB = nextAuditHash(hashA, b);
    const lines = [
      { ...b, hash: hashB },
      { ...a, hash: hashA },
    ];
    expect(verifyAuditChain(lines)).toMatchObject({ ok: true, lines: 2, head: { chainSeq: 2 } });
    expect(verifyAuditChain([...lines, { ...a, hash: hashA }]).problem?.reason).toMatch(/twice/);
    expect(verifyAuditChain([])).toEqual({ ok: true, lines: 0, head: null });
  });
});
