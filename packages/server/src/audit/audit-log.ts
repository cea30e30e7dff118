import { isoOf, numberOf } from '../accounts/rows.js';
import type { SqlDriver, SqlExecutor } from '../store/index.js';
import { type AuditChainReport, auditChainGenesis, verifyAuditChain } from './audit-chain.js';

export type AuditOutcome = 'success' | 'failure' | 'denied';

/** One line of the audit log: who did what to what, when, from where, and how it went. */
export interface AuditRecord {
  id: number;
  at: string;
  actor: string | undefined;
  actorOrg: string | undefined;
  action: string;
  target: string | undefined;
  outcome: AuditOutcome;
  ip: string | undefined;
  details: Record<string, unknown>;
  /** Its place in the audit chain and its chain hash (hex): see audit-chain.ts. */
  chainSeq: number;
  hash: string;
}

export type AuditEntry = Omit<AuditRecord, 'id' | 'chainSeq' | 'hash'>;

interface AuditRow {
  id: unknown;
  at: unknown;
  actor: string | null;
  actor_org: string | null;
  action: string;
  target: string | null;
  outcome: string;
  ip: string | null;
  details: string;
  chain_seq: unknown;
  hash: Uint8Array;
}

const toRecord = (row: AuditRow): AuditRecord => ({
  id: numberOf(row.id),
  at: isoOf(row.at),
  actor: row.actor ?? undefined,
  actorOrg: row.actor_org ?? undefined,
  action: row.action,
  target: row.target ?? undefined,
  outcome: row.outcome as AuditOutcome,
  ip: row.ip ?? undefined,
  details: JSON.parse(row.details) as Record<string, unknown>,
  chainSeq: numberOf(row.chain_seq),
  hash: Buffer.from(row.hash).toString('hex'),
});

export interface AuditQuery {
  /** Records with an id above this one (the cursor of the previous page). */
  after?: number;
  limit: number;
  action?: string;
  actor?: string;
}

/**
 * The append-only audit log (table `audit_log`; a trigger refuses UPDATE, DELETE and TRUNCATE).
 * Writers pass the transaction of the change they audit when there is one, so that a change
 * and its audit line commit together.
 */
export class AuditLog {
  readonly #db: SqlExecutor;
  readonly #driver: SqlDriver | undefined;
  /** Lines waiting for the next group commit, and the commit running now. */
  #pending: { entry: AuditEntry; done: (error?: unknown) => void }[] = [];
  #flushing: Promise<void> | undefined;

  constructor(db: SqlExecutor | SqlDriver) {
    this.#db = db;
    this.#driver = 'transaction' in db ? db : undefined;
  }

  /**
   * Resolves once the line is durable. Lines without a transaction of their own are grouped:
   * those written in the same turn of the event loop, or while a commit is flushing, go
   * together in the next one, so that a busy server pays one flush for many requests rather
   * than one each (as the ledger's appends do). The turn matters on PGlite, whose statements
   * run on this thread: nothing arrives while one runs, but the requests whose appends one
   * ledger commit settled all write their lines in the same turn.
   */
  append(entry: AuditEntry, tx?: SqlExecutor): Promise<void> {
    if (tx !== undefined || this.#driver === undefined) return insert(tx ?? this.#db, [entry]);
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ entry, done: (error) => (error ? reject(error) : resolve()) });
      this.#flushing ??= new Promise<void>((next) => setImmediate(next)).then(() => this.#flush());
    });
  }

  async #flush(): Promise<void> {
    const driver = this.#driver!;
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, 500);
      try {
        // One statement, so one commit: the batch's lines are durable together or not at all.
        const entries = batch.map(({ entry }) => entry);
        await insert(driver, entries);
        for (const { done } of batch) done();
      } catch (error) {
        for (const { done } of batch) done(error);
      }
    }
    this.#flushing = undefined;
  }

  async list(query: AuditQuery): Promise<AuditRecord[]> {
    const rows = await this.#db.query<AuditRow>(
      `SELECT id, at, actor, actor_org, action, target, outcome, ip, details, chain_seq, hash
         FROM audit_log
        WHERE id > $1 AND ($2::text IS NULL OR action = $2) AND ($3::text IS NULL OR actor = $3)
        ORDER BY id LIMIT $4`,
      [query.after ?? 0, query.action ?? null, query.actor ?? null, query.limit],
    );
    return rows.map(toRecord);
  }

  /** Up to `limit` lines after chain number `chainSeq`, in chain order (for shipping). */
  async linesAfter(chainSeq: number, limit: number): Promise<AuditRecord[]> {
    const rows = await this.#db.query<AuditRow>(
      `SELECT id, at, actor, actor_org, action, target, outcome, ip, details, chain_seq, hash
         FROM audit_log WHERE chain_seq > $1 ORDER BY chain_seq LIMIT $2`,
      [chainSeq, limit],
    );
    return rows.map(toRecord);
  }

  /** The last line of the chain: its number, hash and time; null while the log is empty. */
  async head(): Promise<{ chainSeq: number; hash: string; at: string } | null> {
    const [row] = await this.#db.query<{ chain_seq: unknown; hash: Uint8Array; at: unknown }>(
      'SELECT chain_seq, hash, at FROM audit_log ORDER BY chain_seq DESC LIMIT 1',
    );
    return row
      ? {
          chainSeq: numberOf(row.chain_seq),
          hash: Buffer.from(row.hash).toString('hex'),
          at: isoOf(row.at),
        }
      : null;
  }

  /** The chain hashes (hex) of the lines with these chain numbers. */
  async hashesOf(chainSeqs: readonly number[]): Promise<Map<number, string>> {
    if (chainSeqs.length === 0) return new Map();
    const rows = await this.#db.query<{ chain_seq: unknown; hash: Uint8Array }>(
      'SELECT chain_seq, hash FROM audit_log WHERE chain_seq = ANY($1::bigint[])',
      [chainSeqs],
    );
    return new Map(
      rows.map((row) => [numberOf(row.chain_seq), Buffer.from(row.hash).toString('hex')]),
    );
  }

  /**
   * Checks the hash chain of the whole log (every line, in chain order) and returns its head:
   * the answer to "has any line been edited, removed or reordered?".
   */
  async verifyChain(pageSize = 5000): Promise<AuditChainReport> {
    let from = { chainSeq: 0, hash: auditChainGenesis };
    let lines = 0;
    for (;;) {
      const rows = await this.#db.query<AuditRow>(
        `SELECT id, at, actor, actor_org, action, target, outcome, ip, details, chain_seq, hash
           FROM audit_log WHERE chain_seq > $1 ORDER BY chain_seq LIMIT $2`,
        [from.chainSeq, pageSize],
      );
      // Details are hashed as stored, so they are checked as text, not re-serialised.
      const page = verifyAuditChain(
        rows.map((row) => ({ ...toRecord(row), details: row.details })),
        from,
      );
      lines += page.lines;
      if (!page.ok) return { ...page, lines };
      if (page.head) from = page.head;
      if (rows.length < pageSize) {
        return { ok: true, lines, head: from.chainSeq === 0 ? null : from };
      }
    }
  }

  /** Every record, oldest first, a page at a time (for the JSON Lines export). */
  async *all(pageSize = 1000): AsyncGenerator<AuditRecord> {
    let after = 0;
    for (;;) {
      const page = await this.list({ after, limit: pageSize });
      yield* page;
      const last = page.at(-1);
      if (!last || page.length < pageSize) return;
      after = last.id;
    }
  }
}

/** Lines in the order given (ids follow it), in one statement. */
async function insert(db: SqlExecutor, entries: readonly AuditEntry[]): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (at, actor, actor_org, action, target, outcome, ip, details)
     SELECT at, actor, actor_org, action, target, outcome, ip, details
       FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                   $7::text[], $8::text[]) WITH ORDINALITY
         AS t (at, actor, actor_org, action, target, outcome, ip, details, n)
      ORDER BY n`,
    [
      entries.map((entry) => entry.at),
      entries.map((entry) => entry.actor ?? null),
      entries.map((entry) => entry.actorOrg ?? null),
      entries.map((entry) => entry.action),
      entries.map((entry) => entry.target ?? null),
      entries.map((entry) => entry.outcome),
      entries.map((entry) => entry.ip ?? null),
      entries.map((entry) => JSON.stringify(entry.details)),
    ],
  );
}
