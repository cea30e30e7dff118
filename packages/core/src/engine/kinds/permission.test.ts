import { describe, expect, it } from 'vitest';
import { agreement, day, event, persons } from '../../../test/engine-fixtures.js';
import { evaluate } from '../evaluate.js';

const permissions = agreement([
  {
    id: 'returns',
    kind: 'permission',
    title: 'Returns north on foot',
    clause: 'from Day 7, return to the north on foot via the coastal road',
    owedBy: ['side-a'],
    when: { day: 7 },
    act: { type: 'crossing_opened', where: { crossing: 'coastal-road' } },
    blockedBy: { type: 'crossing_closed', where: { crossing: 'coastal-road' } },
  },
  {
    id: 'rafah',
    kind: 'permission',
    title: 'Rafah for the wounded',
    clause: 'Rafah opens for the wounded after all living women are released',
    owedBy: ['side-a'],
    when: {
      count: {
        type: 'hostage_released',
        persons: { where: { category: ['civilian_woman', 'female_soldier'], living: true } },
      },
      atLeast: 7,
    },
    act: { type: 'crossing_opened', where: { crossing: 'rafah' } },
  },
]);
const byId = (events: ReturnType<typeof event>[], asOf: string) =>
  Object.fromEntries(evaluate(permissions, events, asOf).obligations.map((o) => [o.id, o]));
const opened = (crossing: string, n: number, time: string) =>
  event('crossing_opened', day(n, time), 'side-a', { crossing });

describe('permission', () => {
  it('waits for its condition, then is met when honoured within the grace hours', () => {
    expect(byId([], day(6)).returns?.status).toBe('not_started');
    expect(byId([], day(7, '10:00')).returns?.status).toBe('on_track');
    const s = byId([opened('coastal-road', 7, '10:00')], day(8)).returns!;
    expect(s.status).toBe('met');
    expect(s.why).toContain('allowed from Day 7 00:00');
  });

  it('is breached when not honoured in time and blocked, late when honoured after', () => {
    const closed = event('crossing_closed', day(7, '06:00'), 'side-a', {
      crossing: 'coastal-road',
      reason: 'order of releases disputed',
    });
    expect(byId([closed], day(7, '12:00')).returns?.status).toBe('at_risk');
    const breached = byId([closed], day(8, '06:00')).returns!;
    expect(breached.status).toBe('breached');
    expect(breached.why).toContain(
      'Blocked since Day 7 06:00 by side-a: "order of releases disputed"',
    );
    expect(byId([closed, opened('coastal-road', 9, '07:00')], day(10)).returns?.status).toBe(
      'late',
    );
  });

  it('moves with a mediators’ delay, and is disputed while the dispute is open', () => {
    const closed = event('crossing_closed', day(7, '06:00'), 'side-a', {
      crossing: 'coastal-road',
      reason: 'order of releases disputed',
    });
    const dispute = event('dispute_opened', day(7, '09:00'), 'mediator', {
      dispute: 'd-7',
      obligations: ['returns'],
      subject: 'returns postponed over the order of releases',
      claims: [
        { by: 'side-a', claim: 'a civilian woman was due on Day 7', evidence: [closed.id] },
        { by: 'side-b', claim: 'the returns were agreed for Day 7', evidence: [] },
      ],
    });
    const disputed = byId([closed, dispute], day(8, '06:00')).returns!;
    expect(disputed.status).toBe('disputed');
    expect(disputed.underlying).toBe('breached');
    expect(disputed.disputes[0]?.claims.map((c) => c.by)).toEqual(['side-a', 'side-b']);
    const resolved = event('dispute_resolved', day(8, '10:00'), 'mediator', {
      dispute: 'd-7',
      decision: 'returns from Day 9; an extra release',
      measures: [{ kind: 'delay', obligation: 'returns', days: 2 }],
    });
    const after = byId([closed, dispute, resolved, opened('coastal-road', 9, '07:00')], day(10))
      .returns!;
    expect(after.status).toBe('met');
    expect(after.why).toContain(`postponed 2 days by d-7 (${resolved.id})`);
    // A resolution by a party is not a resolution.
    const fake = event('dispute_resolved', day(8, '10:00'), 'side-a', {
      dispute: 'd-7',
      decision: 'closed',
      measures: [],
    });
    const result = evaluate(permissions, [closed, dispute, fake], day(8, '12:00'));
    expect(result.obligations.find((o) => o.id === 'returns')?.status).toBe('disputed');
    expect(result.warnings.map((w) => w.eventId)).toContain(fake.id);
  });

  it('opens after a count of releases is reached', () => {
    const women = event('hostage_released', day(1, '15:00'), 'side-b', {
      persons: persons('H', 1, 3, 'civilian_woman'),
    });
    const soldiers = event('hostage_released', day(7, '11:00'), 'side-b', {
      persons: persons('H', 4, 4, 'female_soldier'),
    });
    expect(byId([women], day(5)).rafah?.status).toBe('not_started');
    const s = byId([women, soldiers], day(7, '12:00')).rafah!;
    expect(s.status).toBe('on_track');
    expect(s.why).toContain('allowed from Day 7 11:00');
  });
});
