import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MemoryIoOptions, memoryIo } from './io.js';
import { run } from './run.js';

/** `truce lint` on an agreement that pins a zone layer: the layer is checked with it. */

// A small area around [34.3, 31.4]; every line of the layer is written out so that the tests can
// name the line and column of each problem.
const goodLayer = `{
  "type": "FeatureCollection",
  "bbox": [34.2, 31.3, 34.5, 31.6],
  "attribution": "synthetic test layer",
  "features": [
    {
      "type": "Feature",
      "properties": { "place": "corridor", "kind": "corridor" },
      "geometry": {
        "type": "Polygon",
        "coordinates": [
          [[34.30, 31.40], [34.40, 31.40], [34.40, 31.45], [34.30, 31.45], [34.30, 31.40]]
        ]
      }
    },
    {
      "type": "Feature",
      "properties": { "place": "crossing", "kind": "crossing" },
      "geometry": { "type": "Point", "coordinates": [34.25, 31.35] }
    }
  ]
}
`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const agreementFor = (layerFile: string, digest: string, zone = 'corridor') => `truce: 1
id: zoned
title: Zoned agreement
version: 1
timeZone: Asia/Gaza
zeroHour: 2025-01-19T08:30:00+02:00
zeroHourDay: 1
parties:
  - id: side-a
    name: Side A
    roles: [party]
geometry:
  file: ${layerFile}
  sha256: ${digest}
places:
  - id: corridor
    name: The corridor
    kind: corridor
  - id: crossing
    name: The crossing
    kind: crossing
  - id: strip
    name: The strip
    kind: area
phases:
  - id: phase-1
    start: { day: 1 }
    durationDays: 42
obligations:
  - id: withdraw-corridor
    kind: deadline
    title: Withdraw from the corridor
    clause: Forces withdraw from the corridor by Day 22.
    owedBy: [side-a]
    zone: ${zone}
    act: { type: withdrawal_completed, where: { zone: ${zone} } }
    by: { day: 22 }
`;

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'truce-lint-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function truce(argv: string[], options: MemoryIoOptions = {}) {
  const io = memoryIo(options);
  const code = await run(argv, io);
  return { code, stdout: io.output(), stderr: io.errors() };
}

/** The agreement and its layer, written side by side; returns both paths. */
function pair(name: string, layer: string, options: { digest?: string; zone?: string } = {}) {
  const layerFile = write(`${name}.zones.geojson`, layer);
  const agreementFile = write(
    `${name}.yaml`,
    agreementFor(`${name}.zones.geojson`, options.digest ?? sha256(layer), options.zone),
  );
  return { agreementFile, layerFile };
}

describe('truce lint with a zone layer', () => {
  it('checks the layer the agreement pins, beside it, and says so', async () => {
    const { agreementFile, layerFile } = pair('good', goodLayer);
    expect(await truce(['lint', agreementFile])).toEqual({
      code: 0,
      stdout: `ok: zoned v1, 1 obligation, 1 phase\nok: zone layer ${layerFile}, 2 features, SHA-256 as pinned\n`,
      stderr: '',
    });
  });

  it('passes the sample agreement and its layer', async () => {
    const sample = new URL('../../../../examples/agreements/gaza-2025.yaml', import.meta.url);
    const result = await truce(['lint', sample.pathname]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(
      /^ok: gaza-2025 v\d+, .*\nok: zone layer .*gaza-2025\.zones\.geojson, \d+ features, SHA-256 as pinned\n$/,
    );
  });

  it('locates a polygon that crosses itself, a point outside the area and swapped coordinates', async () => {
    const layer = goodLayer
      // A bow tie: the second and third corners exchanged.
      .replace(
        '[[34.30, 31.40], [34.40, 31.40], [34.40, 31.45], [34.30, 31.45], [34.30, 31.40]]',
        '[[34.30, 31.40], [34.40, 31.45], [34.40, 31.40], [34.30, 31.45], [34.30, 31.40]]',
      )
      .replace('"coordinates": [34.25, 31.35]', '"coordinates": [31.35, 34.25]');
    const { agreementFile, layerFile } = pair('geometry', layer);
    const result = await truce(['lint', agreementFile]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('truce: 2 problems with the zone layer of zoned v1 (ZONES_INVALID)');
    // Line 12 holds the ring; column 44 is its third position, where the first edge is met.
    expect(lines).toContainEqual(
      `${layerFile}:12:44 features[0].geometry.coordinates[0][2]: corridor: the polygon crosses itself: the edge from position 0 to 1 meets the edge from position 2 to 3; reorder the positions so the outline does not cross`,
    );
    expect(lines).toContainEqual(
      `${layerFile}:19:53 features[1].geometry.coordinates: crossing: [31.35, 34.25] looks like latitude, longitude: GeoJSON writes [longitude, latitude]; swap them to [34.25, 31.35]`,
    );

    const outside = pair('outside', goodLayer.replace('[34.25, 31.35]', '[35.9, 31.35]'));
    const far = await truce(['lint', outside.agreementFile]);
    expect(far.code).toBe(2);
    expect(far.stderr).toContain(
      `${outside.layerFile}:19:53 features[1].geometry.coordinates: crossing: [35.9, 31.35] is outside the area of the layer (bbox: longitude 34.2 to 34.5, latitude 31.3 to 31.6)`,
    );
  });

  it('locates in the agreement a zone an obligation names that the layer does not draw', async () => {
    const { agreementFile, layerFile } = pair('undrawn', goodLayer, { zone: 'strip' });
    const result = await truce(['lint', agreementFile]);
    expect(result.code).toBe(2);
    // Line 35, column 11 is "strip" in `zone: strip`.
    expect(result.stderr).toContain(
      `${agreementFile}:35:11 obligations[0].zone: zone "strip" is not drawn in ${layerFile}: add a feature with "place": "strip", or name a zone the layer draws`,
    );
    // And where its act names the zone the event must report.
    expect(result.stderr).toContain(
      `${agreementFile}:36:55 obligations[0].act.where.zone: zone "strip" is not drawn`,
    );
  });

  it('locates a layer changed since it was pinned, and a feature naming no place or phase', async () => {
    const changed = goodLayer.replace(
      '"place": "crossing", "kind": "crossing"',
      '"place": "gate", "kind": "crossing", "phase": "phase-9"',
    );
    const { agreementFile, layerFile } = pair('changed', changed, { digest: sha256(goodLayer) });
    const result = await truce(['lint', agreementFile]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('truce: 3 problems with the zone layer of zoned v1');
    // Line 14, column 11: the digest in `sha256: …`.
    expect(result.stderr).toContain(
      `${agreementFile}:14:11 geometry.sha256: ${layerFile} has SHA-256 ${sha256(changed)}, not the one pinned`,
    );
    expect(result.stderr).toContain(
      `${layerFile}:18:32 features[1].properties.place: gate: no place "gate" in zoned v1; add it to places or fix the id`,
    );
    expect(result.stderr).toContain(
      `${layerFile}:18:69 features[1].properties.phase: gate: no phase "phase-9" in zoned v1; use one of phase-1`,
    );
  });

  it('names a missing layer, and reads one from --zones when the agreement comes from stdin', async () => {
    const { agreementFile } = pair('missing', goodLayer);
    rmSync(join(dir, 'missing.zones.geojson'));
    const missing = await truce(['lint', agreementFile]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read the zone layer');
    expect(missing.stderr).toContain('(NOT_FOUND)');

    const layerFile = write('stdin.zones.geojson', goodLayer);
    const stdin = agreementFor('stdin.zones.geojson', sha256(goodLayer));
    const unchecked = await truce(['lint', '-'], { stdin });
    expect(unchecked.code).toBe(0);
    expect(unchecked.stdout).toContain(
      'zone layer stdin.zones.geojson: not checked (the agreement came from stdin; give the layer with --zones FILE)',
    );
    const checked = await truce(['lint', '-', '--zones', layerFile], { stdin });
    expect(checked.stdout).toContain(`ok: zone layer ${layerFile}, 2 features, SHA-256 as pinned`);
  });
});
