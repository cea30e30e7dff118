import {
  type Agreement,
  aid,
  Calendar,
  hxl,
  parseEvent,
  rowEventsOf,
  TruceError,
  type TruceEvent,
} from '@truce/core';
import { readDomainEvents } from '../ledger/domain-events.js';
import { decodeEntry } from '../routes/status/status-service.js';
import type { Store } from '../store/index.js';

export interface HxlExportFilter {
  /** Events that occurred at or after this instant. */
  from?: string | undefined;
  /** Events that occurred before this instant. */
  to?: string | undefined;
}

const page = 1000;
const aidMarker = Buffer.from('"type":"aid_');

/** The aid events of the log in sequence order, a page at a time. */
async function* aidEvents(store: Store, filter: HxlExportFilter): AsyncGenerator<hxl.AidEvent> {
  const from = filter.from === undefined ? undefined : Date.parse(filter.from);
  const to = filter.to === undefined ? undefined : Date.parse(filter.to);
  const size = await store.size();
  for (let seq = 0; seq < size; seq += page) {
    const entries = await store.entries(seq, Math.min(page, size - seq));
    if (entries.length === 0) break;
    for (const entry of entries) {
      // Most of a log is not aid: skip those without parsing them.
      if (
        !Buffer.from(entry.entry.buffer, entry.entry.byteOffset, entry.entry.length).includes(
          aidMarker,
        )
      )
        continue;
      let event: TruceEvent;
      try {
        event = parseEvent(decodeEntry(entry).event);
      } catch {
        continue;
      }
      // An imported file's batch is written as its rows, one event each, as it was read.
      for (const row of rowEventsOf(event) ?? [event]) {
        if (!hxl.isAidEvent(row)) continue;
        const at = Date.parse(row.occurredAt);
        if (from !== undefined && at < from) continue;
        if (to !== undefined && at >= to) continue;
        yield row;
      }
    }
  }
}

/**
 * The aid events of the log as HXL CSV lines: a header row, the hashtag row, one row per event
 * (as reported: corrections and retractions are events of their own and are not applied — the
 * ledger export has the full history). Two reads of the log, one to find the kept hashtags
 * (the extra columns), one to write; nothing is held but one page of entries.
 */
export async function* hxlExportLines(
  store: Store,
  filter: HxlExportFilter = {},
  onRow?: () => void,
): AsyncGenerator<string> {
  const kept: string[] = [];
  for await (const event of aidEvents(store, filter)) hxl.keptHashtagsOf([event], kept);
  const [header, hashtags] = hxl.hxlHeaderRows(kept);
  yield hxl.csvLine(header);
  yield hxl.csvLine(hashtags);
  let lines: string[] = [];
  for await (const event of aidEvents(store, filter)) {
    lines.push(hxl.csvLine(hxl.hxlRowOf(event, kept)));
    onRow?.();
    if (lines.length >= 200) {
      yield lines.join('');
      lines = [];
    }
  }
  if (lines.length > 0) yield lines.join('');
}

/**
 * The reconciliation of sources as HXL CSV (`truce export hxl --reconciliation`,
 * `GET /api/v1/export/hxl?view=reconciliation`): each day with trucks, all crossings first, then
 * each crossing and cargo, one row per pair of sources with both figures, what each rule explains
 * and what none does (core `hxl.reconciliationRowsOf`), as known at `asOf`, corrections applied.
 * `from`/`to` keep the days that start in the range.
 */
export async function* hxlReconciliationLines(
  store: Store,
  agreement: Agreement,
  asOf: Date,
  filter: HxlExportFilter = {},
): AsyncGenerator<string> {
  const calendar = new Calendar(agreement.timeZone, agreement.zeroHour, agreement.zeroHourDay);
  const events = await readDomainEvents(store, ['aid', 'revisions'], 0, await store.size(), [
    'aid_trucks_crossed',
    'aid_batch',
    ...aid.consignmentEventTypes,
    'correction',
    'retraction',
  ]);
  const days = aid.reconcileDaily(agreement, events, {
    asOf: asOf.getTime(),
    calendar,
    revisers: new Set(
      agreement.parties.filter((p) => p.roles.includes('mediator')).map((p) => p.id),
    ),
    fromDay: filter.from === undefined ? undefined : calendar.dayOf(Date.parse(filter.from)),
    untilDay: filter.to === undefined ? undefined : calendar.dayOf(Date.parse(filter.to) - 1),
  });
  const [header, hashtags] = hxl.reconciliationHeaderRows();
  yield hxl.csvLine(header);
  yield hxl.csvLine(hashtags);
  for (const day of days) {
    yield hxl.reconciliationRowsOf(day, calendar).map(hxl.csvLine).join('');
  }
}

/**
 * `--from`/`--to` (or `?from=`/`?to=`): an instant with its offset, or a day of the agreement's
 * calendar (`2025-01-19`); `to` as a day includes that day.
 */
export function exportFilterOf(
  agreement: Agreement | undefined,
  from: string | undefined,
  to: string | undefined,
): HxlExportFilter {
  const bound = (value: string | undefined, name: string, end: boolean): string | undefined => {
    if (value === undefined || value === '') return undefined;
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      if (!agreement) {
        throw new TruceError(
          'USAGE',
          `${name} ${value}: a day needs an agreement; give an instant with its offset`,
        );
      }
      const day = end ? nextDay(value) : value;
      const start = day && hxl.startOfLocalDay(agreement, day);
      if (start) return start;
    } else if (
      /^\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:\d{2})$/.test(value) &&
      !Number.isNaN(Date.parse(value))
    ) {
      return value;
    }
    throw new TruceError(
      'USAGE',
      `${name} ${value} is neither a day (2025-01-19) nor an instant with its offset (2025-01-19T08:30:00+02:00)`,
    );
  };
  return { from: bound(from, 'from', false), to: bound(to, 'to', true) };
}

function nextDay(day: string): string | undefined {
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms + 86_400_000).toISOString().slice(0, 10);
}
