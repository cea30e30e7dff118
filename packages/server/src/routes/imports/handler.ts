import { Readable } from 'node:stream';
import { TruceError } from '@truce/core';
import { type AppContext, originOf, type TruceApp } from '../../http/context.js';
import { exportFilterOf, hxlExportLines, hxlReconciliationLines } from '../../hxl/export-hxl.js';
import { presentImport, presentImportReport } from '../../presenters/imports.js';
import { ImportsService } from './imports-service.js';
import { exportHxlSchema, listImportsSchema, postImportSchema } from './schema.js';

/** `text/csv; charset=windows-1256` says the encoding; a query parameter overrides it. */
function charsetOf(contentType: string | undefined): 'utf-8' | 'windows-1256' | undefined {
  const charset = /charset="?([\w-]+)"?/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset === 'utf-8' || charset === 'utf8') return 'utf-8';
  if (charset === 'windows-1256' || charset === 'cp1256') return 'windows-1256';
  return undefined;
}

export function importRoutes(app: TruceApp, ctx: AppContext): void {
  const service = new ImportsService(ctx.ledger, ctx.db, ctx.orgKeys, ctx.audit, {
    clock: ctx.clock,
    domainClock: ctx.domainClock,
  });
  // The body is handed over unread: the import streams it to disk (files are large).
  app.addContentTypeParser(['text/csv', 'application/csv'], (_request, payload, done) =>
    done(null, payload),
  );

  async function agreement() {
    const id = await ctx.agreements.currentId();
    const current = id === undefined ? undefined : (await ctx.agreements.versions(id)).at(-1);
    if (!current) {
      throw new TruceError(
        'NOT_FOUND',
        'no agreement yet: a file is checked against its crossings and organisations; upload the agreement first',
      );
    }
    return current;
  }

  app.post(
    '/api/v1/imports',
    { config: { action: 'imports.write' }, schema: postImportSchema },
    async (request, reply) => {
      const body = request.body as unknown;
      if (!(body instanceof Readable)) {
        throw new TruceError(
          'UNSUPPORTED_MEDIA_TYPE',
          'send the file itself as the body, with Content-Type: text/csv',
        );
      }
      const { dryRun, assumeZone, encoding, delimiter, fileName } = request.query;
      const report = await service.importHxl(originOf(request), body, await agreement(), {
        fileName,
        dryRun: dryRun === 'true',
        assumeZone: assumeZone === 'true',
        encoding: encoding ?? charsetOf(request.headers['content-type']) ?? 'auto',
        delimiter,
      });
      return reply
        .status(report.outcome === 'imported' ? 201 : 200)
        .send(presentImportReport(report));
    },
  );

  app.get(
    '/api/v1/imports',
    { config: { action: 'imports.read' }, schema: listImportsSchema },
    async (request) => {
      const { limit, before } = request.query;
      const records = await service.list(limit + 1, before);
      const page = records.slice(0, limit);
      return {
        imports: page.map(presentImport),
        nextCursor: records.length > limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  );

  app.get(
    '/api/v1/export/hxl',
    { config: { action: 'events.read' }, schema: exportHxlSchema },
    async (request, reply) => {
      const { from, to, view } = request.query;
      const reconciliation = view === 'reconciliation';
      const needsAgreement =
        reconciliation || [from, to].some((v) => v !== undefined && v.length === 10);
      const current = needsAgreement ? await agreement() : undefined;
      const filter = exportFilterOf(current, from, to);
      reply
        .type('text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="${reconciliation ? 'aid-reconciliation' : 'aid'}.hxl.csv"`,
        );
      return reply.send(
        Readable.from(
          reconciliation && current
            ? hxlReconciliationLines(ctx.store, current, ctx.domainClock(), filter)
            : hxlExportLines(ctx.store, filter),
        ),
      );
    },
  );
}
