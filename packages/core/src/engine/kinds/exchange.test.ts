import { describe, expect, it } from 'vitest';
import { agreement, day, event, persons } from '../../../test/engine-fixtures.js';
import { evaluate } from '../evaluate.js';

const exchange = agreement([
  {
    id: 'prisoners',
    kind: 'exchange',
    title: 'Prisoner releases',
    clause: '30 per civilian woman; 50 per female soldier (30 serving life sentences + 20 others)',
    owedBy: ['side-a'],
    during: { phase: 'phase-1' },
    counterpart: { type: 'hostage_released' },
    release: { type: 'prisoner_released' },
    ratios: [
      { for: ['civilian_woman', 'child'], release: [{ category: 'any', count: 30 }] },
      {
        for: 'female_soldier',
        release: [
          { category: 'life_sentence', count: 30 },
          { category: 'other_detainee', count: 20 },
        ],
      },
    ],
    withinHours: { value: 24, alternatives: [{ value: 48, source: 'report-b' }] },
  },
]);
let nextPrisoner = 1;
const hostages = (n: number, time: string, count: number, category: string) =>
  event('hostage_released', day(n, time), 'side-b', {
    persons: persons('H', n * 10, count, category),
  });
const prisoners = (n: number, time: string, count: number, category: string) => {
  const list = persons('P', nextPrisoner, count, category);
  nextPrisoner += count;
  return event('prisoner_released', day(n, time), 'side-a', { persons: list });
};
const status = (events: ReturnType<typeof hostages>[], asOf: string) =>
  evaluate(exchange, events, asOf).obligations[0]!;

describe('exchange', () => {
  it('owes the ratio per counterpart release and is on track when paid within the hours', () => {
    // 3 civilian women → 3 × 30 = 90, any category, due by Day 2 15:00.
    const s = status(
      [hostages(1, '15:00', 3, 'civilian_woman'), prisoners(1, '23:00', 90, 'other_detainee')],
      day(2, '16:00'),
    );
    expect(s.progress).toEqual({ done: 90, required: 90, unit: 'persons' });
    expect(s.status).toBe('on_track');
    expect(s.why).toContain('all owed released on time');
  });

  it('is on track while releases are not yet due, breached once overdue, and shows a withholding claim', () => {
    // 4 female soldiers → 120 serving life sentences + 80 others = 200, due by Day 8 12:00.
    const soldiers = hostages(7, '12:00', 4, 'female_soldier');
    expect(status([soldiers], day(7, '20:00')).status).toBe('on_track');
    const withheld = event('release_withheld', day(7, '20:00'), 'side-a', {
      obligation: 'prisoners',
      persons: 200,
      reason: 'handover conditions not met',
    });
    const held = status([soldiers, withheld], day(7, '21:00'));
    expect(held.status).toBe('at_risk');
    const overdue = status([soldiers, withheld], day(9, '10:00'));
    expect(overdue.status).toBe('breached');
    expect(overdue.why).toContain('200 in all due by Day 8 12:00');
    expect(overdue.why).toContain('side-a reports withholding 200: "handover conditions not met"');
    expect(overdue.eventIds).toContain(withheld.id);
    // The alternative of 48 hours keeps it pending until Day 9 at noon.
    expect(overdue.alternatives).toMatchObject([
      { path: 'withinHours', value: 48, status: 'at_risk' },
    ]);
  });

  it('checks each category: releasing others in place of life sentences does not pay the debt', () => {
    const s = status(
      [hostages(7, '12:00', 4, 'female_soldier'), prisoners(7, '20:00', 200, 'other_detainee')],
      day(9),
    );
    expect(s.status).toBe('breached');
    expect(s.why).toContain('120 of category life_sentence due by Day 8 12:00');
    expect(s.progress).toEqual({ done: 200, required: 200, unit: 'persons' });
  });

  it('is late when every owed release came, some after the deadline, and met once the phase ends', () => {
    const events = [
      hostages(7, '12:00', 4, 'female_soldier'),
      prisoners(10, '12:00', 120, 'life_sentence'),
      prisoners(10, '12:00', 80, 'other_detainee'),
    ];
    const late = status(events, day(11));
    expect(late.status).toBe('late');
    expect(late.why).toContain('reached Day 10 12:00');
    const onTime = [hostages(1, '15:00', 1, 'child'), prisoners(1, '20:00', 30, 'other_detainee')];
    expect(status(onTime, day(44)).status).toBe('met');
  });
});
