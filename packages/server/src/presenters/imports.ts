import type { HxlImportReport } from '../hxl/hxl-import.js';
import type { ImportRecord } from '../hxl/imports-repository.js';

/** What leaves the server of an import: every field named, undefined as null. */
export function presentImport(record: ImportRecord) {
  return {
    id: record.id,
    sha256: record.sha256,
    format: record.format,
    fileName: record.fileName ?? null,
    importedBy: record.importedBy,
    org: record.org ?? null,
    rows: record.rows,
    firstSeq: record.firstSeq ?? null,
    lastSeq: record.lastSeq ?? null,
    startedAt: record.startedAt,
    completedAt: record.completedAt ?? null,
  };
}

export function presentImportReport(report: HxlImportReport) {
  const f = report.file;
  return {
    outcome: report.outcome,
    import: report.import ? presentImport(report.import) : null,
    file: {
      sha256: f.sha256,
      bytes: f.bytes,
      encoding: f.encoding ?? null,
      hashtagLine: f.hashtagLine ?? null,
      keptHashtags: f.keptHashtags,
      events: f.events,
      trucksRows: f.trucksRows,
      trucks: f.trucks,
      itemsRows: f.itemsRows,
      items: f.items,
      sources: f.sources,
      firstOccurredAt: f.firstOccurredAt ?? null,
      lastOccurredAt: f.lastOccurredAt ?? null,
    },
    appended: report.appended,
    repeated: report.repeated,
  };
}
