import { TruceError } from '@truce/core';
import type { RequestOrigin } from '../accounts/accounts-service.js';
import { isoOf, numberOf } from '../accounts/rows.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { SqlDriver } from '../store/index.js';
import type { BlobStore } from './blob-store.js';

export type BlobKind = 'evidence' | 'zones';

export interface BlobRecord {
  sha256: string;
  kind: BlobKind;
  size: number;
  mediaType: string;
  fileName: string | undefined;
  uploadedBy: string;
  org: string;
  uploadedAt: string;
}

interface BlobRow {
  sha256: string;
  kind: BlobKind;
  size: unknown;
  media_type: string;
  file_name: string | null;
  uploaded_by: string;
  org: string;
  uploaded_at: unknown;
}

const recordOf = (row: BlobRow): BlobRecord => ({
  sha256: row.sha256,
  kind: row.kind,
  size: numberOf(row.size),
  mediaType: row.media_type,
  fileName: row.file_name ?? undefined,
  uploadedBy: row.uploaded_by,
  org: row.org,
  uploadedAt: isoOf(row.uploaded_at),
});

/**
 * The blob store plus who uploaded what: bytes go to the store (checked against the digest the
 * uploader announced), a row to `blobs`, a line to the audit log. The first upload of some bytes
 * is the one recorded; the same bytes again change nothing.
 */
export class BlobRegistry {
  readonly #db: SqlDriver;
  readonly #store: BlobStore;
  readonly #audit: AuditLog;
  readonly #clock: () => Date;

  constructor(db: SqlDriver, store: BlobStore, audit: AuditLog, clock: () => Date) {
    this.#db = db;
    this.#store = store;
    this.#audit = audit;
    this.#clock = clock;
  }

  async upload(
    origin: RequestOrigin,
    input: {
      sha256: string;
      bytes: Uint8Array;
      kind: BlobKind;
      mediaType: string;
      fileName?: string | undefined;
    },
  ): Promise<{ record: BlobRecord; created: boolean }> {
    const actor = origin.actor;
    if (actor.kind === 'anonymous') throw new TruceError('UNAUTHENTICATED', 'log in first');
    return this.#keep(origin, input, { userId: actor.user.id, orgId: actor.user.orgId });
  }

  /** For the operator's own seeding (the demo cell's zone layer): no user, recorded as such. */
  async seed(input: {
    sha256: string;
    bytes: Uint8Array;
    kind: BlobKind;
    mediaType: string;
    fileName?: string | undefined;
  }): Promise<{ record: BlobRecord; created: boolean }> {
    return this.#keep({ actor: { kind: 'anonymous' }, ip: 'local' }, input, {
      userId: 'operator',
      orgId: 'operator',
    });
  }

  async #keep(
    origin: RequestOrigin,
    input: {
      sha256: string;
      bytes: Uint8Array;
      kind: BlobKind;
      mediaType: string;
      fileName?: string | undefined;
    },
    by: { userId: string; orgId: string },
  ): Promise<{ record: BlobRecord; created: boolean }> {
    // Checks the digest before anything is kept.
    await this.#store.put(input.sha256, input.bytes);
    const inserted = await this.#db.query<BlobRow>(
      `INSERT INTO blobs (sha256, kind, size, media_type, file_name, uploaded_by, org, uploaded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (sha256) DO NOTHING
       RETURNING *`,
      [
        input.sha256,
        input.kind,
        input.bytes.byteLength,
        input.mediaType,
        input.fileName ?? null,
        by.userId,
        by.orgId,
        this.#clock().toISOString(),
      ],
    );
    const created = inserted.length > 0;
    const record = inserted[0] ? recordOf(inserted[0]) : await this.get(input.sha256);
    if (!record) throw new TruceError('INTERNAL', 'a blob row vanished after its upload');
    if (created) {
      await this.#audit.append({
        at: this.#clock().toISOString(),
        actor: origin.actor.kind === 'anonymous' ? undefined : by.userId,
        actorOrg: by.orgId,
        action: `${input.kind}.upload`,
        target: input.sha256,
        outcome: 'success',
        ip: origin.ip,
        details: { size: record.size, mediaType: record.mediaType },
      });
    }
    return { record, created };
  }

  async get(sha256: string): Promise<BlobRecord | undefined> {
    const rows = await this.#db.query<BlobRow>('SELECT * FROM blobs WHERE sha256 = $1', [sha256]);
    return rows[0] ? recordOf(rows[0]) : undefined;
  }

  async bytes(sha256: string): Promise<Uint8Array | undefined> {
    return this.#store.get(sha256);
  }

  /** Of these digests, those not uploaded (as `kind`). */
  async missing(sha256s: readonly string[], kind: BlobKind): Promise<string[]> {
    if (sha256s.length === 0) return [];
    const rows = await this.#db.query<{ sha256: string }>(
      'SELECT sha256 FROM blobs WHERE sha256 = ANY($1::text[]) AND kind = $2',
      [[...new Set(sha256s)], kind],
    );
    const found = new Set(rows.map((row) => row.sha256));
    return sha256s.filter((sha) => !found.has(sha));
  }
}
