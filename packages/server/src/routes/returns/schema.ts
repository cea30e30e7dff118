import { z } from 'zod';
import { instantText } from '../../http/schemas.js';

export const returnsSchema = {
  tags: ['status'],
  summary: 'Returns of displaced people by route, checkpoint, direction, mode and hour',
  description:
    'Counts per hour and per source (sources are kept apart, never added), each route with the permissions that allow returns on it and their status from the engine (a postponed or blocked return shows there), and flags for counts made when the route was not reported open for that movement. As known at `asOf` (default now).',
  querystring: z.object({ asOf: instantText.optional() }),
  response: {
    200: z.object({
      asOf: z.string(),
      routes: z
        .array(z.unknown())
        .describe('{route, name, totals, firstCountAt, permissions, flags}'),
      cells: z
        .array(z.unknown())
        .describe('{route, checkpoint, direction, mode, hour, day, bySource, highest}'),
    }),
  },
};
