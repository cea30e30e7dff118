import { describe, expect, it } from 'vitest';
import {
  clamp,
  crossingFeatures,
  effectiveEvents,
  incidentFeatures,
  type MapEvent,
  type MapPlace,
  occurredBy,
  passagesAt,
  placePositions,
  returnsByRoute,
  schematicFeatures,
  spread,
  timeRange,
  withdrawalsAt,
} from './layers.ts';
import { schematic } from './schematic.ts';

let n = 0;
function event(
  type: string,
  occurredAt: string,
  payload: Record<string, unknown>,
  extra: Partial<MapEvent> = {},
): MapEvent {
  n += 1;
  return {
    id: `e-${n}`,
    type,
    occurredAt,
    reportedAt: occurredAt,
    source: 'un',
    payload,
    ...extra,
  };
}
const at = (iso: string) => Date.parse(iso);

const places: MapPlace[] = [
  { id: 'rafah', name: 'Rafah crossing', kind: 'crossing', lat: 31.2486, lon: 34.2592 },
  { id: 'erez', name: 'Erez crossing', kind: 'crossing', lat: 31.5582, lon: 34.5447 },
  { id: 'zikim', name: 'Zikim', kind: 'crossing', lat: 31.59, lon: 34.5, note: 'approximate' },
  { id: 'no-coords', name: 'Somewhere', kind: 'crossing' },
  { id: 'rashid-street', name: 'Rashid Street', kind: 'route' },
  { id: 'north', name: 'Northern Gaza', kind: 'area' },
];

describe('passagesAt', () => {
  const events = [
    event('crossing_opened', '2025-02-01T10:00:00+02:00', { crossing: 'rafah', for: 'wounded' }),
    event('crossing_closed', '2025-02-05T10:00:00+02:00', { crossing: 'rafah', reason: 'x' }),
    event('crossing_opened', '2025-02-07T10:00:00+02:00', { crossing: 'rafah' }),
    event('crossing_closed', '2025-02-03T08:00:00+02:00', { crossing: 'erez' }),
    event('returns_counted', '2025-01-27T18:00:00+02:00', { route: 'rashid-street', count: 5 }),
  ];
  it('is unknown before any event, then follows the latest event at or before T', () => {
    expect(passagesAt(events, at('2025-01-31T00:00:00+02:00')).size).toBe(0);
    const first = passagesAt(events, at('2025-02-01T10:00:00+02:00')).get('rafah');
    expect(first).toMatchObject({ state: 'open', detail: 'wounded' });
    expect(passagesAt(events, at('2025-02-06T00:00:00+02:00')).get('rafah')).toMatchObject({
      state: 'closed',
      detail: 'x',
      since: '2025-02-05T10:00:00+02:00',
    });
    const later = passagesAt(events, at('2025-02-08T00:00:00+02:00'));
    expect(later.get('rafah')?.state).toBe('open');
    expect(later.get('rafah')?.detail).toBeUndefined();
    expect(later.get('erez')?.state).toBe('closed');
  });
  it('orders by occurrence, not by the order the events arrive in', () => {
    const reversed = [...events].reverse();
    expect(passagesAt(reversed, at('2025-02-06T00:00:00+02:00')).get('rafah')?.state).toBe(
      'closed',
    );
  });
  it('compares instants, whatever their offsets', () => {
    // 07:30Z is 09:30+02:00, before the opening at 10:00+02:00; 08:00Z is the same instant.
    expect(passagesAt(events, at('2025-02-01T07:30:00Z')).get('rafah')).toBeUndefined();
    expect(passagesAt(events, at('2025-02-01T08:00:00Z')).get('rafah')?.state).toBe('open');
  });
});

describe('crossingFeatures', () => {
  it('draws crossings with coordinates, coloured by state, and skips the others', () => {
    const passages = passagesAt(
      [event('crossing_opened', '2025-02-01T10:00:00+02:00', { crossing: 'rafah' })],
      at('2025-03-01T00:00:00Z'),
    );
    const features = crossingFeatures(places, passages).features;
    expect(features.map((f) => [f.properties.id, f.properties.state])).toEqual([
      ['rafah', 'open'],
      ['erez', 'unknown'],
      ['zikim', 'unknown'],
    ]);
    expect(features[0]?.geometry.coordinates).toEqual([34.2592, 31.2486]);
    expect(features[2]?.properties.note).toBe('approximate');
  });
});

describe('returnsByRoute', () => {
  const events = [
    event('returns_counted', '2025-01-27T18:00:00+02:00', { route: 'rashid-street', count: 200 }),
    event('returns_counted', '2025-01-28T18:00:00+02:00', {
      route: 'rashid-street',
      count: 50,
      direction: 'north',
    }),
    event('returns_counted', '2025-01-28T19:00:00+02:00', {
      route: 'rashid-street',
      count: 7,
      direction: 'south',
    }),
    event('returns_counted', '2025-01-29T18:00:00+02:00', {
      route: 'salah-al-din-road',
      count: 30,
    }),
    event('returns_counted', '2025-01-29T18:00:00+02:00', { route: 'bad', count: 'many' }),
  ];
  it('sums the counts by route and direction up to T', () => {
    expect(returnsByRoute(events, at('2025-01-27T00:00:00+02:00')).size).toBe(0);
    const day1 = returnsByRoute(events, at('2025-01-27T18:00:00+02:00'));
    expect(day1.get('rashid-street')).toEqual({ north: 200, south: 0, in: 0, out: 0, reports: 1 });
    const all = returnsByRoute(events, at('2025-02-01T00:00:00+02:00'));
    expect(all.get('rashid-street')).toEqual({ north: 250, south: 7, in: 0, out: 0, reports: 3 });
    expect(all.get('salah-al-din-road')?.north).toBe(30);
    expect(all.has('bad')).toBe(false);
  });
});

describe('withdrawalsAt', () => {
  it('marks a zone from the first completed withdrawal', () => {
    const events = [
      event('withdrawal_completed', '2025-02-09T07:00:00+02:00', { zone: 'netzarim-corridor' }),
    ];
    expect(withdrawalsAt(events, at('2025-02-09T06:59:00+02:00')).size).toBe(0);
    expect(withdrawalsAt(events, at('2025-02-10T00:00:00+02:00')).get('netzarim-corridor')).toBe(
      '2025-02-09T07:00:00+02:00',
    );
  });
});

describe('incidentFeatures', () => {
  const positions = placePositions(places, schematic);
  it('places incidents at their point, else their place, else counts them as unplaced', () => {
    const events = [
      event('incident_reported', '2025-01-30T14:00:00+02:00', {
        incident: 'inc-7',
        category: 'fire',
        place: 'rafah',
        against: 'israel',
        description: 'Fire reported near the crossing.',
      }),
      event('incident_reported', '2025-01-30T15:00:00+02:00', {
        incident: 'inc-8',
        category: 'incursion',
        lat: 31.4,
        lon: 34.35,
        description: 'x',
      }),
      event('incident_reported', '2025-01-30T16:00:00+02:00', {
        incident: 'inc-9',
        category: 'not-a-category',
        place: 'rashid-street',
        description: 'y',
      }),
      event('incident_reported', '2025-01-30T17:00:00+02:00', {
        incident: 'inc-10',
        category: 'flight',
        place: 'nowhere',
        description: 'z',
      }),
      event('incident_reported', '2025-02-20T17:00:00+02:00', {
        incident: 'inc-11',
        category: 'fire',
        place: 'rafah',
        description: 'later',
      }),
    ];
    const { collection, unplaced } = incidentFeatures(events, positions, at('2025-02-01T00:00Z'));
    expect(unplaced).toBe(1);
    const props = collection.features.map((f) => f.properties);
    expect(props.map((p) => [p.incident, p.category])).toEqual([
      ['inc-7', 'fire'],
      ['inc-8', 'incursion'],
      ['inc-9', 'other'],
    ]);
    expect(props[0]).toMatchObject({ place: 'rafah', against: 'israel', source: 'un' });
    expect(collection.features[0]?.geometry.coordinates).toEqual([34.2592, 31.2486]);
    expect(collection.features[1]?.geometry.coordinates).toEqual([34.35, 31.4]);
    // Rashid Street has no coordinates in the agreement: the bundled anchor is used.
    expect(collection.features[2]?.geometry.coordinates).toEqual(positions.get('rashid-street'));
  });
  it('spreads incidents reported at the same point so that each stays visible', () => {
    const events = [1, 2, 3].map((i) =>
      event('incident_reported', `2025-01-30T1${i}:00:00+02:00`, {
        incident: `i-${i}`,
        category: 'fire',
        place: 'erez',
        description: '',
      }),
    );
    const points = incidentFeatures(
      events,
      positions,
      at('2025-02-01T00:00Z'),
    ).collection.features.map((f) => f.geometry.coordinates);
    expect(points[0]).toEqual([34.5447, 31.5582]);
    expect(new Set(points.map((p) => p.join(','))).size).toBe(3);
    for (const p of points) {
      expect(Math.hypot((p[0] ?? 0) - 34.5447, (p[1] ?? 0) - 31.5582)).toBeLessThan(0.01);
    }
    expect(spread([1, 2], 0)).toEqual([1, 2]);
  });
});

describe('placePositions', () => {
  it('prefers the agreement coordinates and falls back to the bundled anchors', () => {
    const positions = placePositions(
      [...places, { id: 'north', name: 'North', kind: 'area', lat: 31.5, lon: 34.45 }],
      schematic,
    );
    expect(positions.get('north')).toEqual([34.45, 31.5]);
    expect(positions.get('south')).toBeDefined();
    expect(positions.has('no-coords')).toBe(false);
  });
});

describe('effectiveEvents', () => {
  const original = event('returns_counted', '2025-01-27T18:00:00+02:00', {
    route: 'rashid-street',
    count: 200,
  });
  const later = (iso: string) => ({ reportedAt: iso });
  it('applies the latest correction by its reporter and drops retracted events', () => {
    const fix1 = event(
      'correction',
      '2025-01-28T00:00:00Z',
      { target: original.id, payload: { route: 'rashid-street', count: 150 }, reason: 'r' },
      later('2025-01-28T00:00:00Z'),
    );
    const fix2 = event(
      'correction',
      '2025-01-28T00:00:00Z',
      { target: original.id, payload: { route: 'rashid-street', count: 180 }, reason: 'r' },
      later('2025-01-29T00:00:00Z'),
    );
    const other = event('crossing_opened', '2025-01-20T00:00:00Z', { crossing: 'rafah' });
    const gone = event(
      'retraction',
      '2025-01-21T00:00:00Z',
      { target: other.id, reason: 'twice' },
      later('2025-01-21T00:00:00Z'),
    );
    const out = effectiveEvents([fix2, original, other, fix1, gone]);
    expect(out.map((e) => e.id)).toEqual([original.id]);
    expect(out[0]?.payload.count).toBe(180);
  });
  it('ignores revisions by anyone other than the reporter or a mediator', () => {
    const counter = event(
      'correction',
      '2025-01-28T00:00:00Z',
      { target: original.id, payload: { route: 'rashid-street', count: 1 } },
      { source: 'israel' },
    );
    const retraction = event(
      'retraction',
      '2025-01-28T00:00:00Z',
      { target: original.id },
      { source: 'hamas' },
    );
    expect(effectiveEvents([original, counter, retraction])[0]?.payload.count).toBe(200);
    const byMediator = effectiveEvents([original, counter], new Set(['israel']));
    expect(byMediator[0]?.payload.count).toBe(1);
  });
  it('no longer applies a correction that was itself retracted', () => {
    const fix = event('correction', '2025-01-28T00:00:00Z', {
      target: original.id,
      payload: { route: 'rashid-street', count: 9 },
    });
    const undo = event('retraction', '2025-01-29T00:00:00Z', { target: fix.id });
    expect(effectiveEvents([original, fix, undo])[0]?.payload.count).toBe(200);
  });
});

describe('schematicFeatures', () => {
  it('carries the state of the place each feature draws', () => {
    const events = [
      event('crossing_closed', '2025-01-20T00:00:00Z', { crossing: 'salah-al-din-road' }),
      event('withdrawal_completed', '2025-02-09T07:00:00+02:00', { zone: 'netzarim-corridor' }),
    ];
    const time = at('2025-03-01T00:00:00Z');
    const features = schematicFeatures(
      schematic,
      passagesAt(events, time),
      withdrawalsAt(events, time),
    ).features;
    const byPlace = new Map(features.map((f) => [f.properties.place, f.properties]));
    expect(byPlace.get('salah-al-din-road')?.state).toBe('closed');
    expect(byPlace.get('rashid-street')?.state).toBe('unknown');
    expect(byPlace.get('netzarim-corridor')?.withdrawn).toBe(true);
    expect(byPlace.get('buffer-zone')?.withdrawn).toBe(false);
    expect(features.some((f) => (f.properties.layer as string) === 'anchor')).toBe(false);
    expect([...byPlace.keys()].sort()).toEqual([
      'buffer-zone',
      'gaza-strip',
      'netzarim-corridor',
      'philadelphi-corridor',
      'rashid-street',
      'salah-al-din-road',
    ]);
  });
});

describe('the bundled schematic', () => {
  it('stays within the bounding box of the domain notes', () => {
    const coordinates = JSON.stringify(schematic.features.map((f) => f.geometry));
    const numbers = [...coordinates.matchAll(/\[(-?[\d.]+),(-?[\d.]+)\]/g)];
    expect(numbers.length).toBeGreaterThan(20);
    for (const [, lon, lat] of numbers) {
      expect(Number(lon)).toBeGreaterThanOrEqual(34.134);
      expect(Number(lon)).toBeLessThanOrEqual(34.568);
      expect(Number(lat)).toBeGreaterThanOrEqual(31.22);
      expect(Number(lat)).toBeLessThanOrEqual(31.601);
    }
  });
});

function inside([x, y]: number[], ring: number[][]): boolean {
  let within = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi = 0, yi = 0] = ring[i] ?? [];
    const [xj = 0, yj = 0] = ring[j] ?? [];
    if (
      yi > (y ?? 0) !== yj > (y ?? 0) &&
      (x ?? 0) < ((xj - xi) * ((y ?? 0) - yi)) / (yj - yi) + xi
    ) {
      within = !within;
    }
  }
  return within;
}

describe('the bundled schematic, inside its outline', () => {
  it('has its routes, corridors and anchors inside the outline of the Strip', () => {
    const outline = schematic.features.find((f) => f.properties?.layer === 'outline');
    if (outline?.geometry.type !== 'Polygon') throw new Error('no outline');
    const ring = outline.geometry.coordinates[0] ?? [];
    for (const feature of schematic.features) {
      const g = feature.geometry;
      const points =
        g.type === 'Point' ? [g.coordinates] : g.type === 'LineString' ? g.coordinates : [];
      // Salah al-Din Road ends at two crossings on the border itself.
      const interior =
        feature.properties?.place === 'salah-al-din-road' ? points.slice(1, -1) : points;
      for (const point of interior) {
        expect(inside(point, ring), `${feature.properties?.place} ${point}`).toBe(true);
      }
    }
  });
});

describe('timeRange', () => {
  const phases = [
    {
      id: 'phase-1',
      state: 'active',
      startedAt: '2025-01-19T08:30:00+02:00',
      endsAt: '2025-03-01T23:59:59+02:00',
    },
    { id: 'phase-2', state: 'pending', startedAt: null, endsAt: null },
  ];
  it('runs from the active phase start to asOf while the phase goes on', () => {
    const range = timeRange(phases, '2025-02-01T12:00:00Z');
    expect(range).toEqual({
      phase: 'phase-1',
      start: at('2025-01-19T08:30:00+02:00'),
      end: at('2025-02-01T12:00:00Z'),
    });
    expect(clamp(range, 0)).toBe(range.start);
    expect(clamp(range, Number.MAX_SAFE_INTEGER)).toBe(range.end);
  });
  it('stops at the end of an ended phase and falls back to the last started one', () => {
    const ended = [{ ...phases[0]!, state: 'ended' }, phases[1]!];
    expect(timeRange(ended, '2025-04-01T00:00:00Z').end).toBe(at('2025-03-01T23:59:59+02:00'));
  });
  it('without a started phase, covers the day before asOf', () => {
    const range = timeRange([phases[1]!], '2025-01-10T00:00:00Z');
    expect(range.phase).toBeUndefined();
    expect(range.end - range.start).toBe(86_400_000);
  });
  it('keeps only events that occurred by T', () => {
    const events = [event('x', '2025-01-02T00:00:00Z', {}), event('x', '2025-01-01T00:00:00Z', {})];
    expect(occurredBy(events, at('2025-01-01T12:00:00Z')).length).toBe(1);
    expect(occurredBy(events, at('2025-01-03T00:00:00Z'))[0]?.occurredAt).toBe(
      '2025-01-01T00:00:00Z',
    );
  });
});
