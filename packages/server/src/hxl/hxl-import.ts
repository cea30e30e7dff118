import { type KeyObject, sign } from 'node:crypto';
import type { Readable } from 'node:stream';
import { type Agreement, ledger as core, type ErrorDetail, hxl, TruceError } from '@truce/core';
import type { Ledger } from '../ledger/index.js';
import type { HxlEncoding } from './decode.js';
import type { ImportRecord, ImportsRepository } from './imports-repository.js';
import { type HxlFileSummary, maxListedProblems, readHxlFile } from './read-hxl.js';

export interface HxlImportRequest {
  /** Opens the file from its start; called once (the file is read once, never held). */
  open: () => Readable;
  fileName?: string | undefined;
  agreement: Agreement;
  /** Every row is this organisation's report (the user's, or `--as`). */
  reportingOrg?: string | undefined;
  /** Who imports, for the imports table: a user id or `cli:<org>`. */
  importedBy: string;
  assumeZone?: boolean | undefined;
  encoding: HxlEncoding;
  delimiter?: string | undefined;
  /** Worker threads that read a large file (`readHxlFile`'s `threads`). */
  threads?: number | undefined;
  /** Check and report, import nothing. */
  dryRun?: boolean | undefined;
  /** The domain's now: `reportedAt` of the rows that do not give one. */
  now: Date;
  onProgress?: ((phase: 'checking' | 'importing', bytes: number) => void) | undefined;
}

export type ImportOutcome = 'imported' | 'already_imported' | 'dry_run';

export interface HxlImportReport {
  outcome: ImportOutcome;
  file: HxlFileSummary;
  /** The imports row (none for a dry run). */
  import: ImportRecord | undefined;
  /** Rows appended now, and rows the log already held (an import whose end was not recorded). */
  appended: number;
  repeated: number;
}

type KeyFor = (org: string) => Promise<{ key: KeyObject; keyId: string }>;

/**
 * Imports an HXL CSV file into the ledger, whole or not at all, in one pass:
 *
 * 1. the file is read once (streaming), every bad cell listed, and its rows grouped as they come
 *    into `aid_batch` events of up to 1,000 rows of one organisation, held as canonical JSON
 *    text; with any problem nothing is imported and the error lists them all (HXL_INVALID);
 * 2. a file whose SHA-256 was imported before is not imported again (`already_imported`);
 * 3. the batches are signed by their organisations and appended in one ledger submission: one
 *    store transaction, so the log holds the whole file or none of it.
 *
 * Memory is the file's rows as JSON text (about twice the file), never an object per row.
 */
export class HxlImporter {
  readonly #ledger: Ledger;
  readonly #imports: ImportsRepository;
  readonly #keyFor: KeyFor;

  constructor(ledger: Ledger, imports: ImportsRepository, keyFor: KeyFor) {
    this.#ledger = ledger;
    this.#imports = imports;
    this.#keyFor = keyFor;
  }

  async import(request: HxlImportRequest): Promise<HxlImportReport> {
    const drafts: hxl.BatchDraft[] = [];
    const checked = await readHxlFile(request.open(), {
      agreement: request.agreement,
      reportingOrg: request.reportingOrg,
      assumeZone: request.assumeZone,
      encoding: request.encoding,
      delimiter: request.delimiter,
      // Ids and the default reportedAt are decided once the file's hash is known.
      reportedAt: hxl.batchReaderMarkers.defaultReportedAt,
      idPrefix: hxl.batchReaderMarkers.implicitIdPrefix,
      onProgress: (bytes) => request.onProgress?.('checking', bytes),
      threads: request.threads,
      batches: request.dryRun ? undefined : drafts,
    }).catch((error: unknown) => {
      throw located(request.fileName, error);
    });
    if (checked.problemCount > 0) throw invalidFile(request.fileName, checked);
    if (checked.events === 0) {
      throw new TruceError(
        'HXL_INVALID',
        `${request.fileName ?? 'the file'} has no data rows under its hashtag row; nothing to import`,
        [{ ...where(request.fileName), line: checked.hashtagLine ?? 1, message: 'no data rows' }],
      );
    }
    const earlier = await this.#imports.bySha256(checked.sha256);
    if (earlier?.completedAt !== undefined) {
      return {
        outcome: 'already_imported',
        file: checked,
        import: earlier,
        appended: 0,
        repeated: 0,
      };
    }
    if (request.dryRun) {
      return { outcome: 'dry_run', file: checked, import: earlier, appended: 0, repeated: 0 };
    }
    const started = await this.#imports.start({
      id: `imp-${checked.sha256.slice(0, 16)}`,
      sha256: checked.sha256,
      fileName: request.fileName,
      importedBy: request.importedBy,
      org: request.reportingOrg,
      // An import whose end was not recorded keeps its first time: its batches are then the same
      // bytes, which the log answers with their original receipts.
      reportedAt: earlier?.reportedAt ?? request.now.toISOString(),
      rows: checked.events,
    });

    const signers = new Map<string, { key: KeyObject; keyId: string }>();
    for (const draft of drafts) {
      if (!signers.has(draft.org)) signers.set(draft.org, await this.#keyFor(draft.org));
    }
    request.onProgress?.('importing', 0);
    // Signed on libuv's thread pool, all at once; each batch's text is parsed back to the object
    // the ledger takes only here, and let go of as it is signed.
    const envelopes = await Promise.all(
      drafts.map((draft) => {
        const signer = signers.get(draft.org)!;
        const text = hxl.batchEnvelopeText(draft, {
          sha256: checked.sha256,
          reportedAt: started.reportedAt,
          keyId: signer.keyId,
        });
        draft.rowsText = '';
        draft.valuesText = '';
        return signText(text, signer.key);
      }),
    );
    const receipts = await this.#ledger.submit(envelopes);
    let appended = 0;
    let repeated = 0;
    receipts.forEach((receipt, index) => {
      if (receipt.idempotent) repeated += drafts[index]!.rows;
      else appended += drafts[index]!.rows;
    });
    request.onProgress?.('importing', checked.bytes);
    const record = await this.#imports.complete(started.id, receipts[0]?.seq, receipts.at(-1)?.seq);
    return { outcome: 'imported', file: checked, import: record, appended, repeated };
  }
}

/** A whole-file error (encoding, CSV syntax) with the file's name in it. */
function located(fileName: string | undefined, error: unknown): unknown {
  if (!(error instanceof TruceError) || error.code !== 'HXL_INVALID' || fileName === undefined) {
    return error;
  }
  return new TruceError(
    error.code,
    `${fileName}: ${error.message}; nothing was imported`,
    error.details.map((detail) => ({ file: fileName, ...detail })),
  );
}

/**
 * A signed envelope from the canonical text of its unsigned part: the Ed25519 signature is made
 * on the thread pool over exactly these bytes (no second canonicalisation).
 */
function signText(text: string, key: KeyObject): Promise<core.SignedEnvelope> {
  const bytes = Buffer.from(text, 'utf8');
  return new Promise((resolve, reject) => {
    sign(null, bytes, key, (error, signature) => {
      if (error) reject(error);
      else
        resolve({
          ...(JSON.parse(text) as core.UnsignedEnvelope),
          sig: core.toBase64Url(signature),
        });
    });
  });
}

function where(fileName: string | undefined): { file?: string } {
  return fileName === undefined ? {} : { file: fileName };
}

function invalidFile(fileName: string | undefined, summary: HxlFileSummary): TruceError {
  const details: ErrorDetail[] = summary.problems.map((problem) => ({
    ...where(fileName),
    line: problem.line,
    ...(problem.column !== undefined ? { column: problem.column } : {}),
    ...(problem.hashtag !== undefined ? { path: problem.hashtag } : {}),
    message: problem.message,
  }));
  const more =
    summary.problemCount > maxListedProblems ? ` (the first ${maxListedProblems} are listed)` : '';
  const count = summary.problemCount === 1 ? '1 problem' : `${summary.problemCount} problems`;
  return new TruceError(
    'HXL_INVALID',
    `${fileName ?? 'the file'}: ${count}${more}; nothing was imported. Fix them and import the whole file again (docs/HXL.md)`,
    details,
  );
}
