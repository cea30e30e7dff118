import { describe, expect, it } from 'vitest';
import { agreement, day, event, persons } from '../../test/engine-fixtures.js';
import { evaluate } from './evaluate.js';

const talks = { type: 'talks_started' as const, where: { phase: 'phase-2' } };
const withPhases = (phases: unknown[], obligations: unknown[] = []) =>
  agreement(obligations as never, { phases: phases as never });

describe('phases', () => {
  it('runs from its start day for its duration and reports the day of the phase', () => {
    const result = evaluate(
      withPhases([{ id: 'phase-1', start: { day: 1 }, durationDays: 42 }]),
      [],
      day(23),
    );
    expect(result.day).toBe(23);
    expect(result.phases[0]).toMatchObject({
      state: 'active',
      startedAt: '2025-01-19T08:30:00+02:00',
      endsAt: '2025-03-02T00:00:00+02:00',
      dayOfPhase: 23,
      lengthDays: 42,
    });
  });

  it('continues while talks continue, and ends when they stop', () => {
    const agreementWithTalks = withPhases([
      {
        id: 'phase-1',
        start: { day: 1 },
        durationDays: 42,
        extensions: [
          {
            whileOngoing: {
              started: { event: talks },
              stopped: { event: { type: 'talks_ended', where: { phase: 'phase-2' } } },
            },
          },
        ],
      },
      {
        id: 'phase-2',
        start: {
          when: {
            all: [
              { phaseEnded: 'phase-1' },
              { event: { type: 'talks_ended', where: { phase: 'phase-2', outcome: 'concluded' } } },
            ],
          },
        },
      },
    ]);
    const started = event('talks_started', day(16), 'mediator', { phase: 'phase-2' });
    const ongoing = evaluate(agreementWithTalks, [started], day(45));
    expect(ongoing.phases[0]).toMatchObject({ state: 'active', endsAt: null, dayOfPhase: 45 });
    expect(ongoing.phases[0]?.why).toContain('extended while');
    const concluded = event('talks_ended', day(50, '18:00'), 'mediator', {
      phase: 'phase-2',
      outcome: 'concluded',
    });
    const after = evaluate(agreementWithTalks, [started, concluded], day(51));
    expect(after.phases[0]).toMatchObject({ state: 'ended', endsAt: day(50, '18:00') });
    expect(after.phases[1]).toMatchObject({ state: 'active', startedAt: day(50, '18:00') });
    // Talks that stop before the phase would end extend nothing.
    const stopped = event('talks_ended', day(41), 'mediator', {
      phase: 'phase-2',
      outcome: 'suspended',
    });
    expect(evaluate(agreementWithTalks, [started, stopped], day(44)).phases[0]).toMatchObject({
      state: 'ended',
      endsAt: '2025-03-02T00:00:00+02:00',
    });
  });

  it('adds a day for every 10 releases beyond 50, up to its cap', () => {
    const pause = withPhases([
      {
        id: 'pause',
        start: { day: 1 },
        durationDays: 4,
        extensions: [
          {
            perCount: { measure: { type: 'hostage_released' }, beyond: 50, every: 10, days: 1 },
            maxDays: 3,
          },
        ],
      },
    ]);
    const release = (n: number, from: number, count: number) =>
      event('hostage_released', day(n, '16:00'), 'side-b', {
        persons: persons('H', from, count, 'child'),
      });
    const base = [release(1, 1, 13), release(2, 14, 13), release(3, 27, 12), release(4, 39, 12)];
    expect(evaluate(pause, base, day(6)).phases[0]).toMatchObject({
      state: 'ended',
      lengthDays: 4,
    });
    // 10 more on Day 5 were released while the extension they earn was running.
    const extended = evaluate(pause, [...base, release(4, 51, 10), release(5, 61, 10)], day(10));
    expect(extended.phases[0]).toMatchObject({ state: 'ended', lengthDays: 6 });
    expect(extended.phases[0]?.why).toContain('+2 days for 20 counted beyond 50');
    const capped = evaluate(pause, [...base, release(4, 51, 60)], day(12));
    expect(capped.phases[0]?.lengthDays).toBe(7);
  });
});

describe('measures and revisions', () => {
  const deadline = agreement([
    {
      id: 'talks',
      kind: 'deadline',
      title: 'Talks begin',
      clause: 'talks begin by Day 16',
      owedBy: ['side-a', 'side-b'],
      act: talks,
      by: { day: 16 },
    },
  ]);
  const resolution = (measures: unknown[]) =>
    event('dispute_resolved', day(17), 'mediator', {
      dispute: 'd-1',
      decision: 'as decided',
      measures,
    });
  const opened = event('dispute_opened', day(17, '08:00'), 'side-b', {
    dispute: 'd-1',
    obligations: ['talks'],
    subject: 'talks deadline',
    claims: [{ by: 'side-b', claim: 'the other side did not send a delegation' }],
  });

  it('waives and suspends through the mediators’ measures, keeping what the events say', () => {
    const waived = evaluate(
      deadline,
      [opened, resolution([{ kind: 'waive', obligation: 'talks' }])],
      day(18),
    ).obligations[0]!;
    expect(waived).toMatchObject({ status: 'waived', underlying: 'breached' });
    const suspend = resolution([
      { kind: 'suspend', obligation: 'talks', fromDay: 17, untilDay: 20 },
    ]);
    expect(evaluate(deadline, [opened, suspend], day(18)).obligations[0]).toMatchObject({
      status: 'suspended',
      underlying: 'breached',
    });
    expect(evaluate(deadline, [opened, suspend], day(21)).obligations[0]?.status).toBe('breached');
  });

  const quota = agreement([
    {
      id: 'trucks',
      kind: 'quota',
      title: 'Trucks',
      clause: '600 a day',
      owedBy: ['side-a'],
      measure: { type: 'aid_trucks_crossed' },
      unit: 'trucks',
      target: 600,
    },
  ]);

  it('applies a retraction, and a retraction of a correction restores the original', () => {
    const crossing = event('aid_trucks_crossed', day(2), 'un', {
      crossing: 'kerem-shalom',
      cargo: 'food',
      count: 650,
    });
    const correction = event('correction', day(3), 'un', {
      target: crossing.id,
      payload: { crossing: 'kerem-shalom', cargo: 'food', count: 560 },
      reason: 'double-counted convoy',
    });
    const done = (events: ReturnType<typeof event>[], asOf = day(4)) =>
      evaluate(quota, events, asOf).obligations[0]!.periods[1]!.done;
    expect(done([crossing])).toBe(650);
    expect(done([crossing, correction])).toBe(560);
    expect(done([crossing, correction], day(2, '23:00'))).toBe(650);
    const undo = event('retraction', day(3, '18:00'), 'un', {
      target: correction.id,
      reason: 'the correction was wrong',
    });
    expect(done([crossing, correction, undo])).toBe(650);
    const retract = event('retraction', day(3, '19:00'), 'un', {
      target: crossing.id,
      reason: 'duplicate report',
    });
    expect(done([crossing, retract])).toBe(0);
    // A correction that arrives before its target is applied once the target arrives.
    expect(done([correction, crossing])).toBe(560);
    // A correction whose payload is not valid for the target's type is reported, not applied.
    const invalid = event('correction', day(3), 'un', {
      target: crossing.id,
      payload: { count: 'many' },
      reason: 'typo',
    });
    const result = evaluate(quota, [crossing, invalid], day(4));
    expect(result.obligations[0]!.periods[1]!.done).toBe(650);
    expect(result.warnings.map((w) => w.eventId)).toContain(invalid.id);
  });

  it('keeps one of two different events that share an id, whatever their order', () => {
    const a = event(
      'aid_trucks_crossed',
      day(2),
      'un',
      { crossing: 'kerem-shalom', cargo: 'food', count: 100 },
      { id: 'same' },
    );
    const b = event(
      'aid_trucks_crossed',
      day(2),
      'un',
      { crossing: 'kerem-shalom', cargo: 'food', count: 200 },
      { id: 'same' },
    );
    const ab = evaluate(quota, [a, b], day(3));
    const ba = evaluate(quota, [b, a], day(3));
    expect(ab).toEqual(ba);
    expect(ab.warnings).toHaveLength(1);
  });
});

describe('alternatives of a phase', () => {
  it('reports the obligations whose status a differently reported duration would change', () => {
    const flights = agreement(
      [
        {
          id: 'flights',
          kind: 'prohibition',
          title: 'No flights',
          clause: 'no flights during phase 1',
          owedBy: ['side-a'],
          during: { phase: 'phase-1' },
          act: { type: 'flight_observed' },
        },
      ],
      {
        phases: [
          {
            id: 'phase-1',
            start: { day: 1 },
            durationDays: { value: 42, alternatives: [{ value: 40, source: 'report-b' }] },
          },
        ] as never,
      },
    );
    // On Day 41 the phase runs under 42 days (on track); under 40 it has ended without a flight.
    const result = evaluate(flights, [], day(41));
    expect(result.obligations[0]).toMatchObject({
      status: 'on_track',
      alternatives: [
        { path: 'phases[0].durationDays', value: 40, source: 'report-b', status: 'met' },
      ],
    });
  });
});
