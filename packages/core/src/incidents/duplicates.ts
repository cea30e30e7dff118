import type { IncidentFile } from './incident-files.js';

/**
 * Possible duplicates: reports of incidents close in time and place, as a monitor triaging the
 * queue would look for them. A suggestion only — triage decides, with a reason.
 */

export interface DuplicateOptions {
  /** Occurrences at most this many hours apart (default 6). */
  hours?: number;
  /** Positions at most this many metres apart (default 2000); the same named place counts. */
  metres?: number;
}

export interface DuplicateSuggestion {
  /** The later report. */
  incident: string;
  /** The earlier report it may repeat. */
  candidate: string;
  hoursApart: number;
  /** null when only the named place matched. */
  metresApart: number | null;
  samePlace: boolean;
  sameCategory: boolean;
}

const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance in metres (haversine). */
export function distanceMetres(
  a: { lat: number; lon: number },
  b: { lat: number; lon: number },
): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Pairs of incidents close in time and place, later report first. Incidents already closed as
 * duplicates, out of scope, or published are left out; so is a pair already linked by triage.
 */
export function duplicateSuggestions(
  files: readonly IncidentFile[],
  options: DuplicateOptions = {},
): DuplicateSuggestion[] {
  const hours = options.hours ?? 6;
  const metres = options.metres ?? 2000;
  const open = files
    .filter((f) => f.state !== 'duplicate' && f.state !== 'out_of_scope')
    .map((file) => ({ file, at: Date.parse(file.occurredAt) }))
    .sort((a, b) => a.at - b.at || (a.file.incident < b.file.incident ? -1 : 1));
  const window = hours * 3_600_000;
  const out: DuplicateSuggestion[] = [];
  // A sliding window over occurrence times: each report is compared with the earlier ones
  // within `hours`, not with every other report.
  let start = 0;
  for (let i = 0; i < open.length; i++) {
    const later = open[i]!;
    while (later.at - open[start]!.at > window) start++;
    for (let j = start; j < i; j++) {
      const earlier = open[j]!;
      if (later.file.state === 'published' && earlier.file.state === 'published') continue;
      const samePlace = later.file.place !== undefined && later.file.place === earlier.file.place;
      const apart =
        later.file.position && earlier.file.position
          ? distanceMetres(later.file.position, earlier.file.position)
          : null;
      if (!samePlace && (apart === null || apart > metres)) continue;
      out.push({
        incident: later.file.incident,
        candidate: earlier.file.incident,
        hoursApart: Math.round(((later.at - earlier.at) / 3_600_000) * 10) / 10,
        metresApart: apart === null ? null : Math.round(apart),
        samePlace,
        sameCategory: later.file.category === earlier.file.category,
      });
    }
  }
  return out.reverse();
}
