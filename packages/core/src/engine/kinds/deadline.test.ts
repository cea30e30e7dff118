import { describe, expect, it } from 'vitest';
import { agreement, day, event } from '../../../test/engine-fixtures.js';
import { evaluate } from '../evaluate.js';

const deadlines = agreement([
  {
    id: 'withdrawal',
    kind: 'deadline',
    title: 'Withdrawal from the corridor',
    clause: 'withdraw from the corridor by Day 22',
    owedBy: ['side-a'],
    act: { type: 'withdrawal_completed', where: { zone: 'corridor' } },
    by: { day: { value: 22, alternatives: [{ value: 21, source: 'report-b' }] } },
  },
  {
    id: 'names',
    kind: 'deadline',
    title: 'Names for Day 1',
    clause: 'the list of names before zero hour',
    owedBy: ['side-b'],
    act: { type: 'names_list_delivered', where: { forDay: 1 } },
    by: { day: 1, time: '08:30' },
  },
  {
    id: 'reply',
    kind: 'deadline',
    title: 'Reply within 48 h of talks',
    clause: 'a reply within 48 hours of the start of talks',
    owedBy: ['side-a'],
    act: { type: 'talks_ended' },
    by: { withinHours: 48, after: { event: { type: 'talks_started' } } },
  },
]);
const byId = (events: ReturnType<typeof event>[], asOf: string) =>
  Object.fromEntries(evaluate(deadlines, events, asOf).obligations.map((o) => [o.id, o]));
const withdrawn = (n: number, time: string) =>
  event('withdrawal_completed', day(n, time), 'side-a', { zone: 'corridor' });

describe('deadline', () => {
  it('is on track, then at risk within its warning hours, then breached with no event', () => {
    expect(byId([], day(10)).withdrawal?.status).toBe('on_track');
    // Due at the end of Day 22 (Day 23 00:00); 24 h before is Day 22 00:00.
    expect(byId([], day(22, '01:00')).withdrawal?.status).toBe('at_risk');
    const breached = byId([], day(23, '06:00')).withdrawal!;
    expect(breached.status).toBe('breached');
    expect(breached.why).toContain('no event reports it done');
    expect(breached.why).toContain('6 h after the deadline');
  });

  it('is met when done in time, and says where the alternative day would make it late', () => {
    const done = withdrawn(22, '09:00');
    const met = byId([done], day(23)).withdrawal!;
    expect(met.status).toBe('met');
    expect(met.eventIds).toEqual([done.id]);
    expect(met.alternatives).toMatchObject([
      { path: 'by.day', value: 21, source: 'report-b', status: 'late' },
    ]);
  });

  it('is late, not breached, when done after the hour', () => {
    const list = event('names_list_delivered', day(1, '10:45'), 'side-b', {
      forDay: 1,
      persons: ['H-0001', 'H-0002', 'H-0003'],
    });
    const names = byId([list], day(1, '12:00')).names!;
    expect(names.status).toBe('late');
    expect(names.why).toContain('2.3 h late');
  });

  it('counts its hours from a trigger and waits until the trigger happens', () => {
    expect(byId([], day(5)).reply?.status).toBe('not_started');
    const started = event('talks_started', day(16, '10:00'), 'mediator', { phase: 'phase-1' });
    const pending = byId([started], day(17, '11:00')).reply!;
    expect(pending.status).toBe('at_risk');
    expect(pending.dueAt).toBe(day(18, '10:00'));
    expect(byId([started], day(18, '10:01')).reply?.status).toBe('breached');
  });

  it('ignores an act that was reported after the as-of time', () => {
    const lateReport = event(
      'withdrawal_completed',
      day(22, '09:00'),
      'side-a',
      { zone: 'corridor' },
      { reportedAt: day(24) },
    );
    expect(byId([lateReport], day(23)).withdrawal?.status).toBe('breached');
    expect(byId([lateReport], day(25)).withdrawal?.status).toBe('met');
  });
});
