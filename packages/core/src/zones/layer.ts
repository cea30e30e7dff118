import { z } from 'zod';
import { instant, slug } from '../agreement/schema.js';

/**
 * The zones, lines and places of an agreement as GeoJSON (RFC 7946): one FeatureCollection per
 * agreement version, pinned by its SHA-256 in the agreement (`geometry`), so that a line drawn
 * for version 1 cannot silently change under it. Every feature names the agreement place it
 * draws (`properties.place`); a place may have several features valid at different times (a
 * withdrawal line that moves by phase, an evacuation order with its validity period).
 */

const position = z
  .array(z.number())
  .min(2)
  .max(3)
  .describe('[longitude, latitude] (WGS84), optionally an altitude');

const geometry = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Point'), coordinates: position }).strict(),
  z.object({ type: z.literal('LineString'), coordinates: z.array(position).min(2) }).strict(),
  z
    .object({ type: z.literal('MultiLineString'), coordinates: z.array(z.array(position).min(2)) })
    .strict(),
  z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(position)).min(1) }).strict(),
  z
    .object({
      type: z.literal('MultiPolygon'),
      coordinates: z.array(z.array(z.array(position)).min(1)).min(1),
    })
    .strict(),
]);

export const zoneProperties = z
  .object({
    place: slug.describe('the id of the place in the agreement this feature draws'),
    name: z.string().min(1).optional().describe("default: the place's name"),
    kind: z
      .enum([
        'buffer_zone',
        'corridor',
        'withdrawal_line',
        'crossing',
        'checkpoint',
        'return_route',
        'evacuation_area',
        'outline',
      ])
      .describe('what the feature is, for the map legend'),
    phase: slug.optional().describe('valid during this phase only'),
    fromDay: z.number().int().optional().describe('valid from the start of this day'),
    untilDay: z.number().int().optional().describe('valid until the end of this day'),
    validFrom: instant.optional().describe('valid from this instant (an evacuation order)'),
    validUntil: instant.optional().describe('valid until this instant'),
    approximate: z
      .boolean()
      .default(true)
      .describe('true unless drawn from an authoritative, openly licensed source'),
    source: z.string().max(400).optional().describe('where the drawing comes from, with licence'),
    note: z.string().max(4000).optional(),
  })
  .strict();

export const zoneFeature = z
  .object({
    type: z.literal('Feature'),
    id: z.union([z.string(), z.number()]).optional(),
    geometry,
    properties: zoneProperties,
  })
  .strict();

export const zoneLayerSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    bbox: z
      .tuple([z.number(), z.number(), z.number(), z.number()])
      .describe(
        'the area every coordinate must fall in: [west, south, east, north] (RFC 7946 §5); a coordinate outside it is an error',
      ),
    attribution: z
      .string()
      .min(1)
      .max(1000)
      .describe('who drew it and under which licence; shown on the map'),
    features: z.array(zoneFeature),
  })
  .strict();

export type ZoneLayer = z.output<typeof zoneLayerSchema>;
export type ZoneFeature = z.output<typeof zoneFeature>;
export type ZoneGeometry = ZoneFeature['geometry'];

/** When a feature applies, in the agreement's day numbers and instants. */
export interface ZoneMoment {
  /** The day number of the moment (the engine's calendar). */
  day: number;
  /** The instant, in milliseconds. */
  at: number;
  /** Phases in force at the moment (started and not ended). */
  phases?: readonly string[];
}

/** The features that apply at a moment: a moving line shows where it was that day. */
export function zonesAt(layer: ZoneLayer, moment: ZoneMoment): ZoneFeature[] {
  return layer.features.filter(({ properties: p }) => {
    if (p.fromDay !== undefined && moment.day < p.fromDay) return false;
    if (p.untilDay !== undefined && moment.day > p.untilDay) return false;
    if (p.validFrom !== undefined && moment.at < Date.parse(p.validFrom)) return false;
    if (p.validUntil !== undefined && moment.at >= Date.parse(p.validUntil)) return false;
    if (p.phase !== undefined && moment.phases && !moment.phases.includes(p.phase)) return false;
    return true;
  });
}

/** ` [zone: Netzarim corridor]`: how a why names the place an obligation concerns. */
export function zoneText(
  zone: string | undefined,
  places: readonly { id: string; name: string }[],
): string {
  if (zone === undefined) return '';
  return ` [zone: ${places.find((p) => p.id === zone)?.name ?? zone}]`;
}
