import { describe, expect, it } from 'vitest';
import { agreement, day, event } from '../../test/engine-fixtures.js';
import { Calendar } from '../engine/calendar.js';
import { crossingStates } from './crossings.js';
import { reconcileDaily } from './daily.js';
import { describePair, reconcilePair, type SourceCount } from './reconcile.js';

const profiles = new Map([
  ['cogat', { source: 'cogat', counts: 'trucks' as const, halfLoaded: 'full' as const }],
  [
    'un',
    {
      source: 'un',
      counts: 'trucks' as const,
      halfLoaded: 'merged' as const,
      crossings: ['kerem-shalom', 'kissufim'],
    },
  ],
]);
const count = (
  source: string,
  total: number,
  halfLoaded: number,
  byCrossing: Record<string, [number, number]> = {},
): SourceCount => ({
  source,
  count: total,
  halfLoaded,
  byCrossing: new Map(
    Object.entries(byCrossing).map(([c, [n, h]]) => [c, { count: n, halfLoaded: h }]),
  ),
});

describe('reconciliation of sources', () => {
  it('explains the whole gap by half-loads and crossings out of scope (hand-worked)', () => {
    // cogat: 383 at Kerem Shalom (320 half-loaded) + 36 at Erez = 419. The UN does not cover
    // Erez (36) and merges half-loads two into one (320 − 160 = 160): 419 − 196 = 223.
    const pair = reconcilePair(
      count('un', 223, 0),
      count('cogat', 419, 320, { erez: [36, 0], 'kerem-shalom': [383, 320] }),
      profiles,
    );
    expect(describePair(pair)).toBe(
      'cogat 419, un 223: 36 explained by crossings out of scope, 160 by half-loads, 0 unexplained',
    );
  });

  it('does not count half-loads on a crossing out of scope twice', () => {
    // 40 half-loaded trucks, 10 of them at Erez: only the 30 on shared crossings are half-loads
    // (merged: 15 apart); Erez's 100 are all out of scope. 700 − 100 − 15 = 585 would be all
    // explained; the UN reports 570, so 15 remain.
    const pair = reconcilePair(
      count('cogat', 700, 40, { erez: [100, 10] }),
      count('un', 570, 0),
      profiles,
    );
    expect(pair.explained.map((e) => [e.rule, e.amount])).toEqual([
      ['crossings out of scope', 100],
      ['half-loads', 15],
    ]);
    expect(pair.unexplained).toBe(15);
  });

  it('shows a negative residual when the lower source is higher than the rules allow', () => {
    const pair = reconcilePair(
      count('cogat', 500, 0, { erez: [80, 0] }),
      count('un', 470, 0),
      profiles,
    );
    // Erez explains 80 of a 30 gap: the UN counted 50 more than cogat on shared crossings.
    expect(pair.unexplained).toBe(-50);
  });

  it('does not compare trucks with tonnes', () => {
    const tonnes = new Map(profiles);
    tonnes.set('un', { source: 'un', counts: 'tonnes' as never, halfLoaded: 'full' as const });
    const pair = reconcilePair(count('cogat', 500, 0), count('un', 9000, 0), tonnes);
    expect(pair.comparable).toBe(false);
    expect(describePair(pair)).toBe('un 9,000, cogat 500: not comparable (different units)');
  });

  it('matches the sources day by day and per crossing and cargo from the events', () => {
    const a = agreement([], {
      places: [
        { id: 'kerem-shalom', name: 'Kerem Shalom', kind: 'crossing' },
        { id: 'erez', name: 'Erez', kind: 'crossing' },
      ],
      sourceProfiles: [...profiles.values()],
    });
    const calendar = new Calendar(a.timeZone, a.zeroHour, a.zeroHourDay);
    const events = [
      event('aid_trucks_crossed', day(3, '12:00'), 'cogat', {
        crossing: 'kerem-shalom',
        cargo: 'food',
        count: 200,
        halfLoaded: 20,
      }),
      event('aid_trucks_crossed', day(3, '12:00'), 'cogat', {
        crossing: 'erez',
        cargo: 'food',
        count: 50,
      }),
      event('aid_trucks_crossed', day(3, '18:00'), 'un', {
        crossing: 'kerem-shalom',
        cargo: 'food',
        count: 190,
      }),
    ];
    const [d3] = reconcileDaily(a, events, { asOf: Date.parse(day(5)), calendar });
    expect(d3?.day).toBe(3);
    expect(d3?.reconciliation.map(describePair)).toEqual([
      'cogat 250, un 190: 50 explained by crossings out of scope, 10 by half-loads, 0 unexplained',
    ]);
    expect(d3?.cells.map((c) => [c.crossing, c.cargo, c.reconciliation.map(describePair)])).toEqual(
      [
        ['erez', 'food', ['cogat 50, un 0: 50 explained by crossings out of scope, 0 unexplained']],
        ['kerem-shalom', 'food', ['cogat 200, un 190: 10 explained by half-loads, 0 unexplained']],
      ],
    );
  });
});

describe('crossings', () => {
  const a = agreement([], {
    places: [
      {
        id: 'kerem-shalom',
        name: 'Kerem Shalom',
        kind: 'crossing',
        lat: 31.2208,
        lon: 34.2706,
        crossing: {
          hours: { opens: '07:00', closes: '19:00' },
          closedOn: ['sat'],
          trucksPerDay: 450,
          closed: [{ from: day(10, '00:00'), until: day(12, '00:00'), reason: 'holiday' }],
        },
      },
    ],
  });
  const calendar = new Calendar(a.timeZone, a.zeroHour, a.zeroHourDay);
  const state = (at: string, events: Parameters<typeof crossingStates>[1] = []) =>
    crossingStates(a, events, Date.parse(at), calendar)[0];

  it('is open in its hours, closed outside them, on its closed week day and in a closed period', () => {
    // Day 2 is Monday 20 January 2025; Day 6 is Friday, Day 7 Saturday.
    expect(state(day(2, '10:00'))).toMatchObject({ open: true, trucksPerDay: 450 });
    expect(state(day(2, '20:00'))).toMatchObject({
      open: false,
      why: 'outside its hours (07:00–19:00)',
    });
    expect(state(day(7, '10:00'))).toMatchObject({ open: false, why: 'does not open on sat' });
    expect(state(day(11, '10:00'))?.why).toContain('holiday');
  });

  it('follows the latest report of a closure or an opening', () => {
    const closed = event('crossing_closed', day(3, '09:00'), 'cogat', {
      crossing: 'kerem-shalom',
      reason: 'security incident',
    });
    expect(state(day(3, '10:00'), [closed])).toMatchObject({ open: false });
    const reopened = event('crossing_opened', day(3, '11:00'), 'cogat', {
      crossing: 'kerem-shalom',
    });
    expect(state(day(3, '12:00'), [closed, reopened])).toMatchObject({ open: true });
  });
});
