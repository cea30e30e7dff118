import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { agreementZoneFeatures, phasesAt, type ZoneLayerResponse } from './agreement-zones.ts';

const sample = JSON.parse(
  readFileSync(
    new URL('../../../../examples/agreements/gaza-2025.zones.geojson', import.meta.url),
    'utf8',
  ),
) as Omit<ZoneLayerResponse, 'agreement' | 'sha256'>;
const layer: ZoneLayerResponse = {
  ...sample,
  agreement: { id: 'gaza-2025', version: 1 },
  sha256: '0',
};
const dayStart = (day: number) => Date.parse('2025-01-19T00:00:00+02:00') + (day - 1) * 86_400_000;

describe("the agreement's zone layer on the map", () => {
  it('draws the withdrawal line where it was on the chosen day', () => {
    const drawn = (day: number) =>
      agreementZoneFeatures(layer, { day, at: dayStart(day) + 12 * 3_600_000 })
        .features.filter((f) => f.properties.kind === 'withdrawal_line')
        .map((f) => f.geometry.type);
    expect(drawn(10)).toEqual(['MultiLineString']);
    expect(drawn(22)).toEqual(['LineString']);
  });

  it('shows an evacuation order only while it is valid, and checkpoints from Day 7', () => {
    const kinds = (day: number, hour: number) =>
      agreementZoneFeatures(layer, { day, at: dayStart(day) + hour * 3_600_000 }).features.map(
        (f) => f.properties.place,
      );
    expect(kinds(2, 12)).toContain('evacuation-area-sample');
    expect(kinds(3, 9)).not.toContain('evacuation-area-sample');
    expect(kinds(6, 12)).not.toContain('netzarim-rashid-checkpoint');
    expect(kinds(7, 12)).toContain('netzarim-rashid-checkpoint');
    // The schematic draws the buffer zone and corridors; the layer adds what it lacks.
    expect(kinds(7, 12)).not.toContain('buffer-zone');
  });

  it('knows which phases are in force at a moment', () => {
    const phases = [
      {
        id: 'phase-1',
        startedAt: '2025-01-19T08:30:00+02:00',
        endsAt: '2025-03-01T23:59:59+02:00',
        state: 'ended',
      },
      { id: 'phase-2', startedAt: null, endsAt: null, state: 'pending' },
    ];
    expect(phasesAt(phases, Date.parse('2025-02-01T00:00:00+02:00'))).toEqual(['phase-1']);
    expect(phasesAt(phases, Date.parse('2025-03-05T00:00:00+02:00'))).toEqual([]);
  });
});

describe('incidents reported with a geometry', () => {
  it('are placed at the point, or the middle of a line or an area', async () => {
    const { geometryPoint } = await import('./layers.ts');
    expect(geometryPoint({ type: 'Point', coordinates: [34.37, 31.45] })).toEqual([34.37, 31.45]);
    const middle = geometryPoint({
      type: 'LineString',
      coordinates: [
        [34.3, 31.4],
        [34.4, 31.5],
      ],
    });
    expect(middle?.[0]).toBeCloseTo(34.35, 9);
    expect(middle?.[1]).toBeCloseTo(31.45, 9);
    expect(geometryPoint({ type: 'Polygon', coordinates: [] })).toBeUndefined();
    expect(geometryPoint('not a geometry')).toBeUndefined();
  });
});
