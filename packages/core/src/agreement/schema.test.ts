import { describe, expect, it } from 'vitest';
import { agreement, day, event, persons } from '../../test/engine-fixtures.js';
import { evaluate } from '../engine/evaluate.js';
import { TruceError } from '../errors.js';
import { parseAgreement } from './parse.js';
import { agreementSchema, instant } from './schema.js';

const minimal = (extra: string) => `truce: 1
id: t
title: T
version: 1
zeroHour: 2025-01-19T08:30:00+02:00
parties: [{ id: a, name: A, roles: [party] }]
${extra}`;

function details(text: string) {
  try {
    parseAgreement(text, 't.yaml');
  } catch (error) {
    if (error instanceof TruceError) return error.details;
    throw error;
  }
  return [];
}

describe('agreement schema refinements', () => {
  it('rejects an unknown time zone at its line', () => {
    const found = details(minimal('timeZone: Asia/Gazza'));
    expect(found).toMatchObject([{ line: 7, path: 'timeZone' }]);
    expect(found[0]?.message).toContain('IANA');
    expect(details(minimal('timeZone: Asia/Gaza'))).toEqual([]);
  });

  it('rejects dates that Date.parse would roll over', () => {
    expect(instant.safeParse('2025-02-30T08:00:00+02:00').success).toBe(false);
    expect(instant.safeParse('2025-01-19T24:00:00+02:00').success).toBe(false);
    expect(instant.safeParse('2024-02-29T08:00:00+02:00').success).toBe(true);
  });

  it('requires the order of sources for a priority rule', () => {
    const base = agreement([]);
    const quota = (sources: unknown) =>
      agreementSchema.safeParse({
        ...base,
        obligations: [
          {
            id: 'q',
            kind: 'quota',
            title: 'Q',
            clause: 'c',
            owedBy: ['side-a'],
            measure: { type: 'aid_trucks_crossed' },
            unit: 'trucks',
            target: 1,
            sources,
          },
        ],
      }).success;
    expect(quota({ combine: 'priority' })).toBe(false);
    expect(quota({ combine: 'priority', among: ['un', 'cogat'] })).toBe(true);
    expect(quota({ combine: 'max' })).toBe(true);
  });
});

describe('acts that name persons', () => {
  it('a deadline for named categories is met only by a release of those categories', () => {
    const women = agreement([
      {
        id: 'women',
        kind: 'deadline',
        title: 'Living women first',
        clause: 'all living women released by Day 12',
        owedBy: ['side-b'],
        act: { type: 'hostage_released', persons: { where: { category: 'civilian_woman' } } },
        by: { day: 12 },
      },
    ]);
    const men = event('hostage_released', day(5), 'side-b', {
      persons: persons('H', 1, 3, 'man_over_50'),
    });
    expect(evaluate(women, [men], day(13)).obligations[0]?.status).toBe('breached');
    const woman = event('hostage_released', day(11), 'side-b', {
      persons: persons('H', 9, 1, 'civilian_woman'),
    });
    expect(evaluate(women, [men, woman], day(13)).obligations[0]).toMatchObject({
      status: 'met',
      eventIds: [woman.id],
    });
  });
});
