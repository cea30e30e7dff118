import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TruceError } from '@truce/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../cli/audit.js';
import { memoryIo } from '../cli/io.js';
import { startTestServer, type TestServer, testPassword } from '../http/testing.js';
import { exportLedger } from '../ledger/export-ledger.js';
import { Ledger } from '../ledger/ledger-service.js';
import { newKey, registration, signedEvent, testIdentity } from '../ledger/testing.js';
import { presentAuditRecord } from '../presenters/audit.js';
import { openMemoryStore } from '../store/index.js';
import { type AuditAnchorRecord, anchorsIn, checkAnchors } from './audit-anchor.js';
import { auditChainGenesis, nextAuditHash } from './audit-chain.js';

const anchor = (chainSeq: number, hash: string, seq: number, at = '2025-01-21T09:00:00Z') =>
  ({ chainSeq, hash, seq, at }) satisfies AuditAnchorRecord;

describe('anchors compared with audit lines', () => {
  const hashes = new Map([
    [1, 'a'.repeat(64)],
    [2, 'b'.repeat(64)],
    [3, 'c'.repeat(64)],
  ]);
  const last = { chainSeq: 3, at: '2025-01-21T10:00:00Z' };

  it('match when every anchored line has the anchored hash', () => {
    expect(
      checkAnchors(
        [anchor(1, 'a'.repeat(64), 5), anchor(3, 'c'.repeat(64), 9)],
        (n) => hashes.get(n),
        last,
      ),
    ).toMatchObject({ ok: true, checked: 2, beyond: 0, latest: { chainSeq: 3, seq: 9 } });
    expect(checkAnchors([], (n) => hashes.get(n), last)).toEqual({
      ok: true,
      checked: 0,
      beyond: 0,
      latest: null,
    });
  });

  it('fail on a line with another hash, or missing', () => {
    const rewritten = checkAnchors([anchor(2, 'f'.repeat(64), 7)], (n) => hashes.get(n), last);
    expect(rewritten).toMatchObject({ ok: false, problem: { chainSeq: 2, seq: 7 } });
    expect(rewritten.problem?.reason).toMatch(/another hash .* rewritten/);
    const missing = checkAnchors([anchor(2, 'b'.repeat(64), 7)], () => undefined, last);
    expect(missing.problem?.reason).toMatch(/line 2, anchored at position 7, is missing/);
  });

  it('count an anchor past an older export, but fail one past lines that came after it', () => {
    const later = anchor(8, 'd'.repeat(64), 12, '2025-01-21T11:00:00Z');
    expect(checkAnchors([later], (n) => hashes.get(n), last)).toMatchObject({
      ok: true,
      beyond: 1,
    });
    const earlier = anchor(8, 'd'.repeat(64), 12, '2025-01-21T09:30:00Z');
    const removed = checkAnchors([earlier], (n) => hashes.get(n), last);
    expect(removed.ok).toBe(false);
    expect(removed.problem?.reason).toMatch(/lines were removed/);
  });

  it('are the operator’s audit_anchored events only', () => {
    const event = (org: string, type = 'audit_anchored') => ({
      org,
      event: { type, occurredAt: 'x', payload: { chainSeq: 1, hash: 'a'.repeat(64) } },
    });
    expect(
      anchorsIn(
        [
          { seq: 0, value: event('operator', 'key_registered') },
          { seq: 1, value: event('operator') },
          { seq: 2, value: event('qatar') },
          { seq: 3, value: null },
        ],
        'operator',
      ),
    ).toEqual([{ chainSeq: 1, hash: 'a'.repeat(64), at: 'x', seq: 1 }]);
  });
});

describe('the ledger refuses an anchor', () => {
  it('from anyone but the log operator', async () => {
    const store = openMemoryStore();
    const identity = testIdentity();
    const service = await Ledger.open(store, identity);
    const qatar = newKey();
    await service.submit([registration(identity, 'qatar', qatar)]);
    const forged = signedEvent(
      {
        id: 'audit-anchor-forged',
        type: 'audit_anchored',
        occurredAt: '2025-01-21T09:00:00Z',
        reportedAt: '2025-01-21T09:00:00Z',
        source: 'qatar',
        payload: { chainSeq: 1, hash: 'a'.repeat(64) },
      },
      qatar,
    );
    const refused = await service.submit([forged]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TruceError);
    expect((refused as TruceError).code).toBe('LEDGER_ENTRY_INVALID');
    expect((refused as TruceError).message).toMatch(/only the log operator \(operator\)/);
    await service.close();
    await store.close();
  });
});

describe('anchoring the audit head in the ledger', () => {
  let server: TestServer;
  let scratch: string;

  beforeAll(async () => {
    server = await startTestServer({ config: { loginPerMinute: 1000 } });
    scratch = mkdtempSync(join(tmpdir(), 'truce-audit-anchor-'));
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const verify = async () =>
    (
      await server.app.inject({
        method: 'GET',
        url: '/api/v1/audit/verify',
        headers: server.headers('mediator'),
      })
    ).json();

  /** The audit log as GET /api/v1/audit/export gives it, in a file. */
  async function auditExport(name: string): Promise<string> {
    const lines: string[] = [];
    for await (const record of server.app.truce.audit.all()) {
      lines.push(JSON.stringify(presentAuditRecord(record)));
    }
    const file = join(scratch, name);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  it('appends the head when the log has grown, once, and the checks find it', async () => {
    await server.login('observer@example.org', testPassword);
    const anchored = await server.app.truce.auditAnchor.anchor();
    const head = await server.app.truce.audit.head();
    expect(anchored).toMatchObject({ chainSeq: head?.chainSeq, hash: head?.hash });
    // Nothing new: no second anchor.
    expect(await server.app.truce.auditAnchor.anchor()).toBeUndefined();
    const report = await verify();
    expect(report).toMatchObject({
      ok: true,
      anchors: { ok: true, checked: 1, beyond: 0, latest: { chainSeq: head?.chainSeq } },
    });
    // It is a ledger event of the operator, cosigned with the next checkpoints like any other.
    const [entry] = await server.app.truce.store.entriesOfKind('audit', 0, 10);
    const envelope = JSON.parse(new TextDecoder().decode(entry!.entry));
    expect(envelope).toMatchObject({
      org: 'operator',
      event: { type: 'audit_anchored', payload: { chainSeq: head?.chainSeq, hash: head?.hash } },
    });

    // Offline: the audit export against a ledger export.
    await server.login('observer@example.org', testPassword);
    await server.app.truce.auditAnchor.anchor();
    const ledgerDir = join(scratch, 'ledger');
    // An export holds the entries its last checkpoint covers (one is signed within a second).
    await server.app.truce.ledger.checkpoint();
    await exportLedger(server.app.truce.store, server.app.truce.ledger.identity, ledgerDir);
    const file = await auditExport('audit.jsonl');
    const io = memoryIo();
    expect(
      await auditCommand(
        [
          'verify',
          file,
          '--ledger',
          ledgerDir,
          '--log-key',
          server.app.truce.ledger.identity.verifierKey,
        ],
        io,
      ),
    ).toBe(0);
    expect(io.output()).toMatch(/anchors in the ledger: 2 matched/);
  });

  it('shows a rewrite that recomputed the whole chain, which the chain alone cannot', async () => {
    const ledgerDir = join(scratch, 'ledger');
    const db = server.app.truce.db;
    // Someone with the database's owner rights edits line 2 and recomputes every hash after it.
    await db.exec('ALTER TABLE audit_log DISABLE TRIGGER USER');
    const rows = await db.query<{
      id: number;
      chain_seq: number;
      at: Date | string;
      actor: string | null;
      actor_org: string | null;
      action: string;
      target: string | null;
      outcome: string;
      ip: string | null;
      details: string;
    }>('SELECT * FROM audit_log ORDER BY chain_seq');
    let previous = auditChainGenesis;
    for (const row of rows) {
      const chainSeq = Number(row.chain_seq);
      const details = chainSeq === 2 ? JSON.stringify({ rewritten: true }) : row.details;
      const hash = nextAuditHash(previous, {
        chainSeq,
        at: new Date(row.at).toISOString(),
        actor: row.actor,
        actorOrg: row.actor_org,
        action: row.action,
        target: row.target,
        outcome: row.outcome,
        ip: row.ip,
        details,
      });
      await db.query('UPDATE audit_log SET details = $2, hash = $3 WHERE id = $1', [
        row.id,
        details,
        Buffer.from(hash, 'hex'),
      ]);
      previous = hash;
    }
    await db.exec('ALTER TABLE audit_log ENABLE TRIGGER USER');

    const report = await verify();
    // The chain itself is consistent again…
    expect(await server.app.truce.audit.verifyChain()).toMatchObject({ ok: true });
    // …but no longer the one the ledger holds.
    expect(report.ok).toBe(false);
    expect(report.anchors.problem.reason).toMatch(/another hash .* rewritten/);

    const file = await auditExport('rewritten.jsonl');
    const io = memoryIo();
    expect(await auditCommand(['verify', file], memoryIo())).toBe(0);
    expect(await auditCommand(['verify', file, '--ledger', ledgerDir], io)).toBe(2);
    expect(io.errors()).toMatch(/NOT verified: audit line \d+ has another hash/);
  });
});
