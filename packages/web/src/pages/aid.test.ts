import { describe, expect, it } from 'vitest';
import { dwellByDay, pipelineRows, reconciliationRows, trucksByCrossing } from './aid.tsx';

const trucks = (id: string, source: string, crossing: string, count: number, at: string) => ({
  id,
  type: 'aid_trucks_crossed',
  occurredAt: at,
  reportedAt: at,
  source,
  payload: { crossing, cargo: 'food', count },
});

describe('trucks per crossing, day and source', () => {
  const dayOf = (iso: string) => Number(iso.slice(8, 10)); // the test's days: day of month
  it('sums each source apart, with its corrections and retractions applied', () => {
    const rows = trucksByCrossing(
      [
        trucks('a', 'cogat', 'kerem-shalom', 180, '2025-02-09T10:00:00+02:00'),
        trucks('b', 'cogat', 'kerem-shalom', 20, '2025-02-09T15:00:00+02:00'),
        trucks('c', 'un', 'kerem-shalom', 150, '2025-02-09T16:00:00+02:00'),
        trucks('d', 'un', 'zikim', 40, '2025-02-10T09:00:00+02:00'),
        {
          id: 'fix-c',
          type: 'correction',
          occurredAt: '2025-02-10T08:00:00+02:00',
          reportedAt: '2025-02-10T08:00:00+02:00',
          source: 'un',
          payload: {
            target: 'c',
            payload: { crossing: 'kerem-shalom', cargo: 'food', count: 155 },
            reason: 'recount',
          },
        },
        {
          id: 'drop-b',
          type: 'retraction',
          occurredAt: '2025-02-10T08:00:00+02:00',
          reportedAt: '2025-02-10T08:00:00+02:00',
          source: 'cogat',
          payload: { target: 'b', reason: 'double entry' },
        },
        // Someone else's correction of cogat's figure is a counter-claim: it changes nothing.
        {
          id: 'claim-a',
          type: 'correction',
          occurredAt: '2025-02-10T08:00:00+02:00',
          reportedAt: '2025-02-10T08:00:00+02:00',
          source: 'un',
          payload: {
            target: 'a',
            payload: { crossing: 'kerem-shalom', cargo: 'food', count: 1 },
            reason: 'disputed',
          },
        },
      ],
      dayOf,
      new Set(['qatar']),
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        { crossing: 'kerem-shalom', day: 9, source: 'cogat', trucks: 180 },
        { crossing: 'kerem-shalom', day: 9, source: 'un', trucks: 155 },
        { crossing: 'zikim', day: 10, source: 'un', trucks: 40 },
      ]),
    );
    expect(rows).toHaveLength(3);
  });
});

describe('consignment pipeline and reconciliation tables', () => {
  const stat = (crossing: string, state: string, day: number | null = null) => ({
    crossing,
    state,
    day,
    count: 3,
    medianHours: 2,
    p90Hours: 5,
    open: 1,
    stuck: [],
    stuckAfterHours: 24,
  });

  it('orders a crossing’s steps as the pipeline runs, without the per-day rows', () => {
    const rows = pipelineRows(
      [
        stat('kerem-shalom', 'warehoused'),
        stat('kerem-shalom', 'registered'),
        stat('zikim', 'cleared'),
        stat('kerem-shalom', 'crossed'),
        stat('kerem-shalom', 'registered', 4),
      ],
      'kerem-shalom',
    );
    expect(rows.map((r) => [r.state, r.day])).toEqual([
      ['registered', null],
      ['crossed', null],
      ['warehoused', null],
    ]);
  });

  it('puts each rule’s share of a pair’s gap in its column, newest day first', () => {
    const pair = (higher: number, lower: number, halfLoads: number, scope: number) => ({
      higher: { source: 'cogat', count: higher },
      lower: { source: 'un', count: lower },
      difference: higher - lower,
      explained: [
        { rule: 'crossings out of scope', amount: scope, detail: '' },
        { rule: 'half-loads', amount: halfLoads, detail: '' },
      ],
      unexplained: higher - lower - halfLoads - scope,
      comparable: true,
    });
    const rows = reconciliationRows([
      { day: 22, sources: [], reconciliation: [pair(419, 223, 160, 36)] },
      { day: 23, sources: [], reconciliation: [pair(600, 500, 20, 0)] },
    ]);
    expect(rows.map((r) => [r.day, r.halfLoads, r.outOfScope, r.unexplained])).toEqual([
      [23, 20, 0, 80],
      [22, 160, 36, 0],
    ]);
  });
});

describe('dwell by day', () => {
  it('gives each recent day of a crossing the median of each step, null where none ended', () => {
    const row = (day: number | null, state: string, medianHours: number | null, count: number) => ({
      crossing: 'zikim',
      state,
      day,
      count,
      medianHours,
      p90Hours: null,
      open: 0,
      stuck: [],
      stuckAfterHours: 24,
    });
    const days = dwellByDay(
      [
        row(null, 'registered', 5, 9),
        row(3, 'registered', 4, 2),
        row(5, 'registered', 6, 1),
        row(5, 'cleared', null, 0),
        { ...row(5, 'crossed', 2, 1), crossing: 'erez' },
      ],
      'zikim',
    );
    expect(days.map((d) => d.day)).toEqual([5, 3]);
    expect(days[0]?.cells.registered).toEqual({ median: 6, count: 1 });
    expect(days[0]?.cells.cleared).toEqual({ median: null, count: 0 });
    expect(days[0]?.cells.crossed).toBeNull();
  });
});
