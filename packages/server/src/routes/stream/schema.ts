import { z } from 'zod';
import { position } from '../../http/schemas.js';

export const streamSchema = {
  tags: ['stream'],
  summary: 'Server-Sent Events: new events (id = sequence number) and status changes',
  description:
    '`event: event` carries an event as listed by GET /api/v1/events, with `id:` its sequence number; `event: status` the obligations whose status changed (the first one: all of them). Reconnect with the Last-Event-ID header (browsers do it themselves) to resume after that sequence number: nothing is lost or repeated. Without it, the stream starts at `from` (default: the next new event). Works across server processes: it reads the database by sequence number.',
  querystring: z.object({ from: position.optional() }),
  headers: z.object({
    'last-event-id': z
      .string()
      .regex(/^(0|[1-9][0-9]{0,15})$/)
      .optional(),
  }),
};
