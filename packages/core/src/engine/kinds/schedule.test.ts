import { describe, expect, it } from 'vitest';
import { agreement, day, event, persons } from '../../../test/engine-fixtures.js';
import { evaluate } from '../evaluate.js';

// 3 on Day 1, 4 on Day 7, 3 every 7 days from Day 14 to Day 35 (Days 14, 21, 28, 35), the
// remainder by Day 42: 33 − (3 + 4 + 12) = 14 on Day 42.
const releases = agreement([
  {
    id: 'releases',
    kind: 'schedule',
    title: 'Hostage releases',
    clause: '33 in phase 1: 3 on Day 1, 4 on Day 7, then 3 every 7 days; the remainder in week 6',
    owedBy: ['side-b'],
    measure: {
      type: ['hostage_released', 'remains_returned'],
      persons: { where: { category: ['civilian_woman', 'female_soldier', 'remains'] } },
    },
    items: [
      { day: 1, count: 3 },
      { day: 7, count: 4 },
      { every: 7, fromDay: 14, untilDay: 35, count: 3 },
      { remainderBy: 42 },
    ],
    total: 33,
  },
]);
let next = 1;
const released = (
  n: number,
  count: number,
  category = 'civilian_woman',
  time = '15:00',
  source = 'side-b',
) => {
  const list = persons('H', next, count, category);
  next += count;
  return event('hostage_released', day(n, time), source, { persons: list });
};
const status = (events: ReturnType<typeof released>[], asOf: string) => {
  const result = evaluate(releases, events, asOf);
  return { ...result.obligations[0]!, warnings: result.warnings };
};

describe('schedule', () => {
  it('expands repeating items and the remainder, and is on track while each item is met', () => {
    const s = status([released(1, 3)], day(2));
    expect(s.status).toBe('on_track');
    expect(s.progress).toEqual({ done: 3, required: 33, unit: 'persons' });
    expect(s.why).toContain(
      '3 by Day 1, 4 by Day 7, 3 by Day 14, 3 by Day 21, 3 by Day 28, 3 by Day 35, 14 by Day 42',
    );
    expect(s.why).toContain('next: 4 more by the end of Day 7');
    expect(s.dueAt).toBe(day(8, '00:00'));
  });

  it('is breached when an item is not met by the end of its day, then caught up but remembered', () => {
    const day1 = released(1, 3);
    const day7 = released(7, 3);
    const breached = status([day1, day7], day(8, '09:00'));
    expect(breached.status).toBe('breached');
    expect(breached.why).toContain('By the end of Day 7, 7 were due and 6 were counted');
    const caughtUp = status([day1, day7, released(8, 1)], day(9));
    expect(caughtUp.status).toBe('on_track');
    expect(caughtUp.why).toContain('Caught up after being late on Day 7');
  });

  it('counts only the categories the measure names', () => {
    const s = status([released(1, 2), released(1, 5, 'thai_national')], day(2));
    expect(s.status).toBe('breached');
    expect(s.progress.done).toBe(2);
  });

  it('takes extra items added by a mediators’ measure out of the remainder', () => {
    const opened = event('dispute_opened', day(7, '18:00'), 'mediator', {
      dispute: 'd-1',
      obligations: ['releases'],
      subject: 'order of releases',
      claims: [
        { by: 'side-a', claim: 'a civilian woman was due first' },
        { by: 'side-b', claim: 'she will be released' },
      ],
    });
    const resolved = event('dispute_resolved', day(8, '10:00'), 'mediator', {
      dispute: 'd-1',
      decision: 'an extra release of 3 on Day 12',
      measures: [{ kind: 'addItem', obligation: 'releases', day: 12, count: 3 }],
    });
    const whileOpen = status([released(1, 3), released(7, 4), opened], day(8, '08:00'));
    expect(whileOpen.status).toBe('disputed');
    expect(whileOpen.underlying).toBe('on_track');
    expect(whileOpen.why).toContain('side-a claims "a civilian woman was due first"');
    const after = status([released(1, 3), released(7, 4), opened, resolved], day(9));
    expect(after.status).toBe('on_track');
    expect(after.why).toContain('3 by Day 12');
    // The total stays 33: the remainder on Day 42 shrinks from 14 to 11.
    expect(after.why).toContain('11 by Day 42');
    expect(after.eventIds).toContain(resolved.id);
  });

  it('lowers the count when a return is corrected as unidentified remains, by the reporter only', () => {
    const remains = event('remains_returned', day(33, '20:00'), 'icrc', {
      persons: [{ id: 'H-0900', category: 'remains', living: false }],
    });
    const base = [
      released(1, 3),
      released(7, 4),
      released(14, 3),
      released(21, 3),
      released(28, 3),
    ];
    const before = status([...base, remains], day(34, '08:00'));
    expect(before.progress.done).toBe(17);
    const correction = event('correction', day(34, '12:00'), 'icrc', {
      target: remains.id,
      payload: { persons: [{ id: 'H-0900', category: 'unidentified_remains', living: false }] },
      reason: 'forensic identification: not the person named',
    });
    const after = status([...base, remains, correction], day(34, '13:00'));
    expect(after.progress.done).toBe(16);
    expect(after.why).toContain(`corrected by ${correction.id}`);
    // The same correction from another organisation is a counter-claim, not an edit.
    const foreign = event('correction', day(34, '12:00'), 'side-a', {
      target: remains.id,
      payload: { persons: [{ id: 'H-0900', category: 'unidentified_remains', living: false }] },
      reason: 'not the person named',
    });
    const ignored = status([...base, remains, foreign], day(34, '13:00'));
    expect(ignored.progress.done).toBe(17);
    expect(ignored.warnings.map((w) => w.eventId)).toContain(foreign.id);
    // Before the correction was reported, an evaluation as of then does not see it.
    expect(status([...base, remains, correction], day(34, '11:00')).progress.done).toBe(17);
  });

  it('is met when all are released on time, late when some came after their day', () => {
    next = 1;
    const onTime = [
      released(1, 3),
      released(7, 4),
      released(14, 3),
      released(21, 3),
      released(28, 3),
      released(35, 3),
      released(40, 14),
    ];
    expect(status(onTime, day(43)).status).toBe('met');
    next = 1;
    const late = [
      released(1, 3),
      released(8, 4),
      released(14, 3),
      released(21, 3),
      released(28, 3),
      released(35, 3),
      released(40, 14),
    ];
    const s = status(late, day(43));
    expect(s.status).toBe('late');
    expect(s.why).toContain('Day 7 item met Day 8 15:00');
  });
});
