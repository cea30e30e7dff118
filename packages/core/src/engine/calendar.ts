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

/**
 * Milliseconds of an ISO 8601 instant such as `2025-01-19T08:30:00+02:00`, several times faster
 * than `Date.parse` (the engine parses two per event). Anything not in that exact shape falls
 * back to `Date.parse`, so the result is always the same as `Date.parse`'s for valid input.
 */
/** The last date seen (its first 10 characters) and its midnight, UTC: events come in runs of one day. */
let lastDate = '';
let lastDateMs = 0;

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
  const digit = (at: number) => text.charCodeAt(at) - 48;
  const year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  const month = digit(5) * 10 + digit(6);
  const day = digit(8) * 10 + digit(9);
  const hour = digit(11) * 10 + digit(12);
  const minute = digit(14) * 10 + digit(15);
  let at = 16;
  let second = 0;
  let millis = 0;
  if (text.charCodeAt(at) === 58) {
    second = digit(17) * 10 + digit(18);
    at = 19;
    if (text.charCodeAt(at) === 46) {
      at++;
      let scale = 100;
      while (at < length) {
        const d = digit(at);
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
    offset = (digit(at + 1) * 10 + digit(at + 2)) * 60 + digit(at + 4) * 10 + digit(at + 5);
    if (sign === 45) offset = -offset;
  } else {
    return Date.parse(text);
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 59) {
    return Date.parse(text);
  }
  let midnight: number;
  if (lastDate.length === 10 && text.startsWith(lastDate)) midnight = lastDateMs;
  else {
    midnight = Date.UTC(year, month - 1, day);
    lastDate = text.slice(0, 10);
    lastDateMs = midnight;
  }
  return (
    midnight + ((hour * 60 + minute) * 60 + second) * 1000 + Math.floor(millis) - offset * 60_000
  );
}
