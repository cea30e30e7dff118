import { type Agreement, Calendar, type Register } from '@truce/core';

/**
 * The ICRC-style handover sheet of one day: one row per person handed over that day, with each
 * step of the chain, when, where and signed by whom. Pseudonymous ids only; names stay on the
 * server, encrypted, read per person with a reason.
 */

/** The agreement's Day `day` as instants (its time zone, its zero hour). */
export function dayWindow(agreement: Agreement, day: number): { start: number; end: number } {
  const calendar = new Calendar(agreement.timeZone, agreement.zeroHour, agreement.zeroHourDay);
  return { start: calendar.dayStart(day), end: calendar.dayEnd(day) };
}

/** Persons with a handover step, release or return on the agreement's Day `day`. */
export function personsHandedOverOn(
  register: Register,
  agreement: Agreement,
  day: number,
): Register['persons'] {
  const { start, end } = dayWindow(agreement, day);
  return register.persons.filter((person) =>
    person.history.some((h) => {
      if (h.status !== 'received' && h.status !== 'returned' && h.status !== 'handed_to_icrc')
        return false;
      const at = Date.parse(h.at);
      return at >= start && at < end;
    }),
  );
}

const sheetColumns = [
  'person',
  'category',
  'living',
  'held_by',
  'release_to',
  'listed_for_day',
  'handed_to_icrc_at',
  'handed_to_icrc_place',
  'handed_to_icrc_by',
  'received_at',
  'received_place',
  'received_by',
  'medical_check_at',
  'reunited_at',
  'identification',
  'status',
] as const;

function csvCell(value: string): string {
  // Formula injection: a spreadsheet must never run a cell.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function handoverSheetCsv(
  persons: Register['persons'],
  day?: { start: number; end: number },
): string {
  const lines = [sheetColumns.join(',')];
  for (const person of persons) {
    const time = (h: { at: string }) => Date.parse(h.at);
    const inDay = (h: { at: string }) => !day || (time(h) >= day.start && time(h) < day.end);
    // The day's handover, even when the person was handed over again later (remains returned
    // a second time after a wrong identification): that day's steps, and what followed them.
    const handed = person.history.find((h) => h.status === 'handed_to_icrc' && inDay(h));
    const received =
      person.history.find((h) => h.status === 'received' && h.place !== undefined && inDay(h)) ??
      person.history.find((h) => (h.status === 'received' || h.status === 'returned') && inDay(h));
    const from = received ? time(received) : (day?.start ?? Number.NEGATIVE_INFINITY);
    const after = (status: string) =>
      person.history.find((h) => status.split('|').includes(h.status) && time(h) >= from);
    const listed = [...person.history]
      .reverse()
      .find((h) => h.status === 'listed' && time(h) <= (received ? time(received) : Infinity));
    const identified = after('identified|not_identified');
    const row = [
      person.id,
      person.category ?? '',
      person.living === null ? '' : String(person.living),
      person.heldBy ?? '',
      person.releaseTo ?? '',
      String(listed?.forDay ?? ''),
      handed?.at ?? '',
      handed?.place ?? '',
      handed?.by ?? '',
      received?.at ?? '',
      received?.place ?? '',
      received?.by ?? '',
      after('medical_check')?.at ?? '',
      after('reunited')?.at ?? '',
      identified?.status ?? '',
      person.status,
    ];
    lines.push(row.map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
