import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { day, event } from '../../test/engine-fixtures.js';
import type { TruceEvent } from '../events/schema.js';
import { foldConsignments } from './consignments.js';
import { summariseDwell } from './dwell.js';

const registered = (id: string, at = day(2, '06:00'), trucks = 20) =>
  event('consignment_registered', at, 'un', {
    consignment: id,
    crossing: 'kerem-shalom',
    cargo: 'food',
    trucks,
    destination: 'north',
    sender: 'wfp',
    receiver: 'wfp',
  });
const inspected = (id: string, at: string, outcome: 'cleared' | 'rejected' = 'cleared') =>
  event('consignment_inspected', at, 'cogat', {
    consignment: id,
    outcome,
    ...(outcome === 'rejected' ? { reason: 'dual-use items' } : {}),
  });
const crossed = (id: string, at: string, crossing = 'kerem-shalom') =>
  event('consignment_crossed', at, 'cogat', { consignment: id, crossing });
const collected = (
  id: string,
  at: string,
  outcome: 'collected' | 'uncollected' | 'intercepted' = 'collected',
) => event('consignment_collected', at, 'un', { consignment: id, outcome, by: 'wfp' });
const warehoused = (id: string, at: string) =>
  event('consignment_warehoused', at, 'wfp', { consignment: id, warehouse: 'deir-al-balah-1' });
const distributed = (id: string, at: string) =>
  event('consignment_distributed', at, 'wfp', { consignment: id, area: 'north', people: 4000 });

const journey = (id: string) => [
  registered(id),
  inspected(id, day(2, '09:00')),
  crossed(id, day(2, '13:00')),
  collected(id, day(2, '15:00')),
  warehoused(id, day(3, '08:00')),
  distributed(id, day(4, '10:00')),
];

describe('consignments', () => {
  it('follows a consignment through every step, in order, with who reported each', () => {
    const [c] = foldConsignments(journey('C-1'));
    expect(c?.state).toBe('distributed');
    expect(c?.steps.map((s) => s.state)).toEqual([
      'registered',
      'cleared',
      'crossed',
      'collected',
      'warehoused',
      'distributed',
    ]);
    expect(c?.flags).toEqual([]);
    expect(c).toMatchObject({ trucks: 20, trucksCrossed: 20, cargo: 'food', destination: 'north' });
  });

  it('flags a step reported twice and does not apply it again', () => {
    const events = [...journey('C-1').slice(0, 3), crossed('C-1', day(2, '14:00'))];
    const [c] = foldConsignments(events);
    expect(c?.steps.filter((s) => s.state === 'crossed')).toHaveLength(1);
    expect(c?.flags).toEqual([
      expect.objectContaining({ eventId: events[3]?.id, kind: 'duplicate' }),
    ]);
  });

  it('flags a step that skips one (crossed without inspection) and one that goes back', () => {
    const skip = [registered('C-2'), crossed('C-2', day(2, '10:00'))];
    expect(foldConsignments(skip)[0]?.flags).toEqual([
      expect.objectContaining({ kind: 'out_of_order', eventId: skip[1]?.id }),
    ]);
    const back = [...journey('C-3').slice(0, 4), inspected('C-3', day(2, '16:00'))];
    const [c] = foldConsignments(back);
    expect(c?.state).toBe('collected');
    expect(c?.flags).toEqual([expect.objectContaining({ kind: 'out_of_order' })]);
  });

  it('keeps a rejected consignment rejected, and flags anything reported after', () => {
    const events = [
      registered('C-4'),
      inspected('C-4', day(2, '09:00'), 'rejected'),
      crossed('C-4', day(2, '12:00')),
    ];
    const [c] = foldConsignments(events);
    expect(c?.state).toBe('rejected');
    expect(c?.steps[1]?.detail).toBe('dual-use items');
    expect(c?.flags).toEqual([expect.objectContaining({ kind: 'after_end' })]);
  });

  it('lets a consignment left uncollected be collected later', () => {
    const events = [
      ...journey('C-5').slice(0, 3),
      collected('C-5', day(2, '15:00'), 'uncollected'),
      collected('C-5', day(3, '09:00')),
    ];
    const [c] = foldConsignments(events);
    expect(c?.state).toBe('collected');
    expect(c?.flags).toEqual([]);
  });

  it('flags steps of a consignment nobody registered, and counts that name a consignment that never crossed', () => {
    const events = [
      crossed('C-6', day(2, '12:00')),
      registered('C-7'),
      event('aid_trucks_crossed', day(2, '12:00'), 'un', {
        crossing: 'kerem-shalom',
        cargo: 'food',
        count: 20,
        consignment: 'C-7',
      }),
    ];
    const [c6, c7] = foldConsignments(events);
    expect(c6?.flags.map((f) => f.kind)).toEqual(['unregistered']);
    expect(c7?.flags.map((f) => f.kind)).toEqual(['count_without_crossing']);
  });

  it('applies a retraction by the reporter and ignores what is not yet reported at asOf', () => {
    const wrong = crossed('C-8', day(2, '13:00'));
    const events: TruceEvent[] = [
      registered('C-8'),
      inspected('C-8', day(2, '09:00')),
      wrong,
      event('retraction', day(2, '14:00'), 'cogat', { target: wrong.id, reason: 'wrong id' }),
      collected('C-8', day(5, '09:00')),
    ];
    const [c] = foldConsignments(events, { asOf: Date.parse(day(3, '00:00')) });
    expect(c?.state).toBe('cleared');
  });

  it('gives the same consignments whatever the order of the events (property)', () => {
    const events = [
      ...journey('C-1'),
      ...journey('C-2').slice(0, 3),
      crossed('C-2', day(2, '18:00')),
      registered('C-3'),
      inspected('C-3', day(2, '11:00'), 'rejected'),
      collected('C-3', day(2, '19:00')),
    ];
    const expected = foldConsignments(events);
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length }), (shuffled) => {
        expect(foldConsignments(shuffled)).toEqual(expected);
      }),
    );
  });

  it('never drops a step silently: each event is a step or a flag (property)', () => {
    const kinds = ['registered', 'inspected', 'crossed', 'collected', 'warehoused', 'distributed'];
    const arbitraryStep = fc.record({
      kind: fc.constantFrom(...kinds),
      hour: fc.integer({ min: 0, max: 47 }),
      outcome: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(arbitraryStep, { minLength: 1, maxLength: 12 }), (steps) => {
        const events = steps.map(({ kind, hour, outcome }) => {
          const at = day(2 + Math.floor(hour / 24), `${String(hour % 24).padStart(2, '0')}:00`);
          switch (kind) {
            case 'registered':
              return registered('C-9', at);
            case 'inspected':
              return inspected('C-9', at, outcome ? 'cleared' : 'rejected');
            case 'crossed':
              return crossed('C-9', at);
            case 'collected':
              return collected('C-9', at, outcome ? 'collected' : 'uncollected');
            case 'warehoused':
              return warehoused('C-9', at);
            default:
              return distributed('C-9', at);
          }
        });
        const [c] = foldConsignments(events);
        const accounted = new Set([
          ...(c?.steps.map((s) => s.eventId) ?? []),
          ...(c?.flags.map((f) => f.eventId) ?? []),
        ]);
        for (const e of events) expect(accounted.has(e.id)).toBe(true);
        // The states it passed through only move forward.
        const ranks = (c?.steps ?? [])
          .filter((s) => !c?.flags.some((f) => f.eventId === s.eventId && f.kind === 'after_end'))
          .map((s) => ['registered', 'cleared', 'rejected', 'crossed'].indexOf(s.state));
        const known = ranks.filter((r) => r >= 0);
        expect([...known].sort((a, b) => a - b)).toEqual(known);
      }),
    );
  });
});

describe('dwell', () => {
  const dayOf = (ms: number) =>
    Math.floor((ms - Date.parse('2025-01-19T00:00:00+02:00')) / 86_400_000) + 1;

  it('gives median, p90 and stuck consignments per crossing and state, and per day', () => {
    // Five consignments wait 1, 2, 3, 4 and 10 hours between registration and clearance; one
    // more is still waiting at asOf, 60 hours after registration (stuck after 48).
    const waits = [1, 2, 3, 4, 10];
    const events = waits.flatMap((hours, i) => [
      registered(`C-${i}`, day(2, '06:00')),
      inspected(`C-${i}`, day(2, `${String(6 + hours).padStart(2, '0')}:00`)),
    ]);
    events.push(registered('C-late', day(2, '00:00')));
    const asOf = Date.parse(day(4, '12:00'));
    const { byCrossing, byDay } = summariseDwell(foldConsignments(events, { asOf }), {
      asOf,
      dayOf,
    });
    const registeredStats = byCrossing.find((s) => s.state === 'registered');
    expect(registeredStats).toMatchObject({
      crossing: 'kerem-shalom',
      count: 5,
      medianHours: 3,
      p90Hours: 10,
      open: 1,
      stuck: [{ consignment: 'C-late', hours: 60 }],
    });
    // Cleared at asOf and waiting to cross since: five open stays, none stuck yet past 24 h? They
    // have waited 50–55 h, so all five are stuck.
    expect(byCrossing.find((s) => s.state === 'cleared')?.stuck).toHaveLength(5);
    expect(byDay.filter((s) => s.state === 'registered').map((s) => [s.day, s.count])).toEqual([
      [2, 5],
    ]);
  });
});
