import type { TruceEvent } from '../events/schema.js';
import { exportColumns, fieldOf } from './columns.js';
import { parseHashtag } from './hashtag.js';
import type { AidEvent } from './reader.js';

export function isAidEvent(event: TruceEvent): event is AidEvent {
  return event.type === 'aid_trucks_crossed' || event.type === 'aid_items_delivered';
}

/**
 * The kept hashtags of some events, in first-seen order, for the extra columns of an export.
 * A kept hashtag that a mapped column already writes (only possible for an event submitted with
 * such an `hxl` key by hand) is left out: the file would otherwise say two things in one field.
 */
export function keptHashtagsOf(events: Iterable<TruceEvent>, into: string[] = []): string[] {
  const seen = new Set(into);
  for (const event of events) {
    if (!isAidEvent(event) || !event.payload.hxl) continue;
    for (const hashtag of Object.keys(event.payload.hxl)) {
      if (seen.has(hashtag)) continue;
      seen.add(hashtag);
      const parsed = parseHashtag(hashtag);
      if (parsed && fieldOf(parsed) === undefined) into.push(hashtag);
    }
  }
  return into;
}

/** The header row and the hashtag row of an export with these extra columns. */
export function hxlHeaderRows(kept: readonly string[]): [string[], string[]] {
  return [
    [...exportColumns.map((column) => column.header), ...kept],
    [...exportColumns.map((column) => column.hashtag), ...kept],
  ];
}

/** One aid event as a row of the export, under `hxlHeaderRows(kept)`. */
export function hxlRowOf(event: AidEvent, kept: readonly string[]): string[] {
  const p = event.payload;
  const trucks = event.type === 'aid_trucks_crossed' ? event.payload : undefined;
  const items = event.type === 'aid_items_delivered' ? event.payload : undefined;
  const text = (value: string | number | undefined) => (value === undefined ? '' : String(value));
  const values: Record<string, string> = {
    id: event.id,
    occurredAt: event.occurredAt,
    reportedAt: event.reportedAt,
    sourceCode: event.source,
    crossingCode: text(p.crossing),
    destinationCode: text(p.destination),
    category: text(trucks?.cargo),
    itemName: text(items?.item),
    trucks: text(trucks?.count),
    halfLoaded: text(trucks?.halfLoaded),
    items: text(items?.count),
    consignment: text(trucks?.consignment),
  };
  return [
    ...exportColumns.map((column) => values[column.field] ?? ''),
    ...kept.map((hashtag) => p.hxl?.[hashtag] ?? ''),
  ];
}

/** One CSV line (RFC 4180): fields with a comma, quote or line break are quoted. */
export function csvLine(cells: readonly string[]): string {
  return `${cells
    .map((cell) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell))
    .join(',')}\r\n`;
}
