import type { Feature, FeatureCollection, LineString, Point, Polygon, Position } from 'geojson';

/**
 * The pure half of the map page: events from the ledger turned into map features as they stood
 * at a chosen time. Nothing here touches MapLibre or the DOM, so it is tested on its own.
 *
 * "As they stood at time T" means: the events that occurred at or before T (`occurredAt`), each
 * as it reads now, after corrections and retractions (what the cell knows today about that
 * moment, not what it knew then).
 */

/** An event as the events API returns it (`Entry.event`). */
export interface MapEvent {
  id: string;
  type: string;
  occurredAt: string;
  reportedAt: string;
  source: string;
  payload: Record<string, unknown>;
}

/** The fields of an agreement's place the map uses. */
export interface MapPlace {
  id: string;
  name: string;
  kind: string;
  lat?: number | undefined;
  lon?: number | undefined;
  note?: string | undefined;
}

/** The event types the map reads; corrections and retractions revise the others. */
export const mapEventTypes = [
  'crossing_opened',
  'crossing_closed',
  'incident_reported',
  'returns_counted',
  'withdrawal_completed',
  'correction',
  'retraction',
] as const;

export const incidentCategories = [
  'fire',
  'incursion',
  'flight',
  'obstruction_of_aid',
  'obstruction_of_returns',
  'ill_treatment',
  'other',
] as const;
export type IncidentCategory = (typeof incidentCategories)[number];

export const returnDirections = ['north', 'south', 'in', 'out'] as const;
export type ReturnDirection = (typeof returnDirections)[number];

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const finite = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/**
 * The events as they read now: a retraction removes its target, the latest correction (by
 * reportedAt, then id) replaces its payload. As in the engine (docs/EVENTS.md), only the
 * reporter of an event or a mediator may revise it; anyone else's revision is a counter-claim
 * and changes nothing here. A retracted correction no longer applies. Revisions themselves are
 * not returned.
 */
export function effectiveEvents(
  events: readonly MapEvent[],
  mediators: ReadonlySet<string> = new Set(),
): MapEvent[] {
  const byId = new Map(events.map((event) => [event.id, event]));
  const authorised = (target: MapEvent, revision: MapEvent) =>
    revision.source === target.source || mediators.has(revision.source);
  const revisions = events.filter((e) => e.type === 'correction' || e.type === 'retraction');
  // Revisions voided by an authorised retraction of the revision itself.
  const voided = new Set<string>();
  for (const revision of revisions) {
    if (revision.type !== 'retraction') continue;
    const target = byId.get(text(revision.payload.target) ?? '');
    if (
      target &&
      (target.type === 'correction' || target.type === 'retraction') &&
      authorised(target, revision)
    ) {
      voided.add(target.id);
    }
  }
  const applicable = new Map<string, MapEvent[]>();
  for (const revision of revisions) {
    if (voided.has(revision.id)) continue;
    const target = byId.get(text(revision.payload.target) ?? '');
    if (!target || target.type === 'correction' || target.type === 'retraction') continue;
    if (!authorised(target, revision)) continue;
    const list = applicable.get(target.id) ?? [];
    list.push(revision);
    applicable.set(target.id, list);
  }
  const out: MapEvent[] = [];
  for (const event of events) {
    if (event.type === 'correction' || event.type === 'retraction') continue;
    const list = applicable.get(event.id);
    if (!list) {
      out.push(event);
      continue;
    }
    list.sort(
      (a, b) => Date.parse(a.reportedAt) - Date.parse(b.reportedAt) || (a.id < b.id ? -1 : 1),
    );
    let current: MapEvent | undefined = event;
    for (const revision of list) {
      if (revision.type === 'retraction') {
        current = undefined;
        break;
      }
      const payload = revision.payload.payload;
      if (payload && typeof payload === 'object' && !Array.isArray(payload)) {
        current = { ...event, payload: payload as Record<string, unknown> };
      }
    }
    if (current) out.push(current);
  }
  return out;
}

/** The events that occurred at or before `at` (milliseconds), in order of occurrence. */
export function occurredBy(events: readonly MapEvent[], at: number): MapEvent[] {
  return events
    .filter((event) => Date.parse(event.occurredAt) <= at)
    .sort(
      (a, b) =>
        Date.parse(a.occurredAt) - Date.parse(b.occurredAt) ||
        Date.parse(a.reportedAt) - Date.parse(b.reportedAt) ||
        (a.id < b.id ? -1 : 1),
    );
}

export type PassageState = 'open' | 'closed' | 'unknown';

export interface Passage {
  state: Exclude<PassageState, 'unknown'>;
  since: string;
  eventId: string;
  source: string;
  /** Who may pass (`for`) when opened, the reason when closed. */
  detail?: string;
}

/**
 * Open or closed at `at`, for each crossing, route or checkpoint named by a `crossing_opened`
 * or `crossing_closed` event: the latest such event at or before `at` decides. A place with no
 * such event yet is absent (unknown).
 */
export function passagesAt(events: readonly MapEvent[], at: number): Map<string, Passage> {
  const states = new Map<string, Passage>();
  for (const event of occurredBy(events, at)) {
    if (event.type !== 'crossing_opened' && event.type !== 'crossing_closed') continue;
    const crossing = text(event.payload.crossing);
    if (!crossing) continue;
    const open = event.type === 'crossing_opened';
    const detail = text(open ? event.payload.for : event.payload.reason);
    states.set(crossing, {
      state: open ? 'open' : 'closed',
      since: event.occurredAt,
      eventId: event.id,
      source: event.source,
      ...(detail ? { detail } : {}),
    });
  }
  return states;
}

/** Zones (by place id) whose withdrawal was completed at or before `at`, with when. */
export function withdrawalsAt(events: readonly MapEvent[], at: number): Map<string, string> {
  const done = new Map<string, string>();
  for (const event of occurredBy(events, at)) {
    if (event.type !== 'withdrawal_completed') continue;
    const zone = text(event.payload.zone);
    if (zone && !done.has(zone)) done.set(zone, event.occurredAt);
  }
  return done;
}

export type ReturnTotals = Record<ReturnDirection, number> & { reports: number };

/** People counted on each route up to `at`, summed by direction (`north` by default). */
export function returnsByRoute(events: readonly MapEvent[], at: number): Map<string, ReturnTotals> {
  const totals = new Map<string, ReturnTotals>();
  for (const event of occurredBy(events, at)) {
    if (event.type !== 'returns_counted') continue;
    const route = text(event.payload.route);
    const count = finite(event.payload.count);
    if (!route || count === undefined) continue;
    const raw = text(event.payload.direction) ?? 'north';
    const direction = (returnDirections as readonly string[]).includes(raw)
      ? (raw as ReturnDirection)
      : 'north';
    const sum = totals.get(route) ?? { north: 0, south: 0, in: 0, out: 0, reports: 0 };
    sum[direction] += count;
    sum.reports += 1;
    totals.set(route, sum);
  }
  return totals;
}

/**
 * Where each place can be drawn as a point: its own lat/lon from the agreement, else the
 * schematic anchor bundled for it (routes, zones and areas have no coordinates of their own).
 */
export function placePositions(
  places: readonly MapPlace[],
  anchors: FeatureCollection,
): Map<string, Position> {
  const positions = new Map<string, Position>();
  for (const feature of anchors.features) {
    const place = feature.properties?.place;
    if (feature.properties?.layer === 'anchor' && typeof place === 'string') {
      if (feature.geometry.type === 'Point') positions.set(place, feature.geometry.coordinates);
    }
  }
  for (const place of places) {
    if (place.lat !== undefined && place.lon !== undefined) {
      positions.set(place.id, [place.lon, place.lat]);
    }
  }
  return positions;
}

export interface CrossingProperties {
  id: string;
  name: string;
  state: PassageState;
  since?: string;
  detail?: string;
  note?: string;
}

/** The agreement's crossings and checkpoints that have coordinates, with their state at `at`. */
export function crossingFeatures(
  places: readonly MapPlace[],
  passages: ReadonlyMap<string, Passage>,
): FeatureCollection<Point, CrossingProperties> {
  const features: Feature<Point, CrossingProperties>[] = [];
  for (const place of places) {
    if (place.kind !== 'crossing' && place.kind !== 'checkpoint') continue;
    if (place.lat === undefined || place.lon === undefined) continue;
    const passage = passages.get(place.id);
    features.push({
      type: 'Feature',
      id: place.id,
      properties: {
        id: place.id,
        name: place.name,
        state: passage?.state ?? 'unknown',
        ...(passage ? { since: passage.since } : {}),
        ...(passage?.detail ? { detail: passage.detail } : {}),
        ...(place.note ? { note: place.note } : {}),
      },
      geometry: { type: 'Point', coordinates: [place.lon, place.lat] },
    });
  }
  return { type: 'FeatureCollection', features };
}

export interface IncidentProperties {
  eventId: string;
  incident: string;
  category: IncidentCategory;
  occurredAt: string;
  source: string;
  description: string;
  place?: string;
  against?: string;
  obligation?: string;
}

/** About 250 m, in degrees of latitude: the spacing of incidents reported at the same point. */
const SPREAD = 0.00225;

/**
 * Incidents reported at or before `at`, as points: at their own lat/lon, else at their place.
 * Several at the same point are spread on a small spiral so that each stays visible and
 * clickable. Those that cannot be placed are counted in `unplaced`.
 */
export function incidentFeatures(
  events: readonly MapEvent[],
  positions: ReadonlyMap<string, Position>,
  at: number,
): { collection: FeatureCollection<Point, IncidentProperties>; unplaced: number } {
  const features: Feature<Point, IncidentProperties>[] = [];
  const seen = new Map<string, number>();
  let unplaced = 0;
  for (const event of occurredBy(events, at)) {
    if (event.type !== 'incident_reported') continue;
    const p = event.payload;
    const place = text(p.place);
    const lat = finite(p.lat);
    const lon = finite(p.lon);
    const base: Position | undefined =
      lat !== undefined && lon !== undefined
        ? [lon, lat]
        : (geometryPoint(p.geometry) ?? (place ? positions.get(place) : undefined));
    if (!base || base[0] === undefined || base[1] === undefined) {
      unplaced += 1;
      continue;
    }
    const key = `${base[0]},${base[1]}`;
    const index = seen.get(key) ?? 0;
    seen.set(key, index + 1);
    const raw = text(p.category) ?? 'other';
    const category = (incidentCategories as readonly string[]).includes(raw)
      ? (raw as IncidentCategory)
      : 'other';
    const against = text(p.against);
    const obligation = text(p.obligation);
    features.push({
      type: 'Feature',
      id: features.length,
      properties: {
        eventId: event.id,
        incident: text(p.incident) ?? event.id,
        category,
        occurredAt: event.occurredAt,
        source: event.source,
        description: text(p.description) ?? '',
        ...(place ? { place } : {}),
        ...(against ? { against } : {}),
        ...(obligation ? { obligation } : {}),
      },
      geometry: { type: 'Point', coordinates: spread(base, index) },
    });
  }
  return { collection: { type: 'FeatureCollection', features }, unplaced };
}

/**
 * A point for a report's `geometry` (GeoJSON Point, LineString or Polygon): the point itself, or
 * the middle of the vertices of a line or an area's outer ring.
 */
export function geometryPoint(value: unknown): Position | undefined {
  const g = value as { type?: unknown; coordinates?: unknown } | null | undefined;
  if (!g || typeof g !== 'object') return undefined;
  const points: unknown[] =
    g.type === 'Point'
      ? [g.coordinates]
      : g.type === 'LineString'
        ? ((g.coordinates as unknown[]) ?? [])
        : g.type === 'Polygon'
          ? (((g.coordinates as unknown[][]) ?? [])[0] ?? [])
          : [];
  const valid = points.filter(
    (pt): pt is [number, number] =>
      Array.isArray(pt) && finite(pt[0]) !== undefined && finite(pt[1]) !== undefined,
  );
  if (valid.length === 0) return undefined;
  const lon = valid.reduce((sum, [x]) => sum + x, 0) / valid.length;
  const lat = valid.reduce((sum, [, y]) => sum + y, 0) / valid.length;
  return [lon, lat];
}

/** The `index`-th point around `base` on a golden-angle spiral (the first one is `base`). */
export function spread(base: Position, index: number): Position {
  const [lon = 0, lat = 0] = base;
  if (index === 0) return [lon, lat];
  const angle = index * 2.399963;
  const radius = SPREAD * Math.sqrt(index);
  const cos = Math.cos((lat * Math.PI) / 180) || 1;
  return [lon + (radius * Math.cos(angle)) / cos, lat + radius * Math.sin(angle)];
}

export interface SchematicProperties {
  layer: 'outline' | 'zone' | 'corridor' | 'route';
  place: string;
  state: PassageState;
  withdrawn: boolean;
}

/**
 * The bundled schematic features (outline, zones, corridors, routes; not the anchors), each with
 * the state at `at` of the place it draws: open/closed (routes can be opened and closed like
 * crossings) and whether a withdrawal from it was completed.
 */
export function schematicFeatures(
  schematic: FeatureCollection,
  passages: ReadonlyMap<string, Passage>,
  withdrawals: ReadonlyMap<string, string>,
): FeatureCollection<Polygon | LineString, SchematicProperties> {
  const features: Feature<Polygon | LineString, SchematicProperties>[] = [];
  for (const feature of schematic.features) {
    const layer = feature.properties?.layer;
    const place = feature.properties?.place;
    if (typeof place !== 'string') continue;
    if (layer !== 'outline' && layer !== 'zone' && layer !== 'corridor' && layer !== 'route') {
      continue;
    }
    const geometry = feature.geometry;
    if (geometry.type !== 'Polygon' && geometry.type !== 'LineString') continue;
    features.push({
      type: 'Feature',
      properties: {
        layer,
        place,
        state: passages.get(place)?.state ?? 'unknown',
        withdrawn: withdrawals.has(place),
      },
      geometry,
    });
  }
  return { type: 'FeatureCollection', features };
}

export interface TimeRange {
  /** The phase the range covers, if any has started. */
  phase?: string;
  start: number;
  end: number;
}

interface PhaseLike {
  id: string;
  state: string;
  startedAt: string | null;
  endsAt: string | null;
}

/**
 * The slider's range: the chosen phase (by default the active one, else the last that started)
 * from its start to its end, or to `asOf` while it has not ended; never past `asOf`, since what
 * lies beyond has not happened yet. Without a started phase, the day before `asOf`.
 */
export function timeRange(phases: readonly PhaseLike[], asOf: string, phaseId?: string): TimeRange {
  const now = Date.parse(asOf);
  const started = phases.filter((p) => p.startedAt !== null && Date.parse(p.startedAt) <= now);
  const phase =
    started.find((p) => p.id === phaseId) ??
    started.find((p) => p.state === 'active') ??
    started.at(-1);
  if (!phase || phase.startedAt === null) return { start: now - 86_400_000, end: now };
  const start = Date.parse(phase.startedAt);
  const ends = phase.endsAt === null ? now : Math.min(Date.parse(phase.endsAt), now);
  return { phase: phase.id, start, end: Math.max(start, ends) };
}

/** `value` kept within the range. */
export function clamp(range: TimeRange, value: number): number {
  return Math.min(range.end, Math.max(range.start, value));
}
