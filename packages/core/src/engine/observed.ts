import { formatNumber } from './context.js';

/**
 * Counts of persons observed in the events (3 hostages released so far, 2 detainees withheld)
 * can single someone out when they are small, unlike the agreement's own terms (30 prisoners
 * for each hostage, 3 by Day 1). Readers who see aggregates only get an observed count from 1
 * to 4 as "fewer than 5"; zero stays zero, nobody can be singled out of an empty cell.
 *
 * The engine writes each observed count of persons into a why with `persons(n)`, which marks
 * it; `readings` turns the marked sentence into its two readings at the end of the evaluation.
 * The mark travels with the number whatever the sentence around it says, so rewording a why
 * cannot leave a small count visible by accident.
 */
export const smallCellLimit = 5;

export const fewerThanFive = 'fewer than 5';

export function isSmallCell(n: number): boolean {
  return n > 0 && n < smallCellLimit;
}

// Unicode private-use characters: they mean nothing in agreement or event text, and any that
// event text brings along are removed from both readings.
const open = '\uE000';
const close = '\uE001';
const marked = /\uE000([^\uE000\uE001]*)\uE001/g;
const marks = /[\uE000\uE001]/g;

/** An observed count of persons, as the engine writes it into a why (marked). */
export function persons(n: number): string {
  return `${open}${formatNumber(n)}${close}`;
}

/**
 * The two readings of a why the engine wrote: `why` for members, with every count, and
 * `whyAggregates` for readers of aggregates, with observed counts from 1 to 4 as "fewer than
 * 5" — present only when it differs.
 */
export function readings(why: string): { why: string; whyAggregates?: string } {
  if (!why.includes(open) && !why.includes(close)) return { why };
  const members = why.replace(marked, '$1').replace(marks, '');
  const aggregates = why
    .replace(marked, (_, digits: string) =>
      isSmallCell(Number(digits.replace(/,/g, ''))) ? fewerThanFive : digits,
    )
    .replace(marks, '');
  return aggregates === members ? { why: members } : { why: members, whyAggregates: aggregates };
}
