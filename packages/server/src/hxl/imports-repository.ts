import { isoOf, numberOf, optionalIsoOf } from '../accounts/rows.js';
import type { SqlDriver } from '../store/index.js';

/** A file imported into the ledger (migration 8). */
export interface ImportRecord {
  id: string;
  sha256: string;
  format: 'hxl';
  fileName: string | undefined;
  /** The user id, or `cli:<org>` for the command line. */
  importedBy: string;
  /** The organisation every row was imported for; undefined when each row names its own. */
  org: string | undefined;
  /** `reportedAt` of the rows without one: the start of the first attempt. */
  reportedAt: string;
  rows: number;
  firstSeq: number | undefined;
  lastSeq: number | undefined;
  startedAt: string;
  /** Undefined while its events are being appended (or if that was interrupted). */
  completedAt: string | undefined;
}

interface ImportRow {
  id: string;
  sha256: string;
  format: string;
  file_name: string | null;
  imported_by: string;
  org: string | null;
  reported_at: string;
  rows: unknown;
  first_seq: unknown;
  last_seq: unknown;
  started_at: unknown;
  completed_at: unknown;
}

const toRecord = (row: ImportRow): ImportRecord => ({
  id: row.id,
  sha256: row.sha256,
  format: 'hxl',
  fileName: row.file_name ?? undefined,
  importedBy: row.imported_by,
  org: row.org ?? undefined,
  reportedAt: row.reported_at,
  rows: numberOf(row.rows),
  firstSeq: row.first_seq === null ? undefined : numberOf(row.first_seq),
  lastSeq: row.last_seq === null ? undefined : numberOf(row.last_seq),
  startedAt: isoOf(row.started_at),
  completedAt: optionalIsoOf(row.completed_at),
});

export class ImportsRepository {
  readonly #db: SqlDriver;

  constructor(db: SqlDriver) {
    this.#db = db;
  }

  async bySha256(sha256: string): Promise<ImportRecord | undefined> {
    const [row] = await this.#db.query<ImportRow>('SELECT * FROM imports WHERE sha256 = $1', [
      sha256,
    ]);
    return row && toRecord(row);
  }

  /** Records the start of an import; if another started the same file first, returns that one. */
  async start(
    record: Pick<
      ImportRecord,
      'id' | 'sha256' | 'fileName' | 'importedBy' | 'org' | 'reportedAt' | 'rows'
    >,
  ): Promise<ImportRecord> {
    const [row] = await this.#db.query<ImportRow>(
      `INSERT INTO imports (id, sha256, format, file_name, imported_by, org, reported_at, rows)
       VALUES ($1, $2, 'hxl', $3, $4, $5, $6, $7)
       ON CONFLICT (sha256) DO NOTHING RETURNING *`,
      [
        record.id,
        record.sha256,
        record.fileName ?? null,
        record.importedBy,
        record.org ?? null,
        record.reportedAt,
        record.rows,
      ],
    );
    if (row) return toRecord(row);
    const existing = await this.bySha256(record.sha256);
    if (!existing) throw new Error(`import ${record.sha256} vanished`);
    return existing;
  }

  async complete(id: string, firstSeq: number | undefined, lastSeq: number | undefined) {
    const [row] = await this.#db.query<ImportRow>(
      `UPDATE imports SET first_seq = $2, last_seq = $3,
              completed_at = coalesce(completed_at, clock_timestamp())
        WHERE id = $1 RETURNING *`,
      [id, firstSeq ?? null, lastSeq ?? null],
    );
    if (!row) throw new Error(`import ${id} vanished`);
    return toRecord(row);
  }

  /** The newest imports first. */
  async list(limit: number, before?: string): Promise<ImportRecord[]> {
    const rows = await this.#db.query<ImportRow>(
      before === undefined
        ? 'SELECT * FROM imports ORDER BY started_at DESC, id DESC LIMIT $1'
        : `SELECT * FROM imports WHERE started_at < (SELECT started_at FROM imports WHERE id = $2)
            ORDER BY started_at DESC, id DESC LIMIT $1`,
      before === undefined ? [limit] : [limit, before],
    );
    return rows.map(toRecord);
  }
}
