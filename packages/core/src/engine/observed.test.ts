import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fewerThanFive, isSmallCell, persons, readings } from './observed.js';

describe('observed counts of persons in a why', () => {
  it('reads every count for members, and 1 to 4 as "fewer than 5" for aggregates', () => {
    const why = `Schedule: 3 by Day 1; ${persons(3)} persons counted so far; next: ${persons(4)} more. For ${persons(1234)} counterpart releases, ${persons(0)} released`;
    expect(readings(why)).toEqual({
      why: 'Schedule: 3 by Day 1; 3 persons counted so far; next: 4 more. For 1,234 counterpart releases, 0 released',
      whyAggregates:
        'Schedule: 3 by Day 1; fewer than 5 persons counted so far; next: fewer than 5 more. For 1,234 counterpart releases, 0 released',
    });
  });

  it('gives one reading when they do not differ, and leaves unmarked text alone', () => {
    expect(readings(`${persons(5)} counted; ${persons(0)} owed`)).toEqual({
      why: '5 counted; 0 owed',
    });
    expect(readings('3 on Day 1, 4 on Day 7')).toEqual({ why: '3 on Day 1, 4 on Day 7' });
  });

  it('removes marks that event text brought along from both readings', () => {
    const claim = 'a claim with \uE000 and \uE001 in it';
    expect(readings(`${claim}: ${persons(2)}`)).toEqual({
      why: 'a claim with  and  in it: 2',
      whyAggregates: `a claim with  and  in it: ${fewerThanFive}`,
    });
  });

  it('property: whatever the sentence, no marked count from 1 to 4 survives in the reading for aggregates', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.integer({ min: 0, max: 2_000_000 })), { maxLength: 12 }),
        (parts) => {
          const why = parts.map((p) => (typeof p === 'number' ? persons(p) : p)).join(' ');
          const { why: members, whyAggregates } = readings(why);
          const aggregates = whyAggregates ?? members;
          expect(`${members}${aggregates}`).not.toMatch(/[\uE000\uE001]/);
          const small = parts.filter((p) => typeof p === 'number' && isSmallCell(p)).length;
          const said = aggregates.split(fewerThanFive).length - 1;
          expect(said).toBeGreaterThanOrEqual(small);
          if (small === 0) expect(whyAggregates).toBeUndefined();
        },
      ),
    );
  });
});
