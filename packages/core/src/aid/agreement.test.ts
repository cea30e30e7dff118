import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAgreement } from '../agreement/parse.js';
import { TruceError } from '../errors.js';

/** Crossings and source profiles in the agreement format, with errors located like the rest. */

const root = new URL('../../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

const base = [
  'truce: 1',
  'id: aid-test',
  'title: Aid test',
  'version: 1',
  'timeZone: Asia/Gaza',
  'zeroHour: 2025-01-19T08:30:00+02:00',
  'parties:',
  '  - { id: cogat, name: COGAT, roles: [agency] }',
  '  - { id: un, name: UN, roles: [agency] }',
  'places:',
  '  - id: kerem-shalom',
  '    name: Kerem Shalom',
  '    kind: crossing',
  '    crossing:',
  '      hours: { opens: "07:00", closes: "19:00" }',
  '      trucksPerDay: 450',
  '  - id: north',
  '    name: Northern Gaza',
  '    kind: area',
];

function errorOf(text: string): TruceError {
  try {
    parseAgreement(text, 'aid.yaml');
  } catch (error) {
    if (error instanceof TruceError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}
const located = (error: TruceError) =>
  error.details.map((d) => ({ line: d.line, column: d.column, path: d.path }));

describe('crossings and source profiles in the agreement', () => {
  it('reads the sample’s crossings with their hours, capacity and closures, and its profiles', () => {
    const agreement = parseAgreement(read('examples/agreements/gaza-2025.yaml'), 'gaza-2025.yaml');
    const crossings = agreement.places.filter((p) => p.kind === 'crossing');
    expect(crossings.map((p) => p.id)).toEqual([
      'kerem-shalom',
      'rafah',
      'erez',
      'zikim',
      'kissufim',
    ]);
    for (const c of crossings) {
      expect(c.lat).toBeGreaterThan(31.2);
      expect(c.lat).toBeLessThan(31.61);
      expect(c.lon).toBeGreaterThan(34.2);
      expect(c.lon).toBeLessThan(34.57);
    }
    expect(crossings[0]?.crossing).toMatchObject({ trucksPerDay: 450, hours: { opens: '07:00' } });
    expect(agreement.sourceProfiles?.map((p) => [p.source, p.halfLoaded])).toEqual([
      ['cogat', 'full'],
      ['un', 'merged'],
    ]);
    // The 2023 sample has neither and still parses.
    expect(
      parseAgreement(read('examples/agreements/gaza-2023-pause.yaml'), 'gaza-2023.yaml')
        .sourceProfiles,
    ).toBeUndefined();
  });

  it('locates a bad opening time, crossing details on a place that is not a crossing, and a closure that ends before it starts', () => {
    const text = [
      ...base.slice(0, 14),
      '      hours: { opens: "7am", closes: "19:00" }',
      '      trucksPerDay: 450',
      '      closed:',
      '        - { from: 2025-03-02T00:00:00+02:00, until: 2025-03-01T00:00:00+02:00 }',
      '  - id: north',
      '    name: Northern Gaza',
      '    kind: area',
      '    crossing: { trucksPerDay: 10 }',
    ].join('\n');
    const schemaError = errorOf(text);
    expect(located(schemaError)).toEqual([
      { line: 15, column: 23, path: 'places[0].crossing.hours.opens' },
    ]);
    const references = errorOf(text.replace('"7am"', '"07:00"'));
    expect(located(references)).toEqual([
      { line: 18, column: 53, path: 'places[0].crossing.closed[0].until' },
      { line: 22, column: 15, path: 'places[1].crossing' },
    ]);
  });

  it('locates a profile for an unknown party, an unknown crossing and a second profile of a source', () => {
    const text = [
      ...base,
      'sourceProfiles:',
      '  - { source: cogat, halfLoaded: full }',
      '  - { source: un, halfLoaded: merged, crossings: [kerem-shalom, north] }',
      '  - { source: cogat, halfLoaded: excluded }',
      '  - { source: wfp }',
    ].join('\n');
    const error = errorOf(text);
    expect(error.details.map((d) => [d.line, d.path])).toEqual([
      [22, 'sourceProfiles[1].crossings[1]'],
      [23, 'sourceProfiles[2].source'],
      [24, 'sourceProfiles[3].source'],
    ]);
    expect(error.details[0]?.message).toMatch(/unknown crossing "north"/);
  });
});
