import { describe, expect, it } from 'vitest';
import { agreement, day, event, persons } from '../../../test/engine-fixtures.js';
import { evaluate } from '../evaluate.js';

const rules = agreement([
  {
    id: 'flights',
    kind: 'prohibition',
    title: 'Surveillance flights',
    clause: 'flights suspended 10 hours a day, 12 on exchange days',
    owedBy: ['side-a'],
    during: { phase: 'phase-1' },
    act: { type: 'flight_observed', where: { purpose: 'surveillance' } },
    window: {
      quietHoursPerDay: { value: 10, alternatives: [{ value: 8, source: 'report-b' }] },
      onExchangeDays: 12,
      exchangeDays: { type: 'hostage_released' },
    },
  },
  {
    id: 'north-window',
    kind: 'prohibition',
    title: 'No flights over the north 10:00–16:00',
    clause: 'no flights over the north from 10:00 to 16:00',
    owedBy: ['side-a'],
    during: { phase: 'phase-1' },
    act: { type: 'flight_observed', where: { area: 'north' } },
    window: { dailyFrom: '10:00', dailyTo: '16:00' },
  },
]);
const flight = (n: number, from: string, to: string, area = 'south', endDay = n) =>
  event('flight_observed', day(n, from), 'monitor', {
    endedAt: day(endDay, to),
    area,
    purpose: 'surveillance',
  });
const byId = (events: ReturnType<typeof event>[], asOf: string) =>
  Object.fromEntries(evaluate(rules, events, asOf).obligations.map((o) => [o.id, o]));

describe('prohibition', () => {
  it('needs a long enough quiet period each day, and cites the alternative that would pass', () => {
    // Day 3: flights 00:00–07:00 and 16:00–24:00 leave 9 h quiet: short of 10, enough for 8.
    const events = [flight(3, '00:00', '07:00'), flight(3, '16:00', '00:00', 'south', 4)];
    const s = byId(events, day(5)).flights!;
    expect(s.status).toBe('breached');
    expect(s.why).toContain('Day 3: longest quiet period 9 h, 10 h required');
    expect(s.progress).toEqual({ done: 4, required: 5, unit: 'days without violation' });
    expect(s.alternatives).toMatchObject([
      { path: 'window.quietHoursPerDay', value: 8, status: 'on_track' },
    ]);
  });

  it('asks for more quiet hours on exchange days', () => {
    // 11 h quiet (07:00–18:00) is enough on an ordinary day, not on a day with a release.
    const events = [flight(6, '00:00', '07:00'), flight(6, '18:00', '23:59')];
    expect(byId(events, day(8)).flights?.status).toBe('on_track');
    const release = event('hostage_released', day(6, '12:00'), 'side-b', {
      persons: persons('H', 1, 3, 'civilian_woman'),
    });
    const s = byId([...events, release], day(8)).flights!;
    expect(s.status).toBe('breached');
    expect(s.why).toContain('Day 6 (an exchange day)');
  });

  it('knows during a day when the quiet period can no longer be reached', () => {
    // By 15:00: flights 00:00–08:00 and 14:00–15:00; at most 9 h left till midnight.
    const events = [flight(9, '00:00', '08:00'), flight(9, '14:00', '15:00')];
    expect(byId(events, day(9, '15:00')).flights?.status).toBe('breached');
    // At 13:00 the day can still end with 11 h of quiet.
    expect(byId([flight(9, '00:00', '08:00')], day(9, '13:00')).flights?.status).toBe('on_track');
  });

  it('forbids any act inside a daily window', () => {
    expect(byId([flight(4, '17:00', '18:00', 'north')], day(6))['north-window']?.status).toBe(
      'on_track',
    );
    const s = byId([flight(4, '15:30', '16:30', 'north')], day(6))['north-window']!;
    expect(s.status).toBe('breached');
    expect(s.why).toContain('inside 10:00–16:00 on Day 4');
  });

  it('counts a confirmed finding by a monitor, but not an allegation nor a finding by a party', () => {
    const alleged = event('incident_reported', day(5, '09:00'), 'side-b', {
      incident: 'i-1',
      category: 'flight',
      obligation: 'flights',
      description: 'drone seen during the quiet hours',
    });
    const base = byId([alleged], day(6)).flights!;
    expect(base.status).toBe('on_track');
    expect(base.why).toContain('1 allegation reported');
    const byParty = event('finding_recorded', day(6, '09:00'), 'side-b', {
      incident: 'i-1',
      outcome: 'confirmed',
      obligation: 'flights',
      summary: 'confirmed',
    });
    expect(byId([alleged, byParty], day(7)).flights?.status).toBe('on_track');
    const byMonitor = event('finding_recorded', day(6, '09:00'), 'monitor', {
      incident: 'i-1',
      outcome: 'confirmed',
      obligation: 'flights',
      attributedTo: 'side-a',
      summary: 'a flight at 11:00 on Day 5',
    });
    const confirmed = byId([alleged, byMonitor], day(7)).flights!;
    expect(confirmed.status).toBe('breached');
    expect(confirmed.why).toContain(`confirmed finding ${byMonitor.id}`);
  });

  it('is met when its phase ends without a violation', () => {
    expect(byId([flight(3, '00:00', '05:00')], day(44)).flights?.status).toBe('met');
  });
});

describe('prohibition across midnight', () => {
  const night = agreement([
    {
      id: 'night',
      kind: 'prohibition',
      title: 'No movement at night',
      clause: 'no movement between 22:00 and 06:00',
      owedBy: ['side-a'],
      during: { phase: 'phase-1' },
      act: { type: 'flight_observed' },
      window: { dailyFrom: '22:00', dailyTo: '06:00' },
    },
  ]);
  const at = (n: number, from: string, to: string, endDay = n) =>
    event('flight_observed', day(n, from), 'monitor', {
      endedAt: day(endDay, to),
      purpose: 'surveillance',
    });
  const status = (events: ReturnType<typeof event>[]) =>
    evaluate(night, events, day(10)).obligations[0]!;

  it('counts acts after midnight and before 06:00, and not those in daytime', () => {
    expect(status([at(4, '12:00', '13:00')]).status).toBe('on_track');
    const early = status([at(4, '03:00', '04:00')]);
    expect(early.status).toBe('breached');
    expect(early.why).toContain('on Day 4');
    expect(status([at(4, '23:00', '23:30')]).status).toBe('breached');
  });
});
