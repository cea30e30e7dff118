import type { ExchangeReleaseFigure } from '@truce/core';
import { isSmallCell } from './small-cells.js';

/**
 * Who reads a status. Members who see the raw events (mediators, party liaisons, agencies,
 * monitors) may read every count the engine quotes: they can count the release events
 * themselves. Observers, like the public, see aggregates only: an observed count of 1 to 4
 * persons ("For 3 counterpart releases", "4 persons counted so far") is a small cell that can
 * single someone out, so it is shown as "fewer than 5", and pseudonymous ids as "[person]".
 */
export type StatusAudience = 'members' | 'aggregates';

export const fewerThanFive = 'fewer than 5';

const number = String.raw`(\d{1,3}(?:,\d{3})*|\d+)`;

/**
 * The engine's phrases that quote an observed count of persons (engine/kinds/exchange.ts,
 * schedule.ts, exchange/order.ts), each with the number(s) in capture groups. Counts that are
 * terms of the agreement (ratios, "3 by Day 7", totals) are public and left as they are.
 */
const observedCounts: RegExp[] = [
  new RegExp(String.raw`\bFor ${number} counterpart releases`, 'g'),
  new RegExp(String.raw`, ${number} \w+ are owed so far and ${number} released`, 'g'),
  new RegExp(String.raw`\b${number} \w+ counted so far`, 'g'),
  new RegExp(String.raw`\bnext: ${number} more by`, 'g'),
  new RegExp(String.raw`\bwere due and ${number} were counted`, 'g'),
  new RegExp(String.raw`\bnames ${number} for ${number} due`, 'g'),
  new RegExp(String.raw`\bnames ${number} (?:of|persons?) `, 'g'),
  new RegExp(String.raw`\b${number} (?:in all|of category [\w-]+) due (?:by )?`, 'g'),
  new RegExp(String.raw`\b${number} released by then`, 'g'),
  new RegExp(String.raw`\bwithholding ${number}\b`, 'g'),
  new RegExp(String.raw`\b${number} [\w-]+ for ${number} owed`, 'g'),
  new RegExp(String.raw`\bin exchange for ${number} named`, 'g'),
];

const cellText = (digits: string) =>
  isSmallCell(Number(digits.replace(/,/g, ''))) ? fewerThanFive : digits;

const personIds = /\b[HP]-\d{3,}\b/g;

/**
 * Every string inside `value` without pseudonymous person ids: what the parties wrote in a
 * dispute (its subject, their claims) quotes them freely.
 */
export function withoutPersonIds<T>(value: T): T {
  if (typeof value === 'string') return value.replace(personIds, '[person]') as T;
  if (Array.isArray(value)) return value.map(withoutPersonIds) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, withoutPersonIds(inner)]),
    ) as T;
  }
  return value;
}

/** A why as a role that sees aggregates only may read it: small observed counts, no person ids. */
export function whyForAggregates(why: string): string {
  let text = withoutPersonIds(why);
  for (const pattern of observedCounts) {
    text = text.replace(pattern, (match: string, ...groups: unknown[]) => {
      const numbers = groups.filter((g): g is string => typeof g === 'string');
      // Replace the captured numbers in order, each at its own place in the phrase.
      let at = 0;
      let out = '';
      let rest = match;
      for (const digits of numbers) {
        const index = rest.indexOf(digits);
        if (index < 0) continue;
        out += rest.slice(0, index) + cellText(digits);
        rest = rest.slice(index + digits.length);
        at += 1;
      }
      return at === 0 ? match : out + rest;
    });
  }
  return text;
}

const cell = (n: number): number | null => (isSmallCell(n) ? null : n);

/** The per-release figures of an exchange obligation with their small counts as null. */
export function figuresForAggregates(figures: readonly ExchangeReleaseFigure[]) {
  return figures.map((figure) => ({
    ...figure,
    counterparts: cell(figure.counterparts),
    owedTotal: cell(figure.owedTotal),
    madeTotal: cell(figure.madeTotal),
    owed: figure.owed.map((part) => ({ ...part, count: cell(part.count) })),
    made: figure.made.map((part) => ({ ...part, count: cell(part.count) })),
  }));
}
