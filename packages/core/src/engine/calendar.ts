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

  private readonly offsets = new Map<number, number>();

  /** Offset of local time from UTC at `ms`, in milliseconds (cached per half hour: zones change on it). */
  offsetAt(ms: number): number {
    const key = Math.floor(ms / 1_800_000);
    const cached = this.offsets.get(key);
    if (cached !== undefined) return cached;
    const offset = this.computeOffset(key * 1_800_000);
    this.offsets.set(key, offset);
    return offset;
  }

  private computeOffset(ms: number): number {
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

  private lastDay = Number.NaN;
  private lastStart = Number.NaN;
  private lastEnd = Number.NaN;

  /** The day number an instant falls on. */
  dayOf(ms: number): number {
    // Events mostly arrive in time order: the day of the last call is the likely answer.
    if (ms >= this.lastStart && ms < this.lastEnd) return this.lastDay;
    const base = this.dayStart(this.zeroHourDay);
    let n = Math.floor((ms - base) / DAY) + this.zeroHourDay;
    while (ms < this.dayStart(n)) n--;
    while (ms >= this.dayStart(n + 1)) n++;
    this.lastDay = n;
    this.lastStart = this.dayStart(n);
    this.lastEnd = this.dayStart(n + 1);
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

/** The two decimal digits at `at`, or -1 when either character is not a digit. */
function twoDigits(text: string, at: number): number {
  const tens = text.charCodeAt(at) - 48;
  const units = text.charCodeAt(at + 1) - 48;
  // One unsigned comparison each: a character below '0' wraps around to a large number.
  return tens >>> 0 < 10 && units >>> 0 < 10 ? tens * 10 + units : -1;
}

/**
 * Milliseconds of an ISO 8601 instant such as `2025-01-19T08:30:00+02:00`, a few times faster
 * than `Date.parse` (the engine parses two per event). The date becomes a day count by
 * arithmetic (Hinnant's days-from-civil), not through `Date.UTC` or a cache of the last date:
 * an event's two instants often fall on different dates, so such a cache mostly missed. Anything
 * not in that exact shape, or out of range, falls back to `Date.parse`, so the result is always
 * `Date.parse`'s (a day past the month's end rolls over, as `Date.parse` does).
 */
export function instantMs(text: string): number {
  const length = text.length;
  if (
    length < 17 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 ||
    text.charCodeAt(13) !== 58
  ) {
    return Date.parse(text);
  }
  const century = twoDigits(text, 0);
  const yearOfCentury = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  let at = 16;
  let second = 0;
  let millis = 0;
  if (text.charCodeAt(at) === 58) {
    second = twoDigits(text, 17);
    at = 19;
    if (text.charCodeAt(at) === 46) {
      at++;
      let scale = 100;
      while (at < length) {
        const d = text.charCodeAt(at) - 48;
        if (d < 0 || d > 9) break;
        millis += d * scale;
        scale /= 10;
        at++;
      }
    }
  }
  const sign = text.charCodeAt(at);
  let offset = 0;
  if (sign === 90 && at === length - 1) offset = 0;
  else if ((sign === 43 || sign === 45) && length - at === 6 && text.charCodeAt(at + 3) === 58) {
    const offsetHours = twoDigits(text, at + 1);
    const offsetMinutes = twoDigits(text, at + 4);
    if (offsetHours < 0 || offsetHours > 23 || offsetMinutes < 0 || offsetMinutes > 59) {
      return Date.parse(text);
    }
    offset = offsetHours * 60 + offsetMinutes;
    if (sign === 45) offset = -offset;
  } else {
    return Date.parse(text);
  }
  if (
    century < 0 ||
    yearOfCentury < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour < 0 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59 ||
    (hour > 23 && (hour > 24 || minute > 0 || second > 0 || millis > 0))
  ) {
    return Date.parse(text);
  }
  // Days from 1970-01-01 of a proleptic Gregorian date, in years that start on 1 March. Every
  // value is a small integer, so `| 0` and `>>` divide without floating-point division (the
  // year is at least −1: January or February of year 0).
  const year = century * 100 + yearOfCentury - (month <= 2 ? 1 : 0);
  const era = year >= 0 ? (year / 400) | 0 : -1;
  const yearOfEra = year - era * 400;
  const dayOfYear = (((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) | 0) + day - 1;
  const dayOfEra = yearOfEra * 365 + (yearOfEra >> 2) - ((yearOfEra / 100) | 0) + dayOfYear;
  const days = era * 146_097 + dayOfEra - 719_468;
  return days * DAY + ((hour * 60 + minute - offset) * 60 + second) * 1000 + Math.floor(millis);
}
