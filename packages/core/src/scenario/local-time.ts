/**
 * Local wall-clock instants for a scenario, written with the agreement zone's UTC offset.
 *
 * The scenarios fall in periods where Asia/Gaza keeps one offset throughout (+02:00: January–
 * March 2025 and late November 2023, both outside daylight saving time), so a fixed offset is
 * exact there and keeps the core free of time-zone data. Do not reuse this for a period that
 * crosses a daylight-saving change.
 */
export interface LocalCalendar {
  /** The instant at `minutes` after local midnight of day `day` (Day 1 = `firstDay`). */
  at(day: number, minutes: number, seconds?: number): string;
  /** Epoch milliseconds of the same instant, for ordering. */
  epoch(instant: string): number;
}

const pad2 = (value: number) => (value < 10 ? `0${value}` : String(value));

export function fixedOffsetCalendar(firstDay: string, offset: string): LocalCalendar {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(firstDay);
  const offsetMatch = /^[+-]\d{2}:\d{2}$/.exec(offset);
  if (!match || !offsetMatch) throw new RangeError(`bad calendar ${firstDay} ${offset}`);
  // Wall-clock arithmetic happens in a UTC Date used only as a calendar; the offset is appended.
  const base = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return {
    at(day, minutes, seconds = 0) {
      const wall = new Date(base + ((day - 1) * 1440 + minutes) * 60_000 + seconds * 1000);
      return (
        `${wall.getUTCFullYear()}-${pad2(wall.getUTCMonth() + 1)}-${pad2(wall.getUTCDate())}` +
        `T${pad2(wall.getUTCHours())}:${pad2(wall.getUTCMinutes())}:${pad2(wall.getUTCSeconds())}` +
        offset
      );
    },
    epoch(instant) {
      const value = Date.parse(instant);
      if (Number.isNaN(value)) throw new RangeError(`not an instant: ${instant}`);
      return value;
    },
  };
}

/** "08:30" → 510 minutes after midnight. Hours past 23 roll into the next day ("25:00"). */
export function minutesOf(clock: string): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(clock);
  if (!match) throw new RangeError(`not a clock time: ${clock}`);
  return Number(match[1]) * 60 + Number(match[2]);
}
