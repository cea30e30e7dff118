import { type KeyObject, sign } from 'node:crypto';
import type { Readable } from 'node:stream';
import { type Agreement, ledger as core, type ErrorDetail, hxl, TruceError } from '@truce/core';
import type { Ledger } from '../ledger/index.js';
import type { HxlEncoding } from './decode.js';
import type { ImportRecord, ImportsRepository } from './imports-repository.js';
import { type HxlFileSummary, maxListedProblems, readHxlFile } from './read-hxl.js';

export interface HxlImportRequest {
  /** Opens the file from its start; called once per pass (the file is read twice, never held). */
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
  /** Events appended now, and events the log already held (an interrupted import resumed). */
  appended: number;
  repeated: number;
}

/** Events per ledger submission: one store transaction each, signed while the last is stored. */
export const importChunk = 1000;

type KeyFor = (org: string) => Promise<{ key: KeyObject; keyId: string }>;

/**
 * Imports an HXL CSV file into the ledger, whole or not at all:
 *
 * 1. a first pass reads the whole file (streaming) and lists every bad cell; with any, nothing
 *    is imported and the error lists them (HXL_INVALID);
 * 2. a file whose SHA-256 was imported before is not imported again (`already_imported`);
 * 3. a second pass reads it again and appends its events, signed by their organisations, in
 *    chunks. Their ids come from the file's hash and line, so if the process dies half-way the
 *    same file imported again appends only what is missing and completes the imports row.
 *
 * Memory stays flat in the file's size: rows are never held, only one chunk of envelopes.
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
    const options = {
      agreement: request.agreement,
      reportingOrg: request.reportingOrg,
      assumeZone: request.assumeZone,
      encoding: request.encoding,
      delimiter: request.delimiter,
    };
    const checked = await readHxlFile(request.open(), {
      ...options,
      reportedAt: request.now.toISOString(),
      idPrefix: 'hxl-check',
      onProgress: (bytes) => request.onProgress?.('checking', bytes),
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
      // A resumed import keeps the first attempt's time: its events must be the same bytes.
      reportedAt: earlier?.reportedAt ?? request.now.toISOString(),
      rows: checked.events,
    });

    let appended = 0;
    let repeated = 0;
    let firstSeq: number | undefined;
    let lastSeq: number | undefined;
    let chunk: Promise<core.SignedEnvelope>[] = [];
    let storing: Promise<void> = Promise.resolve();
    const keys = new Map<string, { key: KeyObject; keyId: string }>();
    const store = (signing: Promise<core.SignedEnvelope>[]) => async () => {
      const envelopes = await Promise.all(signing);
      for (const receipt of await this.#ledger.submit(envelopes)) {
        if (receipt.idempotent) repeated++;
        else appended++;
        firstSeq = Math.min(firstSeq ?? receipt.seq, receipt.seq);
        lastSeq = Math.max(lastSeq ?? receipt.seq, receipt.seq);
      }
    };
    const imported = await readHxlFile(
      request.open(),
      {
        ...options,
        reportedAt: started.reportedAt,
        idPrefix: hxl.hxlIdPrefix(checked.sha256),
        onProgress: (bytes) => request.onProgress?.('importing', bytes),
      },
      async (event) => {
        let signer = keys.get(event.source);
        if (!signer) {
          signer = await this.#keyFor(event.source);
          keys.set(event.source, signer);
        }
        // Signed on libuv's thread pool: the next rows are read and mapped meanwhile.
        chunk.push(
          signOffThread(
            {
              v: 1,
              id: event.id,
              org: event.source,
              keyId: signer.keyId,
              idempotencyKey: event.id,
              event: event as unknown as core.JsonValue,
            },
            signer.key,
          ),
        );
        if (chunk.length >= importChunk) {
          // Sign the next chunk while this one is verified and stored; never more than one
          // chunk waits, so memory stays bounded.
          await storing;
          storing = store(chunk)();
          // Awaited at the next chunk or the end; until then a failure must not go unhandled.
          storing.catch(() => {});
          chunk = [];
        }
      },
    );
    await storing;
    if (chunk.length > 0) await store(chunk)();
    if (imported.sha256 !== checked.sha256 || imported.problemCount > 0) {
      throw new TruceError(
        'CONFLICT',
        `${request.fileName ?? 'the file'} changed while it was being imported; import it again (the events already appended are kept, and the next import of the same file completes them)`,
      );
    }
    const record = await this.#imports.complete(started.id, firstSeq, lastSeq);
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

/** `core.signEnvelope`, with the Ed25519 signature made on the thread pool. */
function signOffThread(
  unsigned: core.UnsignedEnvelope,
  key: KeyObject,
): Promise<core.SignedEnvelope> {
  const bytes = core.envelopeSigningBytes(unsigned);
  return new Promise((resolve, reject) => {
    sign(null, bytes, key, (error, signature) => {
      if (error) reject(error);
      else resolve({ ...unsigned, sig: core.toBase64Url(signature) });
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
