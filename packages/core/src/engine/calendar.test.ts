import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Calendar, instantMs, parseInstant } from './calendar.js';

describe('calendar', () => {
  const gaza = new Calendar('Asia/Gaza', '2025-01-19T08:30:00+02:00', 1);

  it('numbers days from zero hour in the agreement’s zone', () => {
    expect(gaza.format(gaza.dayStart(1))).toBe('2025-01-19T00:00:00+02:00');
    expect(gaza.dayOf(Date.parse('2025-01-19T08:30:00+02:00'))).toBe(1);
    expect(gaza.dayOf(Date.parse('2025-01-18T23:59:59+02:00'))).toBe(0);
    expect(gaza.dayOf(Date.parse('2025-02-09T22:30:00Z'))).toBe(23); // 00:30 local on 10 February
    expect(gaza.format(gaza.at(22, '08:30'))).toBe('2025-02-09T08:30:00+02:00');
    expect(gaza.describe(Date.parse('2025-01-25T14:05:00+02:00'))).toBe('Day 7 14:05');
  });

  it('keeps days whole across a change to summer time', () => {
    // Asia/Gaza moved to UTC+3 on 12 April 2025 (Day 84 of this count).
    const before = gaza.dayStart(84);
    const after = gaza.dayStart(85);
    expect(gaza.format(before)).toBe('2025-04-12T00:00:00+02:00');
    expect(gaza.format(after)).toBe('2025-04-13T00:00:00+03:00');
    expect(after - before).toBe(23 * 3_600_000);
    expect(gaza.dayOf(after - 1)).toBe(84);
  });

  it('rejects an instant without an offset', () => {
    expect(() => parseInstant('2025-01-19T08:30:00')).toThrowError(/offset/);
    expect(() => parseInstant('yesterday')).toThrowError(/offset/);
  });

  it('parses instants exactly as Date.parse does', () => {
    const iso = fc
      .record({
        // Years 0000 to 9999 (the four-digit years ISO 8601 writes without a sign).
        ms: fc.integer({
          min: -62_167_219_200_000 + 15 * 3_600_000,
          max: 253_402_300_799_999 - 15 * 3_600_000,
        }),
        offsetMinutes: fc.integer({ min: -14 * 60, max: 14 * 60 }),
        seconds: fc.boolean(),
        fraction: fc.constantFrom('', '.5', '.123', '.123456789'),
        zulu: fc.boolean(),
      })
      .map(({ ms, offsetMinutes, seconds, fraction, zulu }) => {
        const offset = zulu ? 0 : offsetMinutes;
        const local = new Date(ms + offset * 60_000).toISOString();
        const sign = offset < 0 ? '-' : '+';
        const abs = Math.abs(offset);
        const suffix = zulu
          ? 'Z'
          : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        return `${local.slice(0, seconds ? 19 : 16)}${seconds ? fraction : ''}${suffix}`;
      });
    fc.assert(
      fc.property(iso, (text) => {
        expect(instantMs(text)).toBe(Date.parse(text));
      }),
      { numRuns: 2000 },
    );
    for (const odd of [
      '2025-13-01T00:00:00Z',
      '2025-01-19 08:30:00Z',
      '2025-01-19T08:30:00+0200',
      'x',
      '2025-02-30T00:00:00Z',
      '2024-02-29T12:00:00+02:00',
      '0000-02-29T00:00:00Z',
      '1969-12-31T23:59:59.999+02:00',
      '2025-01-19T24:00:00Z',
      '2025-01-19T24:00Z',
      '2025-01-19T24:00:00.0001Z',
      '2025-01-19T24:00:01Z',
      '2025-01-19T24:30:00Z',
      '2025-01-19T10:00:60Z',
      '2025-01-19T10:00:00+24:00',
      '2025-01-19T10:00:00+23:60',
      '2025-1:-19T10:00Z',
      '2025-01-1xT10:00Z',
      '20x5-01-19T10:00Z',
    ]) {
      expect(instantMs(odd)).toEqual(Date.parse(odd));
    }
  });
});
