import { z } from 'zod';
import { instantText, slugText } from '../../http/schemas.js';

export const zoneLayerMaxBytes = 16 * 1024 * 1024;

export const uploadZonesSchema = {
  tags: ['agreements'],
  summary: 'Upload a zone layer (GeoJSON) for an agreement version',
  description:
    'The body is the GeoJSON FeatureCollection as a file (application/geo+json), byte for byte: the agreement pins it by the SHA-256 of those bytes (`geometry.sha256`). It is checked first: every coordinate inside the layer’s bbox (latitude and longitude swapped are named as such), rings closed and not crossing themselves, every feature a place of the current agreement. Problems are ZONES_INVALID with line, column and path.',
  response: {
    201: z.object({
      sha256: z.string(),
      features: z.number().int(),
      pinnedBy: z.array(z.string()),
    }),
    200: z.object({
      sha256: z.string(),
      features: z.number().int(),
      pinnedBy: z.array(z.string()),
    }),
  },
};

export const getZonesSchema = {
  tags: ['agreements'],
  summary: 'The zones, lines and places of the current agreement, as they stood at a moment',
  description:
    'The GeoJSON layer the agreement version pins, with only the features valid at `asOf` (default now): a withdrawal line where it was that day, evacuation orders in force. `all=true` returns every feature with its validity. `agreement` picks another uploaded agreement.',
  querystring: z.object({
    asOf: instantText.optional(),
    all: z.enum(['true', 'false']).optional(),
    agreement: slugText.optional(),
  }),
  response: {
    200: z.looseObject({
      type: z.literal('FeatureCollection'),
      bbox: z.array(z.number()),
      attribution: z.string(),
      features: z.array(z.unknown()),
      agreement: z.object({ id: z.string(), version: z.number().int() }),
      sha256: z.string(),
      asOf: z.string().nullable(),
      day: z.number().int().nullable(),
    }),
  },
};
