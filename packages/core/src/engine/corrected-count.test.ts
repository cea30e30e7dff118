import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agreement, day, event } from '../../test/engine-fixtures.js';
import { evaluate } from './evaluate.js';

const trucks = {
  id: 'trucks',
  kind: 'quota',
  title: 'Trucks',
  clause: '600 a day',
  owedBy: ['side-a'],
  measure: { type: 'aid_trucks_crossed' },
  unit: 'trucks',
  target: 600,
  sources: { combine: 'single', source: 'un' },
};
const quota = agreement([trucks as never]);

const counted = event('aid_trucks_crossed', day(2, '18:00'), 'un', {
  crossing: 'kerem-shalom',
  cargo: 'food',
  count: 560,
});
const opened = event('dispute_opened', day(3, '10:00'), 'mediator', {
  dispute: 'count-day-2',
  obligations: ['trucks'],
  subject: 'The Day-2 truck count',
  contests: { kind: 'count', ref: counted.id },
  claims: [
    { by: 'side-a', claim: 'Sixty trucks that crossed late were left out of the count.' },
    { by: 'side-b', claim: 'The count is right: those trucks were turned back.' },
  ],
});
const decided = (count: number, at = day(4, '10:00'), source = 'mediator') =>
  event('dispute_resolved', at, source, {
    dispute: 'count-day-2',
    decision: 'The convoy log shows the late trucks crossed: the count is corrected.',
    measures: [{ kind: 'correctCount', obligation: 'trucks', event: counted.id, count }],
  });

const trucksAt = (events: ReturnType<typeof event>[], asOf: string) =>
  evaluate(quota, events, asOf).obligations[0]!;
const dayTwo = (events: ReturnType<typeof event>[], asOf: string) =>
  trucksAt(events, asOf).periods.find((p) => p.day === 2)!;

describe("a corrected count, the mediators' measure", () => {
  it('is disputed while open, then counts the decided figure from the decision on', () => {
    const decision = decided(620);
    // Before the dispute: the reported figure, short of the quota.
    expect(trucksAt([counted], day(3, '09:00')).status).toBe('breached');
    // While open: disputed, the events alone still breach it, with both claims in the why.
    const open = trucksAt([counted, opened, decision], day(3, '12:00'));
    expect(open.status).toBe('disputed');
    expect(open.underlying).toBe('breached');
    expect(open.why).toContain('Sixty trucks');
    expect(dayTwo([counted, opened, decision], day(3, '12:00')).done).toBe(560);
    // From the decision on: the decided figure replaces the reported one.
    const after = trucksAt([counted, opened, decision], day(4, '11:00'));
    expect(dayTwo([counted, opened, decision], day(4, '11:00'))).toMatchObject({
      done: 620,
      met: true,
    });
    expect(after.status).toBe('on_track');
    expect(after.why).toContain(
      `Day 2, ${counted.id} by un: 560 corrected to 620 by the mediators' decision on count-day-2 (${decision.id})`,
    );
    expect(after.eventIds).toEqual(expect.arrayContaining([decision.id, counted.id]));
    expect(after.disputes).toEqual([]);
  });

  it('applies whatever order the events arrive in, and the latest decision wins', () => {
    const first = decided(620);
    const second = decided(590, day(5, '10:00'));
    const events = [counted, opened, first, second];
    expect(dayTwo(events, day(4, '12:00')).done).toBe(620);
    expect(dayTwo(events, day(6)).done).toBe(590);
    expect(dayTwo([second, first, opened, counted], day(6)).done).toBe(590);
  });

  it('replaces the figure as corrected by its reporter, and other sources keep their own', () => {
    const agreementBoth = agreement([
      { ...trucks, sources: { combine: 'max', among: ['un', 'cogat'] } } as never,
    ]);
    const cogat = event('aid_trucks_crossed', day(2, '19:00'), 'cogat', {
      crossing: 'kerem-shalom',
      cargo: 'food',
      count: 600,
    });
    const own = event('correction', day(3), 'un', {
      target: counted.id,
      payload: { crossing: 'kerem-shalom', cargo: 'food', count: 540 },
      reason: 'a convoy counted twice',
    });
    const decision = decided(610);
    const result = evaluate(agreementBoth, [counted, cogat, own, opened, decision], day(6));
    const figure = result.obligations[0]!.periods.find((p) => p.day === 2)!;
    expect(figure.sources).toEqual([
      { source: 'un', done: 610 },
      { source: 'cogat', done: 600 },
    ]);
    expect(result.obligations[0]!.why).toContain('540 corrected to 610');
  });

  it('is applied to a rolling quota too, and to a daily one whose events are kept whole', () => {
    // The rolling quota reads its events one by one, so the daily one's are not kept compact.
    const rolling = agreement([
      { ...trucks, id: 'trucks-24h', period: { rollingHours: 24 } } as never,
      trucks as never,
    ]);
    const decision = event('dispute_resolved', day(2, '20:00'), 'mediator', {
      dispute: 'count-day-2',
      decision: 'The count is corrected.',
      measures: ['trucks-24h', 'trucks'].map((obligation) => ({
        kind: 'correctCount',
        obligation,
        event: counted.id,
        count: 620,
      })),
    });
    const result = evaluate(rolling, [counted, opened, decision], day(2, '21:00'));
    expect(result.obligations[0]).toMatchObject({ status: 'on_track', progress: { done: 620 } });
    expect(result.obligations[0]!.why).toContain('560 corrected to 620');
    expect(result.obligations[1]!.periods.find((p) => p.day === 2)!.done).toBe(620);
  });

  it('is not applied from another organisation than a mediator, nor to an event not counted', () => {
    const foreign = decided(620, day(4, '10:00'), 'side-a');
    expect(dayTwo([counted, opened, foreign], day(5)).done).toBe(560);
    const stray = event('dispute_resolved', day(4, '10:00'), 'mediator', {
      dispute: 'count-day-2',
      decision: 'Corrected.',
      measures: [{ kind: 'correctCount', obligation: 'trucks', event: 'no-such-event', count: 9 }],
    });
    const result = evaluate(quota, [counted, opened, stray], day(5));
    expect(result.obligations[0]!.periods.find((p) => p.day === 2)!.done).toBe(560);
    expect(result.warnings).toContainEqual({
      eventId: stray.id,
      message: expect.stringContaining('corrected count of no-such-event not applied'),
    });
  });

  it('is a warning, not a change, on an obligation that is not a quota', () => {
    const withDeadline = agreement([
      trucks as never,
      {
        id: 'talks',
        kind: 'deadline',
        title: 'Talks',
        clause: 'by Day 16',
        owedBy: ['side-a'],
        act: { type: 'talks_started' },
        by: { day: 16 },
      } as never,
    ]);
    const wrong = event('dispute_resolved', day(4), 'mediator', {
      dispute: 'count-day-2',
      decision: 'Corrected.',
      measures: [{ kind: 'correctCount', obligation: 'talks', event: counted.id, count: 620 }],
    });
    const result = evaluate(withDeadline, [counted, wrong], day(5));
    expect(result.warnings.map((w) => w.message)).toContainEqual(
      expect.stringContaining('talks is a deadline obligation'),
    );
    expect(result.obligations[0]!.periods.find((p) => p.day === 2)!.done).toBe(560);
  });

  it('property: the day figure is the decided count, whatever was reported and in any order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.boolean(),
        (reported, other, decidedCount, reversed) => {
          const count = event('aid_trucks_crossed', day(2, '10:00'), 'un', {
            crossing: 'kerem-shalom',
            cargo: 'food',
            count: reported,
          });
          const rest = event('aid_trucks_crossed', day(2, '11:00'), 'un', {
            crossing: 'kerem-shalom',
            cargo: 'fuel',
            count: other,
          });
          const decision = event('dispute_resolved', day(3), 'mediator', {
            dispute: 'd',
            decision: 'Corrected.',
            measures: [
              { kind: 'correctCount', obligation: 'trucks', event: count.id, count: decidedCount },
            ],
          });
          const events = reversed ? [decision, rest, count] : [count, rest, decision];
          expect(dayTwo(events, day(4)).done).toBe(other + decidedCount);
          expect(dayTwo(events, day(2, '23:00')).done).toBe(other + reported);
        },
      ),
      { numRuns: 50 },
    );
  });
});
