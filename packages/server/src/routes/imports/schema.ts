import { z } from 'zod';
import { limit } from '../../http/schemas.js';

const importRecord = z.object({
  id: z.string(),
  sha256: z.string(),
  format: z.literal('hxl'),
  fileName: z.string().nullable(),
  importedBy: z.string().describe('the user id, or cli:<org> for the command line'),
  org: z.string().nullable().describe('the organisation the rows were imported for'),
  rows: z.number().int().describe('events in the file'),
  firstSeq: z.number().int().nullable(),
  lastSeq: z.number().int().nullable(),
  startedAt: z.string(),
  completedAt: z
    .string()
    .nullable()
    .describe('null while appending, or if that was interrupted: import the file again'),
});

const fileSummary = z.object({
  sha256: z.string(),
  bytes: z.number().int(),
  encoding: z.enum(['utf-8', 'windows-1256']).nullable(),
  hashtagLine: z.number().int().nullable(),
  keptHashtags: z.array(z.string()).describe('columns kept as they are in payload.hxl'),
  events: z.number().int(),
  trucksRows: z.number().int(),
  trucks: z.number().int(),
  itemsRows: z.number().int(),
  items: z.number().int(),
  sources: z.array(z.string()),
  firstOccurredAt: z.string().nullable(),
  lastOccurredAt: z.string().nullable(),
});

export const importReportResponse = z.object({
  outcome: z
    .enum(['imported', 'already_imported', 'dry_run'])
    .describe('already_imported: the same bytes were imported before, nothing changed'),
  import: importRecord.nullable(),
  file: fileSummary,
  appended: z.number().int(),
  repeated: z
    .number()
    .int()
    .describe('events already in the log (an interrupted import of the same file, completed)'),
});

export const postImportSchema = {
  tags: ['imports'],
  summary: 'Import an HXL CSV file of aid figures, whole or not at all',
  description:
    'The body is the file (Content-Type text/csv; charset utf-8 or windows-1256), streamed: columns are mapped by their HXL hashtags (docs/HXL.md), every row becomes an event reported by your organisation and signed with its server-held key. Any bad cell: 422 HXL_INVALID listing every problem (line, column, hashtag in `path`) and nothing is imported. The same file again: 200 `already_imported`, nothing changes.',
  querystring: z.object({
    dryRun: z.enum(['true', 'false']).optional().describe('check and report only'),
    assumeZone: z
      .enum(['true', 'false'])
      .optional()
      .describe("read date-times without offset in the agreement's zone (otherwise refused)"),
    encoding: z.enum(['auto', 'utf-8', 'windows-1256']).optional(),
    delimiter: z.enum([',', ';', '\t', '|']).optional(),
    fileName: z
      .string()
      .regex(/^[\w .()+-]{1,200}$/)
      .optional()
      .describe('the name to record (and to show in errors)'),
  }),
  response: { 200: importReportResponse, 201: importReportResponse },
};

export const listImportsSchema = {
  tags: ['imports'],
  summary: 'Files imported, newest first',
  description: 'Pass `nextCursor` as `before` for the next page, until it is null.',
  querystring: z.object({
    limit: limit(200, 50),
    before: z
      .string()
      .regex(/^imp-[0-9a-f]{16}$/)
      .optional(),
  }),
  response: {
    200: z.object({ imports: z.array(importRecord), nextCursor: z.string().nullable() }),
  },
};

export const exportHxlSchema = {
  tags: ['imports'],
  summary: 'The aid events, or the reconciliation of sources, as HXL CSV (streamed)',
  description:
    "`view=events` (default): one row per aid event as reported (corrections are not applied; the ledger export has them), with its id (#meta+id) and the tags it was imported with; importing it into an empty database gives the same events. `view=reconciliation`: per day, all crossings then each crossing and cargo, one row per pair of sources with both figures, the difference, what half-loads and crossings out of scope explain and what nothing explains (docs/HXL.md). `from`/`to`: a day of the agreement's calendar (to: inclusive) or an instant with offset. For HDX and other HXL tools.",
  querystring: z.object({
    from: z.string().max(64).optional(),
    to: z.string().max(64).optional(),
    view: z.enum(['events', 'reconciliation']).optional(),
  }),
};
