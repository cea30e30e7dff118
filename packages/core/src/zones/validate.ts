import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { Agreement } from '../agreement/schema.js';
import { type ErrorDetail, TruceError } from '../errors.js';
import { type ZoneGeometry, type ZoneLayer, zoneLayerSchema } from './layer.js';

/**
 * Reads a zone layer (GeoJSON) and checks what a schema cannot: every coordinate inside the
 * layer's area (and a clear word when latitude and longitude were swapped, the commonest
 * mistake with GeoJSON), rings closed and not crossing themselves, and every feature naming a
 * place of the agreement. Every problem is reported at once, with file, line, column, path and
 * the feature's place, so a drafter fixes the file in one pass.
 */

type Path = (string | number)[];

function formatPath(path: readonly (string | number)[]): string {
  let text = '';
  for (const part of path) {
    text += typeof part === 'number' ? `[${part}]` : text === '' ? part : `.${part}`;
  }
  return text;
}

/** The line and column of a path in the parsed document (as far down as it exists). */
function locate(root: Node | null, lines: LineCounter, path: readonly (string | number)[]) {
  let node: unknown = root;
  let offset = (root as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => String((item.key as { value?: unknown } | null)?.value) === String(part),
      );
      if (!pair) break;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      node = node.items[part];
      if (node === undefined) break;
    } else break;
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (range) offset = range[0];
  }
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

type Segment = [[number, number], [number, number]];

function orientation(a: number[], b: number[], c: number[]): number {
  const value = (b[1]! - a[1]!) * (c[0]! - b[0]!) - (b[0]! - a[0]!) * (c[1]! - b[1]!);
  return Math.abs(value) < 1e-15 ? 0 : value > 0 ? 1 : 2;
}

function onSegment(a: number[], b: number[], c: number[]): boolean {
  return (
    b[0]! <= Math.max(a[0]!, c[0]!) &&
    b[0]! >= Math.min(a[0]!, c[0]!) &&
    b[1]! <= Math.max(a[1]!, c[1]!) &&
    b[1]! >= Math.min(a[1]!, c[1]!)
  );
}

/** Whether two segments touch or cross (collinear overlaps included). */
export function segmentsIntersect([p1, q1]: Segment, [p2, q2]: Segment): boolean {
  const o1 = orientation(p1, q1, p2);
  const o2 = orientation(p1, q1, q2);
  const o3 = orientation(p2, q2, p1);
  const o4 = orientation(p2, q2, q1);
  if (o1 !== o2 && o3 !== o4) return true;
  if (o1 === 0 && onSegment(p1, p2, q1)) return true;
  if (o2 === 0 && onSegment(p1, q2, q1)) return true;
  if (o3 === 0 && onSegment(p2, p1, q2)) return true;
  if (o4 === 0 && onSegment(p2, q1, q2)) return true;
  return false;
}

/**
 * The first pair of non-adjacent edges of a closed ring that touch or cross, as edge indexes
 * (edge i runs from position i to i + 1); null for a simple ring.
 */
export function selfIntersection(ring: readonly (readonly number[])[]): [number, number] | null {
  const edges = ring.length - 1;
  for (let i = 0; i < edges; i++) {
    for (let j = i + 1; j < edges; j++) {
      // Neighbours share a vertex; the first and the last edge share the closing one.
      if (j === i + 1 || (i === 0 && j === edges - 1)) continue;
      const a: Segment = [ring[i] as [number, number], ring[i + 1] as [number, number]];
      const b: Segment = [ring[j] as [number, number], ring[j + 1] as [number, number]];
      if (segmentsIntersect(a, b)) return [i, j];
    }
  }
  return null;
}

interface Problem {
  path: Path;
  message: string;
}

function checkPositions(
  positions: readonly (readonly number[])[],
  path: Path,
  bbox: readonly [number, number, number, number],
  problems: Problem[],
  indexed = true,
): void {
  const [west, south, east, north] = bbox;
  const inside = (lon: number, lat: number) =>
    lon >= west && lon <= east && lat >= south && lat <= north;
  positions.forEach((position, index) => {
    const [lon, lat] = position as [number, number];
    if (inside(lon, lat)) return;
    const at = indexed ? [...path, index] : path;
    if (inside(lat, lon)) {
      problems.push({
        path: at,
        message: `[${lon}, ${lat}] looks like latitude, longitude: GeoJSON writes [longitude, latitude]; swap them to [${lat}, ${lon}]`,
      });
    } else {
      problems.push({
        path: at,
        message: `[${lon}, ${lat}] is outside the area of the layer (bbox: longitude ${west} to ${east}, latitude ${south} to ${north})`,
      });
    }
  });
}

function checkRing(ring: readonly (readonly number[])[], path: Path, problems: Problem[]): void {
  if (ring.length < 4) {
    problems.push({
      path,
      message: `a ring needs at least 4 positions (3 corners and the first again); this one has ${ring.length}`,
    });
    return;
  }
  const first = ring[0]!;
  const last = ring[ring.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) {
    problems.push({
      path: [...path, ring.length - 1],
      message: `the ring is not closed: its last position must repeat the first, [${first[0]}, ${first[1]}]`,
    });
    return;
  }
  const crossing = selfIntersection(ring);
  if (crossing) {
    const [i, j] = crossing;
    problems.push({
      path: [...path, j],
      message: `the polygon crosses itself: the edge from position ${i} to ${i + 1} meets the edge from position ${j} to ${j + 1}; reorder the positions so the outline does not cross`,
    });
  }
}

function checkGeometry(
  geometry: ZoneGeometry,
  path: Path,
  bbox: readonly [number, number, number, number],
  problems: Problem[],
): void {
  const at = [...path, 'coordinates'];
  switch (geometry.type) {
    case 'Point':
      checkPositions([geometry.coordinates], at, bbox, problems, false);
      return;
    case 'LineString':
      checkPositions(geometry.coordinates, at, bbox, problems);
      return;
    case 'MultiLineString':
      geometry.coordinates.forEach((line, i) => {
        checkPositions(line, [...at, i], bbox, problems);
      });
      return;
    case 'Polygon':
      geometry.coordinates.forEach((ring, i) => {
        checkPositions(ring, [...at, i], bbox, problems);
        checkRing(ring, [...at, i], problems);
      });
      return;
    case 'MultiPolygon':
      geometry.coordinates.forEach((polygon, p) => {
        polygon.forEach((ring, i) => {
          checkPositions(ring, [...at, p, i], bbox, problems);
          checkRing(ring, [...at, p, i], problems);
        });
      });
      return;
  }
}

/**
 * Where an incident report says it happened, checked against the area of the agreement's zone
 * layer: a point, line or polygon (GeoJSON) or a lat/lon pair outside it, or swapped, or a
 * polygon that crosses itself. Problems with their path in the payload (`geometry.coordinates[1]`).
 */
export function incidentPlaceProblems(
  payload: { lat?: number | undefined; lon?: number | undefined; geometry?: unknown },
  bbox: readonly [number, number, number, number],
): { path: string; message: string }[] {
  const problems: Problem[] = [];
  if (payload.lat !== undefined && payload.lon !== undefined) {
    const [west, south, east, north] = bbox;
    const { lat, lon } = payload;
    const inside = (x: number, y: number) => x >= west && x <= east && y >= south && y <= north;
    if (!inside(lon, lat)) {
      problems.push({
        path: ['lat'],
        message: inside(lat, lon)
          ? `lat ${lat}, lon ${lon} look swapped: swap them (lat ${lon}, lon ${lat} is inside the area)`
          : `lat ${lat}, lon ${lon} is outside the area of the agreement (longitude ${west} to ${east}, latitude ${south} to ${north})`,
      });
    }
  }
  const geometry = payload.geometry as ZoneGeometry | undefined;
  if (geometry && typeof geometry === 'object' && 'type' in geometry) {
    checkGeometry(geometry, ['geometry'], bbox, problems);
  }
  return problems.map((p) => ({ path: formatPath(p.path), message: p.message }));
}

/**
 * Parses and checks a zone layer. `agreement`, when given, is the version the layer belongs
 * to: every feature must name one of its places.
 */
export function parseZones(text: string, file?: string, agreement?: Agreement): ZoneLayer {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const where = (path: readonly (string | number)[]) => ({
    ...(file === undefined ? {} : { file }),
    ...locate(doc.contents as Node | null, lines, path),
    ...(path.length ? { path: formatPath(path) } : {}),
  });
  if (doc.errors.length > 0) {
    throw new TruceError(
      'ZONES_INVALID',
      'the zone layer is not valid JSON',
      doc.errors.map((error) => ({
        ...(file === undefined ? {} : { file }),
        line: error.linePos?.[0].line ?? 1,
        column: error.linePos?.[0].col ?? 1,
        message: error.message.split('\n')[0] ?? error.message,
      })),
    );
  }
  const parsed = zoneLayerSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new TruceError(
      'ZONES_INVALID',
      'the zone layer is not a FeatureCollection as docs/AGREEMENT-FORMAT.md describes',
      parsed.error.issues.slice(0, 50).map((issue) => ({
        ...where(issue.path as Path),
        message: issue.message,
      })),
    );
  }
  const layer = parsed.data;
  const problems: { feature: string; path: Path; message: string }[] = [];
  const places = agreement ? new Map(agreement.places.map((p) => [p.id, p])) : undefined;
  layer.features.forEach((feature, index) => {
    const path: Path = ['features', index, 'geometry'];
    const found: Problem[] = [];
    checkGeometry(feature.geometry, path, layer.bbox, found);
    if (places && feature.properties.kind !== 'outline' && !places.has(feature.properties.place)) {
      found.push({
        path: ['features', index, 'properties', 'place'],
        message: `no place "${feature.properties.place}" in ${agreement?.id} v${agreement?.version}; add it to places or fix the id`,
      });
    }
    const phase = feature.properties.phase;
    if (agreement && phase !== undefined && !agreement.phases.some((p) => p.id === phase)) {
      found.push({
        path: ['features', index, 'properties', 'phase'],
        message: `no phase "${phase}" in ${agreement.id} v${agreement.version}; use one of ${agreement.phases.map((p) => p.id).join(', ') || '(none defined)'}`,
      });
    }
    const { validFrom, validUntil, fromDay, untilDay } = feature.properties;
    if (validFrom && validUntil && Date.parse(validUntil) <= Date.parse(validFrom)) {
      found.push({
        path: ['features', index, 'properties', 'validUntil'],
        message: 'validUntil must be after validFrom',
      });
    }
    if (fromDay !== undefined && untilDay !== undefined && untilDay < fromDay) {
      found.push({
        path: ['features', index, 'properties', 'untilDay'],
        message: 'untilDay must not be before fromDay',
      });
    }
    for (const problem of found) problems.push({ feature: feature.properties.place, ...problem });
  });
  if (problems.length > 0) {
    const details: ErrorDetail[] = problems.slice(0, 50).map((problem) => ({
      ...where(problem.path),
      message: `${problem.feature}: ${problem.message}`,
    }));
    throw new TruceError(
      'ZONES_INVALID',
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the zone layer`,
      details,
    );
  }
  return layer;
}

/** The zone layer file an agreement pins, as read: its text, its name and the SHA-256 of its bytes. */
export interface PinnedLayerFile {
  text: string;
  file: string;
  sha256: string;
}

/**
 * Checks the zone layer an agreement pins together with the agreement (for `truce lint`): the
 * layer's own problems as `parseZones` finds them (located in the layer), the layer's digest
 * against the pin, and every zone an obligation names drawn by some feature (both located in the
 * agreement). Every problem at once, as ZONES_INVALID; returns the layer when there is none.
 */
export function checkPinnedLayer(
  agreement: Agreement,
  agreementText: string,
  agreementFile: string | undefined,
  layerFile: PinnedLayerFile,
): ZoneLayer {
  const pinned = agreement.geometry;
  if (!pinned) throw new TruceError('USAGE', `${agreement.id} pins no zone layer (geometry)`);
  const lines = new LineCounter();
  const doc = parseDocument(agreementText, { lineCounter: lines, prettyErrors: false });
  const inAgreement = (path: Path, message: string): ErrorDetail => ({
    ...(agreementFile === undefined ? {} : { file: agreementFile }),
    ...locate(doc.contents as Node | null, lines, path),
    path: formatPath(path),
    message,
  });
  const details: ErrorDetail[] = [];
  if (layerFile.sha256 !== pinned.sha256) {
    details.push(
      inAgreement(
        ['geometry', 'sha256'],
        `${layerFile.file} has SHA-256 ${layerFile.sha256}, not the one pinned: the drawing changed after this version pinned it; restore it, or pin the new digest in a new version`,
      ),
    );
  }
  let layer: ZoneLayer | undefined;
  try {
    layer = parseZones(layerFile.text, layerFile.file, agreement);
  } catch (error) {
    if (!(error instanceof TruceError) || error.code !== 'ZONES_INVALID') throw error;
    details.push(...error.details);
  }
  if (layer) {
    const drawn = new Set(layer.features.map((f) => f.properties.place));
    const undrawn = (zone: unknown, path: Path) => {
      if (typeof zone !== 'string' || drawn.has(zone)) return;
      details.push(
        inAgreement(
          path,
          `zone "${zone}" is not drawn in ${layerFile.file}: add a feature with "place": "${zone}", or name a zone the layer draws`,
        ),
      );
    };
    // The zone an obligation concerns, and the zones its event matches name (`where: { zone }`).
    const matches = (value: unknown, path: Path, depth: number): void => {
      if (depth > 8 || value === null || typeof value !== 'object') return;
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'where' && inner !== null && typeof inner === 'object') {
          const zone = (inner as { zone?: unknown }).zone;
          if (Array.isArray(zone)) zone.forEach((z, i) => undrawn(z, [...path, key, 'zone', i]));
          else undrawn(zone, [...path, key, 'zone']);
        } else {
          matches(inner, [...path, Array.isArray(value) ? Number(key) : key], depth + 1);
        }
      }
    };
    agreement.obligations.forEach((obligation, index) => {
      if ('zone' in obligation) undrawn(obligation.zone, ['obligations', index, 'zone']);
      matches(obligation, ['obligations', index], 0);
    });
  }
  if (details.length > 0) {
    throw new TruceError(
      'ZONES_INVALID',
      `${details.length} problem${details.length === 1 ? '' : 's'} with the zone layer of ${agreement.id} v${agreement.version}`,
      details,
    );
  }
  return layer!;
}
