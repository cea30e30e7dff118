import { TruceError } from '../errors.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Counts days as the agreement's text does: Day N is a calendar day in the agreement's time
 * zone, numbered from the day of zero hour. Day boundaries are computed once per day and cached,
 * so mapping an instant to its day is O(1) after warm-up (the engine does it for every event).
 */
export class Calendar {
  readonly timeZone: string;
  readonly zeroHour: number;
  readonly zeroHourDay: number;
  private readonly parts: Intl.DateTimeFormat;
  private readonly starts = new Map<number, number>();
  private readonly zeroLocalDate: { year: number; month: number; day: number };

  constructor(timeZone: string, zeroHour: string, zeroHourDay: number) {
    try {
      this.parts = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new TruceError('AGREEMENT_INVALID', `unknown time zone "${timeZone}"`, [
        { path: 'timeZone', message: 'use an IANA zone name such as Asia/Gaza or Africa/Cairo' },
      ]);
    }
    this.timeZone = timeZone;
    this.zeroHour = parseInstant(zeroHour);
    this.zeroHourDay = zeroHourDay;
    const local = this.localParts(this.zeroHour);
    this.zeroLocalDate = { year: local.year, month: local.month, day: local.day };
  }

  private localParts(ms: number) {
    const values: Record<string, number> = {};
    for (const part of this.parts.formatToParts(ms)) {
      if (part.type !== 'literal') values[part.type] = Number(part.value);
    }
    return {
      year: values.year ?? 1970,
      month: values.month ?? 1,
      day: values.day ?? 1,
      hour: values.hour ?? 0,
      minute: values.minute ?? 0,
      second: values.second ?? 0,
    };
  }

  /** Offset of local time from UTC at `ms`, in milliseconds. */
  offsetAt(ms: number): number {
    const p = this.localParts(ms);
    const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    return asUtc - Math.floor(ms / 1000) * 1000;
  }

  /** The instant local time reads `dayOffsetFromZero` days after zero hour's date at `minutes` past midnight. */
  private localToInstant(dayOffsetFromZero: number, minutes: number): number {
    const { year, month, day } = this.zeroLocalDate;
    const naive = Date.UTC(year, month - 1, day + dayOffsetFromZero) + minutes * 60_000;
    // Two passes settle the offset, also across a DST change.
    let guess = naive - this.offsetAt(naive);
    guess = naive - this.offsetAt(guess);
    return guess;
  }

  /** Start (local midnight) of Day `n`. */
  dayStart(n: number): number {
    let start = this.starts.get(n);
    if (start === undefined) {
      start = this.localToInstant(n - this.zeroHourDay, 0);
      this.starts.set(n, start);
    }
    return start;
  }

  /** End of Day `n` (start of the next): "by Day n" means before this instant. */
  dayEnd(n: number): number {
    return this.dayStart(n + 1);
  }

  /** Local time `HH:MM` on Day `n`. */
  at(n: number, time: string): number {
    const [hours, minutes] = time.split(':').map(Number);
    return this.localToInstant(n - this.zeroHourDay, (hours ?? 0) * 60 + (minutes ?? 0));
  }

  /** The day number an instant falls on. */
  dayOf(ms: number): number {
    const base = this.dayStart(this.zeroHourDay);
    let n = Math.floor((ms - base) / DAY) + this.zeroHourDay;
    while (ms < this.dayStart(n)) n--;
    while (ms >= this.dayStart(n + 1)) n++;
    return n;
  }

  /** ISO 8601 in the agreement's zone, with its offset: what users read. */
  format(ms: number): string {
    const offset = this.offsetAt(ms);
    const local = new Date(ms + offset).toISOString().slice(0, 19);
    const sign = offset < 0 ? '-' : '+';
    const minutes = Math.abs(offset) / 60_000;
    const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
    const mm = String(minutes % 60).padStart(2, '0');
    return `${local}${sign}${hh}:${mm}`;
  }

  /** "Day 7 14:30": how the cell speaks of times. */
  describe(ms: number): string {
    const day = this.dayOf(ms);
    const local = new Date(ms + this.offsetAt(ms)).toISOString().slice(11, 16);
    return `Day ${day} ${local}`;
  }
}

const instantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an ISO 8601 instant that carries an offset; anything else is ambiguous and rejected. */
export function parseInstant(
  text: string,
  code: 'AS_OF_INVALID' | 'EVENT_INVALID' = 'AS_OF_INVALID',
): number {
  const ms = instantPattern.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new TruceError(code, `"${text}" is not an ISO 8601 date-time with an offset`, [
      { message: 'write it like 2025-02-11T12:00:00+02:00 (the offset is required)' },
    ]);
  }
  return ms;
}

export const HOUR_MS = HOUR;
export const DAY_MS = DAY;
