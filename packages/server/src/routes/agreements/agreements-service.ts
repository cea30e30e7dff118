import { createHash } from 'node:crypto';
import { type Agreement, createEvaluator, parseAgreement, TruceError } from '@truce/core';
import type { RequestOrigin } from '../../accounts/accounts-service.js';
import { isoOf, numberOf } from '../../accounts/rows.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { SqlDriver } from '../../store/index.js';

export interface AgreementVersionRecord {
  agreementId: string;
  version: number;
  sha256: string;
  uploadedBy: string | undefined;
  uploadedAt: string;
  agreement: Agreement;
}

interface VersionRow {
  agreement_id: string;
  version: unknown;
  source: string;
  sha256: string;
  uploaded_by: string | null;
  uploaded_at: unknown;
}

export interface ObligationChange {
  id: string;
  change: 'added' | 'removed' | 'changed';
  /** Top-level fields of the obligation that differ (for `changed`). */
  fields: string[];
}

/** Agreement versions as uploaded (YAML kept verbatim), parsed on read and cached by hash. */
export class AgreementsService {
  readonly #db: SqlDriver;
  readonly #audit: AuditLog;
  readonly #clock: () => Date;
  readonly #parsed = new Map<string, Agreement>();
  readonly #cacheState: boolean;
  /** `state()` as of the last upload, when this process is the only one that uploads. */
  #state: Promise<{ currentId: string | undefined; fingerprint: string }> | undefined;

  /**
   * `cacheState`: this process alone writes the agreements (a PGlite folder is open in one
   * process), so `state()` — read before every status evaluation — is answered from memory until
   * the next upload, and a status never waits on the database for it.
   */
  constructor(db: SqlDriver, audit: AuditLog, clock: () => Date, { cacheState = false } = {}) {
    this.#db = db;
    this.#audit = audit;
    this.#clock = clock;
    this.#cacheState = cacheState;
  }

  #parse(source: string, sha: string): Agreement {
    let agreement = this.#parsed.get(sha);
    if (!agreement) {
      agreement = parseAgreement(source, 'agreement.yaml');
      this.#parsed.set(sha, agreement);
    }
    return agreement;
  }

  #toRecord(row: VersionRow): AgreementVersionRecord {
    return {
      agreementId: row.agreement_id,
      version: numberOf(row.version),
      sha256: row.sha256,
      uploadedBy: row.uploaded_by ?? undefined,
      uploadedAt: isoOf(row.uploaded_at),
      agreement: this.#parse(row.source, row.sha256),
    };
  }

  /**
   * Stores a version. The same text again is accepted as a retry; other text under an existing
   * version number is a CONFLICT (amendments get a new version number).
   */
  async upload(
    origin: RequestOrigin,
    source: string,
  ): Promise<{ record: AgreementVersionRecord; created: boolean }> {
    const agreement = parseAgreement(source, 'agreement.yaml');
    const sha = createHash('sha256').update(source).digest('hex');
    const existing = await this.version(agreement.id, agreement.version);
    if (existing) {
      if (existing.sha256 === sha) return { record: existing, created: false };
      throw new TruceError(
        'CONFLICT',
        `version ${agreement.version} of ${agreement.id} exists with other text; upload the amendment as version ${(await this.latestVersion(agreement.id)) + 1}`,
      );
    }
    // The engine refuses amendments that change the day count: find out now, not at /status.
    createEvaluator([...(await this.versions(agreement.id)), agreement]);
    this.#parsed.set(sha, agreement);
    const actor = origin.actor.kind === 'anonymous' ? undefined : origin.actor.user;
    const at = this.#clock().toISOString();
    const record = await this.#db.transaction(async (tx) => {
      const [row] = await tx.query<VersionRow>(
        `INSERT INTO agreement_versions (agreement_id, version, source, sha256, uploaded_by, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [agreement.id, agreement.version, source, sha, actor?.id ?? null, at],
      );
      await this.#audit.append(
        {
          at,
          actor: actor?.id,
          actorOrg: actor?.orgId,
          action: 'agreement.upload',
          target: `${agreement.id}@${agreement.version}`,
          outcome: 'success',
          ip: origin.ip,
          details: { sha256: sha },
        },
        tx,
      );
      return this.#toRecord(row!);
    });
    this.#state = undefined;
    return { record, created: true };
  }

  async list(): Promise<AgreementVersionRecord[]> {
    const rows = await this.#db.query<VersionRow>(
      'SELECT * FROM agreement_versions ORDER BY agreement_id, version',
    );
    return rows.map((row) => this.#toRecord(row));
  }

  async version(id: string, version: number): Promise<AgreementVersionRecord | undefined> {
    const [row] = await this.#db.query<VersionRow>(
      'SELECT * FROM agreement_versions WHERE agreement_id = $1 AND version = $2',
      [id, version],
    );
    return row && this.#toRecord(row);
  }

  async source(id: string, version: number): Promise<string | undefined> {
    const [row] = await this.#db.query<{ source: string }>(
      'SELECT source FROM agreement_versions WHERE agreement_id = $1 AND version = $2',
      [id, version],
    );
    return row?.source;
  }

  async latestVersion(id: string): Promise<number> {
    const [row] = await this.#db.query<{ version: unknown }>(
      'SELECT coalesce(max(version), 0) AS version FROM agreement_versions WHERE agreement_id = $1',
      [id],
    );
    return numberOf(row?.version ?? 0);
  }

  async versions(id: string): Promise<Agreement[]> {
    const rows = await this.#db.query<VersionRow>(
      'SELECT * FROM agreement_versions WHERE agreement_id = $1 ORDER BY version',
      [id],
    );
    return rows.map((row) => this.#toRecord(row).agreement);
  }

  /** The agreement the cell works on: the one a version was last uploaded of. */
  async currentId(): Promise<string | undefined> {
    const [row] = await this.#db.query<{ agreement_id: string }>(
      'SELECT agreement_id FROM agreement_versions ORDER BY uploaded_at DESC, version DESC LIMIT 1',
    );
    return row?.agreement_id;
  }

  /**
   * The current agreement's id, and a fingerprint of all versions that changes whenever any
   * process uploads one (the status cache keys on it), in one read.
   */
  state(): Promise<{ currentId: string | undefined; fingerprint: string }> {
    if (!this.#cacheState) return this.#readState();
    if (this.#state === undefined) {
      const read = this.#readState();
      this.#state = read;
      // A failed read is not kept.
      read.catch(() => {
        if (this.#state === read) this.#state = undefined;
      });
    }
    return this.#state;
  }

  async #readState(): Promise<{ currentId: string | undefined; fingerprint: string }> {
    const [row] = await this.#db.query<{ n: unknown; latest: unknown; current: string | null }>(
      `SELECT count(*) AS n, max(uploaded_at) AS latest,
              (SELECT agreement_id FROM agreement_versions
                ORDER BY uploaded_at DESC, version DESC LIMIT 1) AS current
         FROM agreement_versions`,
    );
    return {
      currentId: row?.current ?? undefined,
      fingerprint: `${String(row?.n)}:${row?.latest ? isoOf(row.latest) : ''}`,
    };
  }

  async diff(id: string, from: number, to: number): Promise<ObligationChange[]> {
    const [a, b] = await Promise.all([this.version(id, from), this.version(id, to)]);
    if (!a || !b) {
      throw new TruceError('NOT_FOUND', `agreement ${id} has no version ${!a ? from : to}`);
    }
    return diffObligations(a.agreement, b.agreement);
  }
}

/** Obligations added, removed or changed between two versions, by id, in the newer order. */
export function diffObligations(from: Agreement, to: Agreement): ObligationChange[] {
  const before = new Map(from.obligations.map((o) => [o.id, o]));
  const after = new Map(to.obligations.map((o) => [o.id, o]));
  const changes: ObligationChange[] = [];
  for (const [id, obligation] of after) {
    const old = before.get(id);
    if (!old) {
      changes.push({ id, change: 'added', fields: [] });
      continue;
    }
    const keys = new Set([...Object.keys(old), ...Object.keys(obligation)]);
    const fields = [...keys]
      .filter(
        (key) =>
          JSON.stringify((old as Record<string, unknown>)[key]) !==
          JSON.stringify((obligation as Record<string, unknown>)[key]),
      )
      .sort();
    if (fields.length > 0) changes.push({ id, change: 'changed', fields });
  }
  for (const id of before.keys()) {
    if (!after.has(id)) changes.push({ id, change: 'removed', fields: [] });
  }
  return changes;
}
