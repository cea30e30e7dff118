import { describe, expect, it } from 'vitest';
import { agreementDay, localDate } from './days.ts';

describe('agreement days in the agreement time zone', () => {
  const reference = { day: 23, asOf: '2025-02-10T12:00:00+02:00' };
  it('counts calendar days in the zone, not in UTC', () => {
    // 23:40 in Gaza on 9 February is 21:40 UTC: still Day 22 there.
    expect(agreementDay('2025-02-09T23:40:00+02:00', reference, 'Asia/Gaza')).toBe(22);
    // 00:30 in Gaza on 10 February is 22:30 UTC on the 9th: Day 23 in Gaza.
    expect(agreementDay('2025-02-10T00:30:00+02:00', reference, 'Asia/Gaza')).toBe(23);
    expect(agreementDay('2025-01-19T10:00:00+02:00', reference, 'Asia/Gaza')).toBe(1);
  });
  it('formats the local date', () => {
    expect(localDate('2025-02-09T22:30:00Z', 'Asia/Gaza')).toBe('2025-02-10');
  });
});
