import type { ExchangeReleaseFigure } from '@truce/core';
import { isSmallCell } from './small-cells.js';

/**
 * Who reads a status. Members who see the raw events (mediators, party liaisons, agencies,
 * monitors) may read every count the engine quotes: they can count the release events
 * themselves. Observers, like the public, see aggregates only: an observed count of 1 to 4
 * persons ("For 3 counterpart releases", "4 persons counted so far") is a small cell that can
 * single someone out, so it is shown as "fewer than 5" (the engine writes that reading of each
 * why itself), and pseudonymous ids as "[person]".
 */
export type StatusAudience = 'members' | 'aggregates';

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

/**
 * A why as a role that sees aggregates only may read it: the engine's reading for aggregates
 * (observed counts of persons from 1 to 4 as "fewer than 5", engine/observed.ts in core),
 * without pseudonymous person ids.
 */
export function whyForAggregates(explained: { why: string; whyAggregates?: string }): string {
  return withoutPersonIds(explained.whyAggregates ?? explained.why);
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
