import type { Feature, FeatureCollection, Geometry } from 'geojson';

/**
 * The zone layer an agreement version pins (`GET /api/v1/zones?all=true`): withdrawal lines that
 * move by phase or day, evacuation-order areas with their validity, checkpoints. Filtered here,
 * in the browser, for the moment on the map's slider, as the core's `zonesAt` does on the server.
 */

export interface ZoneProperties {
  place: string;
  kind: string;
  name?: string;
  phase?: string;
  fromDay?: number;
  untilDay?: number;
  validFrom?: string;
  validUntil?: string;
  approximate?: boolean;
  note?: string;
}

export interface ZoneLayerResponse {
  type: 'FeatureCollection';
  bbox: number[];
  attribution: string;
  features: Feature<Geometry, ZoneProperties>[];
  agreement: { id: string; version: number };
  sha256: string;
}

export interface ZoneMoment {
  day: number;
  at: number;
  /** Phases in force at the moment; absent: phase limits are not applied. */
  phases?: readonly string[];
}

/** The kinds the map draws from the agreement's layer (the schematic draws the others). */
export const drawnZoneKinds = ['withdrawal_line', 'evacuation_area', 'checkpoint'] as const;

export function validAt(properties: ZoneProperties, moment: ZoneMoment): boolean {
  const p = properties;
  if (p.fromDay !== undefined && moment.day < p.fromDay) return false;
  if (p.untilDay !== undefined && moment.day > p.untilDay) return false;
  if (p.validFrom !== undefined && moment.at < Date.parse(p.validFrom)) return false;
  if (p.validUntil !== undefined && moment.at >= Date.parse(p.validUntil)) return false;
  if (p.phase !== undefined && moment.phases && !moment.phases.includes(p.phase)) return false;
  return true;
}

/** The features of the drawn kinds valid at the moment, each tagged with `layer: <kind>`. */
export function agreementZoneFeatures(
  layer: ZoneLayerResponse | undefined,
  moment: ZoneMoment,
): FeatureCollection<Geometry, ZoneProperties & { layer: string }> {
  const features = (layer?.features ?? [])
    .filter(
      (f) =>
        (drawnZoneKinds as readonly string[]).includes(f.properties.kind) &&
        validAt(f.properties, moment),
    )
    .map((f) => ({ ...f, properties: { ...f.properties, layer: f.properties.kind } }));
  return { type: 'FeatureCollection', features };
}

/** Phases in force at `at`, from the status's phases (started by then, not ended by then). */
export function phasesAt(
  phases: readonly { id: string; startedAt: string | null; endsAt: string | null; state: string }[],
  at: number,
): string[] {
  return phases
    .filter((p) => p.startedAt !== null && Date.parse(p.startedAt) <= at)
    .filter((p) => p.state !== 'ended' || (p.endsAt !== null && Date.parse(p.endsAt) > at))
    .map((p) => p.id);
}
