import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Agreement, TruceError } from '@truce/core';
import type { RequestOrigin } from '../../accounts/accounts-service.js';
import type { OrgKeys } from '../../accounts/org-keys.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { HxlEncoding } from '../../hxl/decode.js';
import { HxlImporter, type HxlImportReport } from '../../hxl/hxl-import.js';
import { type ImportRecord, ImportsRepository } from '../../hxl/imports-repository.js';
import type { Ledger } from '../../ledger/index.js';
import type { SqlDriver } from '../../store/index.js';

/** Largest file the API takes (the command line has no limit): about 3 million rows. */
export const maxImportBytes = 512 * 1024 * 1024;

class SizeLimit extends Transform {
  #bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.#bytes > maxImportBytes) {
      done(
        new TruceError(
          'PAYLOAD_TOO_LARGE',
          `the file is larger than ${maxImportBytes / 1_048_576} MB; split it by month, or import it with \`truce import hxl\` on the server`,
        ),
      );
      return;
    }
    done(null, chunk);
  }
}

export interface ApiImportOptions {
  fileName: string | undefined;
  dryRun: boolean;
  assumeZone: boolean;
  encoding: HxlEncoding;
  delimiter: string | undefined;
}

/**
 * Imports through the API: the request body is written to a temporary file as it arrives (so
 * that the upload is bounded and complete before the import reads it, once), then imported for
 * the user's organisation.
 */
export class ImportsService {
  readonly #importer: HxlImporter;
  readonly #imports: ImportsRepository;
  readonly #audit: AuditLog;
  readonly #clock: () => Date;
  readonly #domainClock: () => Date;

  constructor(
    ledger: Ledger,
    db: SqlDriver,
    orgKeys: OrgKeys,
    audit: AuditLog,
    clocks: { clock: () => Date; domainClock: () => Date },
  ) {
    this.#imports = new ImportsRepository(db);
    this.#importer = new HxlImporter(ledger, this.#imports, (org) =>
      orgKeys.keyFor(org, clocks.domainClock()),
    );
    this.#audit = audit;
    this.#clock = clocks.clock;
    this.#domainClock = clocks.domainClock;
  }

  async importHxl(
    origin: RequestOrigin,
    body: Readable,
    agreement: Agreement,
    options: ApiImportOptions,
  ): Promise<HxlImportReport> {
    if (origin.actor.kind === 'anonymous') throw new TruceError('UNAUTHENTICATED', 'log in first');
    const user = origin.actor.user;
    const dir = await mkdtemp(join(tmpdir(), 'truce-import-'));
    const file = join(dir, 'upload.csv');
    try {
      await pipeline(body, new SizeLimit(), createWriteStream(file));
      const report = await this.#importer.import({
        open: () => createReadStream(file, { highWaterMark: 256 * 1024 }),
        fileName: options.fileName,
        agreement,
        reportingOrg: user.orgId,
        importedBy: user.id,
        assumeZone: options.assumeZone,
        encoding: options.encoding,
        delimiter: options.delimiter,
        dryRun: options.dryRun,
        now: this.#domainClock(),
      });
      if (report.outcome === 'imported') {
        await this.#audit.append({
          at: this.#clock().toISOString(),
          actor: user.id,
          actorOrg: user.orgId,
          action: 'imports.write',
          target: report.import?.id ?? '',
          outcome: 'success',
          ip: origin.ip,
          details: {
            format: 'hxl',
            sha256: report.file.sha256,
            events: report.file.events,
            appended: report.appended,
          },
        });
      }
      return report;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  list(limit: number, before: string | undefined): Promise<ImportRecord[]> {
    return this.#imports.list(limit, before);
  }
}
