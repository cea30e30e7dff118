import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAgreement } from '../agreement/parse.js';
import { evaluate } from '../engine/evaluate.js';
import { isTruceError, type TruceError } from '../errors.js';
import { zonesAt } from './layer.js';
import { parseZones, selfIntersection } from './validate.js';

const root = new URL('../../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

function layerWith(features: unknown[]): string {
  return JSON.stringify(
    {
      type: 'FeatureCollection',
      bbox: [34.134, 31.22, 34.568, 31.601],
      attribution: 'test drawing',
      features,
    },
    null,
    2,
  );
}

function errorOf(run: () => unknown): TruceError {
  try {
    run();
  } catch (error) {
    if (isTruceError(error)) return error;
    throw error;
  }
  throw new Error('expected a TruceError');
}

const square = [
  [34.3, 31.3],
  [34.35, 31.3],
  [34.35, 31.35],
  [34.3, 31.35],
  [34.3, 31.3],
];
// The same corners in the order 1, 2, 4, 3: a bow tie whose edges cross.
const bowTie = [
  [34.3, 31.3],
  [34.35, 31.3],
  [34.3, 31.35],
  [34.35, 31.35],
  [34.3, 31.3],
];

describe('zone layer validation', () => {
  it('accepts a simple polygon, and finds where a bow tie crosses itself', () => {
    expect(selfIntersection(square)).toBeNull();
    expect(selfIntersection(bowTie)).toEqual([1, 3]);
    const error = errorOf(() =>
      parseZones(
        layerWith([
          {
            type: 'Feature',
            geometry: { type: 'Polygon', coordinates: [bowTie] },
            properties: { place: 'buffer-zone', kind: 'buffer_zone' },
          },
        ]),
        'zones.geojson',
      ),
    );
    expect(error.code).toBe('ZONES_INVALID');
    expect(error.details).toEqual([
      {
        file: 'zones.geojson',
        line: 29,
        column: 13,
        path: 'features[0].geometry.coordinates[0][3]',
        message:
          'buffer-zone: the polygon crosses itself: the edge from position 1 to 2 meets the edge from position 3 to 4; reorder the positions so the outline does not cross',
      },
    ]);
  });

  it('says latitude and longitude are swapped when the swapped position is inside the area', () => {
    const error = errorOf(() =>
      parseZones(
        layerWith([
          {
            type: 'Feature',
            geometry: { type: 'Point', coordinates: [31.45, 34.405] },
            properties: { place: 'netzarim-salah-al-din-checkpoint', kind: 'checkpoint' },
          },
          {
            type: 'Feature',
            geometry: {
              type: 'LineString',
              coordinates: [
                [34.3, 31.3],
                [35.2, 31.78],
              ],
            },
            properties: { place: 'rashid-street', kind: 'return_route' },
          },
        ]),
        'zones.geojson',
      ),
    );
    expect(error.details.map((d) => `${d.line}:${d.column} ${d.path}: ${d.message}`)).toEqual([
      '15:24 features[0].geometry.coordinates: netzarim-salah-al-din-checkpoint: [31.45, 34.405] looks like latitude, longitude: GeoJSON writes [longitude, latitude]; swap them to [34.405, 31.45]',
      '34:11 features[1].geometry.coordinates[1]: rashid-street: [35.2, 31.78] is outside the area of the layer (bbox: longitude 34.134 to 34.568, latitude 31.22 to 31.601)',
    ]);
  });

  it('reports an unclosed ring and a place the agreement does not define', () => {
    const agreement = parseAgreement(read('examples/agreements/gaza-2025.yaml'));
    const error = errorOf(() =>
      parseZones(
        layerWith([
          {
            type: 'Feature',
            geometry: {
              type: 'Polygon',
              coordinates: [square.slice(0, 4).concat([[34.31, 31.3]])],
            },
            properties: { place: 'nowhere', kind: 'evacuation_area' },
          },
        ]),
        'zones.geojson',
        agreement,
      ),
    );
    expect(error.details.map((d) => d.message)).toEqual([
      'nowhere: the ring is not closed: its last position must repeat the first, [34.3, 31.3]',
      'nowhere: no place "nowhere" in gaza-2025 v1; add it to places or fix the id',
    ]);
  });
});

describe('the sample layer', () => {
  const agreement = parseAgreement(read('examples/agreements/gaza-2025.yaml'));
  const text = read('examples/agreements/gaza-2025.zones.geojson');

  it('is the one the agreement pins, and every feature draws one of its places', () => {
    expect(agreement.geometry?.file).toBe('gaza-2025.zones.geojson');
    expect(createHash('sha256').update(text).digest('hex')).toBe(agreement.geometry?.sha256);
    expect(parseZones(text, 'gaza-2025.zones.geojson', agreement).features.length).toBeGreaterThan(
      10,
    );
  });

  it('moves the withdrawal line on Day 22 and drops the evacuation order when it expires', () => {
    const layer = parseZones(text);
    const line = (day: number) =>
      zonesAt(layer, { day, at: Date.parse('2025-01-19T12:00:00+02:00') + (day - 1) * 86_400_000 })
        .filter((f) => f.properties.place === 'withdrawal-line')
        .map((f) => f.geometry.type);
    expect(line(21)).toEqual(['MultiLineString']);
    expect(line(22)).toEqual(['LineString']);
    const evacuation = (at: string) =>
      zonesAt(layer, { day: 2, at: Date.parse(at) }).some(
        (f) => f.properties.kind === 'evacuation_area',
      );
    expect(evacuation('2025-01-20T12:00:00+02:00')).toBe(true);
    expect(evacuation('2025-01-21T08:30:00+02:00')).toBe(false);
  });

  it("lets the engine name an obligation's zone in its why", () => {
    const result = evaluate(agreement, [], '2025-01-25T12:00:00+02:00');
    const netzarim = result.obligations.find((o) => o.id === 'withdrawal-netzarim-corridor');
    expect(netzarim?.why).toContain('[zone: Netzarim corridor] is due by the end of Day 22');
    const flights = result.obligations.find((o) => o.id === 'surveillance-flights-suspended');
    expect(flights?.why).toContain('[zone: the Gaza Strip]: prohibited for at least 10 h a day');
  });
});
