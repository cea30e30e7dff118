import { describe, expect, it } from 'vitest';
import { trucksByCrossing } from './aid.tsx';

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
